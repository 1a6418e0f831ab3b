"""A report as one self-contained HTML page (WCAG 2.2 AA): inline CSS and SVG charts, no script, no
external asset, so it can be mailed, archived or opened offline. Every text is escaped (autoescape).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from pmf_api.reporting.document import RagCounts, ReportAction, ReportDocument, ReportKpi, ReportOutcome
from pmf_api.reporting.rendering.charts import ChartSource, chart_key, with_prefix

RAG_WORDS = {"green": "Green", "amber": "Amber", "red": "Red", "missing": "Missing", "not_rated": "Not rated"}
CATEGORIES = (("do", "Do"), ("enable", "Enable"), ("influence", "Influence"), (None, "Uncategorised"))


def day(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def moment(value: datetime) -> str:
    at = value.astimezone(UTC)
    return f"{at.day} {at:%B %Y} at {at:%H:%M} UTC"


def words(value: str) -> str:
    """A state as words: ``awaiting_validation`` is 'awaiting validation'."""
    return value.replace("_", " ")


def counts_sentence(counts: RagCounts) -> str:
    parts = [
        f"{count} {RAG_WORDS[name].lower()}"
        for name, count in (
            ("green", counts.green),
            ("amber", counts.amber),
            ("red", counts.red),
            ("missing", counts.missing),
            ("not_rated", counts.not_rated),
        )
        if count
    ]
    total = counts.total
    return f"{total} KPI{'s' if total != 1 else ''}" + (f": {', '.join(parts)}." if parts else ".")


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["day"] = day
    env.filters["moment"] = moment
    env.filters["words"] = words
    env.filters["ragword"] = lambda word: RAG_WORDS.get(word, word)
    return env


@dataclass
class _Outcome:
    id: str
    title: str
    kpis: list[ReportKpi]
    charts: list[tuple[ReportKpi, Markup]] = field(default_factory=list)
    actions: list[ReportAction] = field(default_factory=list)
    action_groups: list[tuple[str, str, list[ReportAction]]] = field(default_factory=list)
    contextual: list[Any] = field(default_factory=list)


@dataclass
class _Priority:
    id: str
    title: str
    counts_sentence: str
    outcomes: list[_Outcome]


def _outcome(outcome: ReportOutcome, id: str, charts: dict[str, str], counter: list[int]) -> _Outcome:
    shown = []
    for kpi in outcome.kpis:
        svg = charts.get(chart_key(kpi))
        if svg is not None:
            counter[0] += 1
            shown.append((kpi, Markup(with_prefix(svg, f"c{counter[0]}-"))))  # our own SVG: its texts escaped
    groups = [
        (category or "other", label, [action for action in outcome.actions if action.category == category])
        for category, label in CATEGORIES
    ]
    return _Outcome(
        id=id,
        title=outcome.title,
        kpis=outcome.kpis,
        charts=shown,
        actions=outcome.actions,
        action_groups=[group for group in groups if group[2]],
        contextual=outcome.contextual,
    )


def report_html(document: ReportDocument, charts: ChartSource) -> bytes:
    drawn = charts.charts(document.all_kpis())
    counter = [0]
    priorities = [
        _Priority(
            id=f"priority-{p}",
            title=priority.title,
            counts_sentence=counts_sentence(priority.counts),
            outcomes=[
                _outcome(outcome, f"priority-{p}-outcome-{o}", drawn, counter)
                for o, outcome in enumerate(priority.outcomes, start=1)
            ],
        )
        for p, priority in enumerate(document.priorities, start=1)
    ]
    board_lists = [
        (id, title, kpis)
        for id, title, kpis in (
            ("needing-intervention", "Needing intervention", document.needing_intervention),
            ("missing-values", "Missing values", document.missing_values),
            ("queried-values", "Queried values", document.queried_values),
        )
        if kpis or document.kind == "board_pack"  # a board pack always says, even that there are none
    ]
    contents = [("summary", "Summary")]
    contents += [(id, title) for id, title, _ in board_lists]
    contents += [(priority.id, priority.title) for priority in priorities]
    contents += [
        ("interventions", "Interventions"),
        ("risks", "Risks"),
        ("scrutiny", "Scrutiny challenges and answers"),
        ("restatements", "Restatements"),
        ("finance", "Finance"),
        ("unvalidated", "Not validated at close"),
    ]
    page = (
        environment()
        .get_template("report.html.j2")
        .render(doc=document, priorities=priorities, board_lists=board_lists, contents=contents)
    )
    return page.encode("utf-8")
