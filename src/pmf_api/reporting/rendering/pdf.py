"""A report as a tagged PDF (PDF/UA-style structure: headings, tables with header cells, figures with
their text alternatives, the document's language and title, bookmarks), laid out by typst.

The layout is decided here as a list of plain blocks (headings, paragraphs, lists, tables of strings,
charts); ``templates/report.typ`` only draws them. The blocks go to typst as JSON data, so a title or a
commentary that holds ``#``, ``$``, ``*``, ``]`` or a backslash is shown as it was typed, never run.
Typst's own fonts only (no system font), and the document's date is the snapshot's: the same document
gives the same bytes on any machine.

Typst memoises what it lays out and the Python binding offers no way to let it go: a process that
compiled one report after another grew by ~60 MB per 100-KPI report (measured). So each PDF is compiled
in a short-lived process of its own (``ISOLATE``, see ``processes.py``), whose memory is returned when it
ends; starting it costs a few tenths of a second against seconds of layout.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import typst

from pmf_api.reporting.document import ReportDocument, ReportKpi
from pmf_api.reporting.rendering import processes
from pmf_api.reporting.rendering.charts import ChartSource, chart_key
from pmf_api.reporting.rendering.html import CATEGORIES, RAG_WORDS, counts_sentence, day, moment, words

Block = dict[str, Any]
ISOLATE = True  # compile in a process of its own (see above); False compiles here


@cache
def _template() -> bytes:
    return (Path(__file__).parent / "templates" / "report.typ").read_bytes()


def _rag(word: str | None, text: str | None = None) -> dict[str, str] | str:
    if not word:
        return ""
    return {"rag": word, "text": text or RAG_WORDS.get(word, word)}


def _text(*parts: str | None, sep: str = "\n") -> str:
    return sep.join(part for part in parts if part)


def _heading(level: int, text: str, *, outlined: bool = True) -> Block:
    return {"type": "heading", "level": level, "text": text, "outlined": outlined}


def _table(caption: str, columns: list[str], widths: list[float], rows: list[list[Any]]) -> Block:
    return {"type": "table", "caption": caption, "columns": columns, "widths": widths, "rows": rows}


def _counts(caption: str, group: str, rows: list[Any]) -> list[Block]:
    if not rows:
        return []
    columns = [group, "Green", "Amber", "Red", "Missing", "Not rated", "Total"]
    body = [
        [row.label, str(row.green), str(row.amber), str(row.red), str(row.missing), str(row.not_rated), str(row.total)]
        for row in rows
    ]
    return [_table(caption, columns, [4, 1, 1, 1, 1, 1, 1], body)]


def _kpi_table(caption: str, kpis: list[ReportKpi]) -> Block:
    columns = [
        "KPI",
        "Value",
        "Target",
        "RAG",
        "Year to date",
        "Direction",
        "Statistical process control",
        "Forecast outturn",
        "Commentary",
    ]
    rows = []
    for kpi in kpis:
        flags = [*(["Needs intervention"] if kpi.needs_intervention else []), *(["Queried"] if kpi.queried else [])]
        rows.append(
            [
                _text(kpi.code, kpi.title, kpi.owner and f"Owner: {kpi.owner}"),
                _text(
                    kpi.value or "No value",
                    kpi.period,
                    None if kpi.value_state == "counted" else words(kpi.value_state),
                ),
                _text(
                    kpi.target or "No target", kpi.intervention_level and f"Intervention at {kpi.intervention_level}"
                ),
                _rag(kpi.rag, _text(kpi.rag_text, *flags, *kpi.flags)),
                _text(
                    kpi.ytd_value and f"{kpi.ytd_value}" + (f" against {kpi.ytd_target}" if kpi.ytd_target else ""),
                    kpi.ytd_rag and RAG_WORDS.get(kpi.ytd_rag),
                ),
                _text(
                    kpi.direction_against_previous
                    and f"Against the previous period: {words(kpi.direction_against_previous)}",
                    kpi.direction_against_last_year and f"Against last year: {words(kpi.direction_against_last_year)}",
                ),
                _text(kpi.variation and f"Variation: {kpi.variation}", kpi.assurance and f"Assurance: {kpi.assurance}"),
                _text(kpi.forecast_outturn, kpi.forecast_rag and RAG_WORDS.get(kpi.forecast_rag)),
                kpi.commentary or "",
            ]
        )
    return _table(caption, columns, [3, 1.3, 1.3, 1.8, 1.5, 1.8, 1.8, 1.2, 3.5], rows)


def blocks(document: ReportDocument, charts: dict[str, str]) -> list[Block]:
    """The report, top to bottom, as blocks the typst template draws."""
    out: list[Block] = [
        {"type": "council", "text": document.council},
        _heading(1, document.title),
        {
            "type": "para",
            "text": f"Period: {document.period} ({day(document.period_start)} to {day(document.period_end)})",
        },
        {"type": "para", "text": f"Scope: {document.scope}"},
        {
            "type": "para",
            "text": f"Figures as at: snapshot frozen {moment(document.frozen_at)}"
            + (f" by {document.frozen_by}" if document.frozen_by else ""),
        },
        {"type": "para", "text": f"Snapshot {document.snapshot_id}"},
        {"type": "pagebreak"},
        {"type": "outline"},
        _heading(2, "Summary"),
        _heading(3, "Highlights"),
        {"type": "list", "items": document.highlights} if document.highlights else {"type": "para", "text": "None."},
        _heading(3, "Exceptions"),
        {"type": "list", "items": document.exceptions} if document.exceptions else {"type": "para", "text": "None."},
        _heading(3, "KPIs and actions by RAG"),
        *_counts("KPIs by RAG and priority", "Priority", document.counts_by_priority),
        *_counts("KPIs by RAG and directorate", "Directorate", document.counts_by_directorate),
        *_counts("Actions by RAG: Do, Enable and Influence", "Category", document.action_counts),
    ]
    for title, kpis in (
        ("Needing intervention", document.needing_intervention),
        ("Missing values", document.missing_values),
        ("Queried values", document.queried_values),
    ):
        if kpis or document.kind == "board_pack":  # a board pack always says, even that there are none
            out.append(_heading(2, title))
            out.append(
                _kpi_table(f"{title}: {len(kpis)} KPI{'' if len(kpis) == 1 else 's'}", kpis)
                if kpis
                else {"type": "para", "text": "None."}
            )
    for priority in document.priorities:
        out.append(_heading(2, priority.title))
        out.append({"type": "para", "text": counts_sentence(priority.counts)})
        for outcome in priority.outcomes:
            out.append(_heading(3, outcome.title))
            if outcome.kpis:
                out.append(_heading(4, "KPIs", outlined=False))
                out.append(_kpi_table(f"KPIs for {outcome.title}", outcome.kpis))
                for kpi in outcome.kpis:
                    svg = charts.get(chart_key(kpi))
                    if svg is not None:
                        out.append(
                            {
                                "type": "chart",
                                "svg": svg,
                                "alt": kpi.chart_alt,
                                "caption": f"{kpi.code} {kpi.title}: trend against target.",
                            }
                        )
            if outcome.actions:
                out.append(_heading(4, "Actions", outlined=False))
                for category, label in CATEGORIES:
                    actions = [action for action in outcome.actions if action.category == category]
                    if not actions:
                        continue
                    out.append(
                        _table(
                            f"{label} actions for {outcome.title}",
                            ["Action", "RAG", "Progress", "Status", "Commentary", "Milestones"],
                            [3, 1.8, 0.8, 1.2, 3, 3],
                            [
                                [
                                    _text(action.reference, action.title, action.service),
                                    _rag(action.rag, action.rag_text),
                                    "" if action.progress is None else f"{action.progress}%",
                                    _text(
                                        action.status and words(action.status),
                                        action.update_state and f"Update: {words(action.update_state)}",
                                    ),
                                    action.commentary or "",
                                    "\n".join(
                                        f"{m.title}"
                                        + (f", due {day(m.due_date)}" if m.due_date else "")
                                        + f": {words(m.state)}"
                                        + (" (late)" if m.late else "")
                                        for m in action.milestones
                                    ),
                                ]
                                for action in actions
                            ],
                        )
                    )
            if outcome.contextual:
                out.append(_heading(4, "Contextual measures", outlined=False))
                out.append(
                    _table(
                        f"Contextual measures for {outcome.title}",
                        ["Measure", "Period", "Value", "Direction", "Source"],
                        [3, 1, 1, 1, 2],
                        [
                            [
                                _text(item.code, item.title),
                                item.period or "",
                                item.value or "No value",
                                words(item.direction or ""),
                                item.source or "",
                            ]
                            for item in outcome.contextual
                        ],
                    )
                )
    out.append(_heading(2, "Interventions"))
    out.append(
        _table(
            "Interventions on KPIs",
            ["KPI", "State", "Opened", "Summary"],
            [3, 1, 1, 4],
            [
                [_text(item.kpi_code, item.kpi_title), words(item.state), day(item.opened_on), item.summary or ""]
                for item in document.interventions
            ],
        )
        if document.interventions
        else {"type": "para", "text": "No interventions."}
    )
    out.append(_heading(2, "Risks"))
    out.append(
        _table(
            "Risks",
            ["Risk", "Register", "Owner", "Residual score", "RAG", "Trend", "Next review"],
            [3, 1, 1.5, 1, 1.8, 1, 1.2],
            [
                [
                    _text(risk.reference, risk.title),
                    words(risk.register_name),
                    risk.owner or "",
                    "" if risk.residual_score is None else str(risk.residual_score),
                    _rag(risk.rag, risk.rag_text),
                    words(risk.trend or ""),
                    _text(day(risk.next_review), "Review overdue" if risk.review_overdue else None),
                ]
                for risk in document.risks
            ],
        )
        if document.risks
        else {"type": "para", "text": "No risks."}
    )
    out.append(_heading(2, "Scrutiny challenges and answers"))
    if not document.challenges:
        out.append({"type": "para", "text": "No scrutiny challenges."})
    for challenge in document.challenges:
        out.append(_heading(3, challenge.subject))
        raised = _text(
            challenge.raised_by and f"Raised by {challenge.raised_by}",
            challenge.meeting and f"at {challenge.meeting}",
            f"on {day(challenge.raised_on)}" if challenge.raised_on else None,
            sep=" ",
        )
        out.append({"type": "para", "text": _text(raised, f"State: {words(challenge.state)}.", sep=". ")})
        if challenge.questions:
            out.append(
                _table(
                    "Questions and answers",
                    ["Question", "Answer", "Answered by", "State"],
                    [3, 4, 1.5, 1],
                    [
                        [q.question, q.answer or "Not answered yet", q.answered_by or "", words(q.state)]
                        for q in challenge.questions
                    ],
                )
            )
    out.append(_heading(2, "Restatements"))
    out.append(
        {
            "type": "list",
            "items": [
                f"{item.kpi_code} {item.kpi_title}, {item.period}: {item.sentence}" for item in document.restatements
            ],
        }
        if document.restatements
        else {"type": "para", "text": "No figures restated."}
    )
    out.append(_heading(2, "Finance"))
    out.append(
        _table(
            "Budget monitoring, with complaints",
            ["Service", "Budget", "Actual to date", "Forecast outturn", "Variance", "Variance RAG", "Complaints"],
            [3, 1.3, 1.3, 1.3, 1.5, 1.8, 1],
            [
                [
                    row.label,
                    row.budget or "",
                    row.actual_to_date or "",
                    row.forecast_outturn or "",
                    _text(row.variance, row.variance_percent and f"({row.variance_percent})", sep=" "),
                    _rag(row.variance_rag, row.variance_rag_text),
                    "" if row.complaints is None else str(row.complaints),
                ]
                for row in document.finance
            ],
        )
        if document.finance
        else {"type": "para", "text": "No finance figures."}
    )
    out.append(_heading(2, "Not validated at close"))
    out.append(
        {"type": "list", "items": document.unvalidated_at_close}
        if document.unvalidated_at_close
        else {"type": "para", "text": "Every value was validated when the period closed."}
    )
    return out


def report_pdf(document: ReportDocument, charts: ChartSource) -> bytes:
    drawn = charts.charts(document.all_kpis())
    frozen = document.frozen_at
    data = {
        "title": document.title,
        "council": document.council,
        "keywords": [document.kind.replace("_", " "), document.period],
        "date": [frozen.year, frozen.month, frozen.day],
        "blocks": blocks(document, drawn),
    }
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if not ISOLATE:
        return compile_pdf(payload)
    return processes.run("pdf", payload.encode("utf-8"))


def compile_pdf(payload: str) -> bytes:
    """The PDF of the report whose data (JSON) is ``payload``."""
    pdf = typst.compile(_template(), format="pdf", sys_inputs={"report": payload}, ignore_system_fonts=True)
    assert isinstance(pdf, bytes)
    return pdf
