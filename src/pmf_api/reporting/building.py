"""Building a report document (``reporting.document``) from a snapshot and a filter.

Pure over the snapshot's content (``reporting.snapshots.content``) and the filter: no database,
no clock, every list in a fixed order, so the same snapshot and filter always give the same
document (and every format rendered from it is the same). The words come from
``domain.report_summary``.

Filters give a directorate's clinic pack (seed 004) or a portfolio holder's pack: KPIs and actions
of the directorate's (portfolio's) services, its risks and open KPI Intervention Forms, and the
challenges about what it shows. Contextual measures go under their outcome, shown wherever that
outcome is.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from pmf_api.domain.rag import round_half_up
from pmf_api.domain.report_summary import (
    ACTION_RAG_TEXT,
    RAG_TEXT,
    RISK_RAG_TEXT,
    ChartFacts,
    KpiLine,
    chart_alt,
    exceptions,
    highlights,
    improving_run,
    rag_word,
    with_unit,
)
from pmf_api.reporting.document import (
    FinanceRow,
    HistoryPoint,
    RagCounts,
    RagWord,
    ReportAction,
    ReportChallenge,
    ReportContextual,
    ReportDocument,
    ReportIntervention,
    ReportKind,
    ReportKpi,
    ReportMilestone,
    ReportOutcome,
    ReportPriority,
    ReportQuestion,
    ReportRestatement,
    ReportRisk,
)

Json = dict[str, Any]

PERIOD_WORDS = {"monthly": "months", "quarterly": "quarters", "annual": "years"}
NOT_LINKED_PRIORITY = "Not linked to a priority"
NOT_LINKED_OUTCOME = "Not linked to an outcome"
COUNCIL = "Council"
CATEGORIES = (("do", "Do"), ("enable", "Enable"), ("influence", "Influence"))


@dataclass(frozen=True)
class FrozenSnapshot:
    """A snapshot as the builder reads it (the row's metadata and its content)."""

    id: uuid.UUID
    period: str
    frequency: str
    period_start: date
    period_end: date
    frozen_at: datetime
    frozen_by: str | None
    content: Json


@dataclass(frozen=True)
class Filters:
    directorate_id: uuid.UUID | None = None
    portfolio_id: uuid.UUID | None = None


def scope_of(content: Json, filters: Filters) -> str | None:
    """The filter in words ('Directorate: Place'); None when it names a directorate or portfolio the
    snapshot does not know."""
    parts = []
    for kind, wanted, known in (
        ("Directorate", filters.directorate_id, content["directorates"]),
        ("Portfolio", filters.portfolio_id, content["portfolios"]),
    ):
        if wanted is None:
            continue
        names = [each["name"] for each in known if each["id"] == str(wanted)]
        if not names:
            return None
        parts.append(f"{kind}: {names[0]}")
    return "; ".join(parts) or "Whole council"


def _in_scope(filters: Filters, directorate_id: str | None, portfolio_id: str | None) -> bool:
    if filters.directorate_id is not None and directorate_id != str(filters.directorate_id):
        return False
    return filters.portfolio_id is None or portfolio_id == str(filters.portfolio_id)


def _title(kind: ReportKind, period: str) -> str:
    year, _, part = period.partition(" ")
    if kind == "quarterly_report":
        return f"Corporate Performance Report: {part} {year}"
    return f"Board performance pack: {part} {year}"


# --- KPIs ------------------------------------------------------------------------------------


def _words(value: str | None) -> str | None:
    """An enum value as words: 'hit_and_miss' is 'hit and miss'."""
    return None if value is None else value.replace("_", " ")


def _variation(value: str | None) -> str | None:
    if value is None:
        return None
    return "common cause" if value == "common_cause" else f"special cause: {value}"


def _places(value: float | int | None, decimal_places: int) -> str | None:
    if value is None:
        return None
    return format(round_half_up(Decimal(str(value)), decimal_places), "f")


def _rag(value: str | None) -> RagWord | None:
    return cast(RagWord, value) if value is not None else None


def _limit(value: float | int | None) -> float | None:
    return None if value is None else float(value)


def report_kpi(kpi: Json) -> ReportKpi:
    status: Json = kpi["status"]
    unit: str = status["unit"]
    places: int = status["decimal_places"]
    display: Json = status["display"]
    word = rag_word(status["rag"], status["value_state"])
    forecast: Json | None = status["forecast"]
    spc: Json | None = status["spc"]
    history = [HistoryPoint.model_validate(point) for point in kpi["history"]]
    period_word = PERIOD_WORDS[status["frequency"]]
    lower = None if spc is None else _limit(spc["lower_process_limit"])
    upper = None if spc is None else _limit(spc["upper_process_limit"])
    value = status["value"]
    within = None if value is None or lower is None or upper is None else lower <= float(value) <= upper
    alt = chart_alt(
        ChartFacts(
            code=status["kpi_code"],
            points=len(history),
            period_word=period_word,
            first=history[0].period if history else None,
            last=history[-1].period if history else None,
            latest=with_unit(display["value"], unit),
            target=with_unit(display["target"], unit),
            lower_limit=_places(lower, places),
            upper_limit=_places(upper, places),
            latest_within_limits=within,
        )
    )
    return ReportKpi(
        kpi_id=status["kpi_id"],
        code=status["kpi_code"],
        title=status["kpi_title"],
        unit=unit,
        polarity=status["polarity"],
        frequency=status["frequency"],
        period=status["period"],
        service=kpi["service"],
        directorate=kpi["directorate"],
        portfolio=kpi["portfolio"],
        priority=kpi["priority"],
        outcome=kpi["outcome"],
        owner=kpi["owner"],
        value=with_unit(display["value"], unit),
        target=with_unit(display["target"], unit),
        intervention_level=with_unit(display["intervention_level"], unit),
        rag=cast(RagWord, word),
        rag_text=RAG_TEXT[word],
        ytd_value=with_unit(display["ytd_value"], unit),
        ytd_target=with_unit(display["ytd_target"], unit),
        ytd_rag=_rag(status["ytd_rag"]),
        direction_against_previous=_words(status["direction_against_previous"]),
        direction_against_last_year=_words(status["direction_against_last_year"]),
        variation=_variation(status["variation"]),
        assurance=_words(status["assurance"]),
        forecast_outturn=None if forecast is None else with_unit(_places(forecast["outturn"], places), unit),
        forecast_rag=_rag(status["forecast_rag"]),
        needs_intervention=status["needs_intervention"],
        value_state=status["value_state"],
        submission_state=status["submission_state"],
        queried=kpi["queried"],
        flags=[flag["message"] for flag in status["flags"]],
        commentary=kpi["commentary"],
        history=history,
        process_mean=None if spc is None else _limit(spc["mean"]),
        lower_process_limit=lower,
        upper_process_limit=upper,
        chart_alt=alt,
    )


def _line(kpi: Json, shown: ReportKpi) -> KpiLine:
    polarity = shown.polarity
    run = 0
    if polarity != "within_band":
        run = improving_run([point.value for point in shown.history], polarity == "higher_is_better")
    return KpiLine(
        code=shown.code,
        title=shown.title,
        rag=shown.rag,
        value=shown.value,
        target=shown.target,
        variation=kpi["status"]["variation"],
        improving_run=run,
        needs_intervention=shown.needs_intervention,
        queried=shown.queried,
        period_word=PERIOD_WORDS[shown.frequency],
    )


def _counts(label: str, rags: Iterable[str]) -> RagCounts:
    counts = RagCounts(label=label)
    for rag in rags:
        setattr(counts, rag, getattr(counts, rag) + 1)
    return counts


# --- Actions, risks, interventions, challenges ---------------------------------------------


def report_action(action: Json) -> ReportAction:
    update: Json | None = action["update"]
    word = "not_rated" if update is None else update["rag"]
    return ReportAction(
        action_id=action["action_id"],
        reference=action["code"],
        title=action["title"],
        category=action["category"],
        service=action["service"],
        directorate=action["directorate"],
        priority=action["priority"],
        outcome=action["outcome"],
        rag=word,
        rag_text=ACTION_RAG_TEXT[word],
        progress=None if update is None else update["progress"],
        status=_words(action["status"]),
        commentary=None if update is None else update["commentary"],
        update_state=None if update is None else update["state"],
        milestones=[
            ReportMilestone(
                title=milestone["title"],
                due=milestone.get("due_date"),
                state=_words(milestone["state"]) or "",
                late=bool(milestone.get("late")),
            )
            for milestone in action["milestones"]
        ],
    )


def report_risk(risk: Json, owner: str | None) -> ReportRisk:
    word = risk["residual_rag"]
    return ReportRisk(
        risk_id=risk["risk_id"],
        reference=risk["code"],
        title=risk["title"],
        register_name=risk["register"],
        owner=owner,
        residual_score=risk["residual_score"],
        rag=word,
        rag_text=RISK_RAG_TEXT[word],
        trend=risk["trend"],
        next_review=risk["next_review_due"],
        review_overdue=risk["review_overdue"],
    )


def _subjects(content: Json) -> dict[str, str]:
    """What a challenge may be about, in words, by id."""
    found = {
        kpi["status"]["kpi_id"]: f"KPI {kpi['status']['kpi_code']} {kpi['status']['kpi_title']}"
        for kpi in content["kpis"]
    }
    found |= {action["action_id"]: f"Action {action['code']} {action['title']}" for action in content["actions"]}
    found |= {risk["risk_id"]: f"Risk {risk['code']} {risk['title']}" for risk in content["risks"]}
    return found


def report_challenge(challenge: Json, subjects: Mapping[str, str]) -> ReportChallenge:
    subject = subjects.get(challenge["subject_id"] or "") or challenge["title"]
    return ReportChallenge(
        challenge_id=challenge["challenge_id"],
        subject=subject,
        raised_by=challenge["raised_by"],
        meeting=challenge["meeting"] or challenge["panel"],
        raised_on=challenge["raised_on"],
        state=_words(challenge["state"]) or "",
        questions=[ReportQuestion.model_validate(question) for question in challenge["questions"]],
    )


# --- Parts other features fill ---------------------------------------------------------------


def _restatements(snapshot: FrozenSnapshot, filters: Filters) -> list[ReportRestatement]:
    """Values restated since they were reported, for the next report to list (issue 13, section 2).

    Empty here: the restatement log is period close's; the lead wires it in here."""
    return []


def _finance(snapshot: FrozenSnapshot, filters: Filters) -> list[FinanceRow]:
    """Budget monitoring rows for the joint finance and performance view (seed 003).

    Empty here: finance import is another part's; the lead wires it in here."""
    return []


# --- The document ---------------------------------------------------------------------------


def _grouped(
    content: Json, kpis: Sequence[tuple[Json, ReportKpi]], actions: Sequence[Json], filtered: bool
) -> list[ReportPriority]:
    """KPIs, actions and contextual measures by priority then outcome, in the plan's order; what
    is linked to no outcome goes to a last group with a null id."""
    outcome_titles = {o["id"]: o["title"] for o in content["outcomes"]}
    outcome_priority = {o["id"]: o["priority_id"] for o in content["outcomes"]}
    outcome_order = [o["id"] for o in content["outcomes"]] + [None]
    groups: dict[str | None, ReportOutcome] = {}

    def group(outcome_id: str | None) -> ReportOutcome:
        if outcome_id not in groups:
            groups[outcome_id] = ReportOutcome(
                outcome_id=None if outcome_id is None else uuid.UUID(outcome_id),
                title=NOT_LINKED_OUTCOME if outcome_id is None else outcome_titles[outcome_id],
            )
        return groups[outcome_id]

    for raw, shown in kpis:
        group(raw["outcome_id"]).kpis.append(shown)
    for action in actions:
        group(action["outcome_id"]).actions.append(report_action(action))
    for measure in content["contextual"]:
        outcome_id = measure["outcome_id"]
        if filtered and outcome_id not in groups:
            continue  # a clinic pack shows the measures of the outcomes its KPIs and actions serve
        group(outcome_id).contextual.append(
            ReportContextual(
                kpi_id=measure["measure_id"],
                code=measure["code"],
                title=measure["title"],
                outcome=measure["outcome"],
                period=measure["period"],
                value=measure["value"],
                direction=measure["direction"],
                source=measure["source"],
            )
        )
    priority_order = [p["id"] for p in content["priorities"]] + [None]
    priority_titles = {p["id"]: p["title"] for p in content["priorities"]}
    priorities = []
    for priority_id in priority_order:
        outcomes = [
            groups[o] for o in outcome_order if o in groups and (outcome_priority.get(o) if o else None) == priority_id
        ]
        if not outcomes:
            continue
        title = NOT_LINKED_PRIORITY if priority_id is None else priority_titles[priority_id]
        rags = [kpi.rag for outcome in outcomes for kpi in outcome.kpis]
        priorities.append(
            ReportPriority(
                priority_id=None if priority_id is None else uuid.UUID(priority_id),
                title=title,
                counts=_counts(title, rags),
                outcomes=outcomes,
            )
        )
    return priorities


def _selected(items: Iterable[Json], keep: Callable[[Json], bool]) -> list[Json]:
    return [item for item in items if keep(item)]


def build_document(snapshot: FrozenSnapshot, kind: ReportKind, filters: Filters) -> ReportDocument:
    """The report of ``kind`` from ``snapshot``, for the directorate or portfolio ``filters`` name
    (both: the services in both). Deterministic: see the module docstring."""
    content = snapshot.content
    scope = scope_of(content, filters) or "Nothing: the filter names no directorate or portfolio of this snapshot"
    filtered = filters != Filters()
    services: Mapping[str, Json] = content.get("services", {})
    raw_kpis = _selected(content["kpis"], lambda k: _in_scope(filters, k["directorate_id"], k["portfolio_id"]))
    kpis = [(raw, report_kpi(raw)) for raw in raw_kpis]
    actions = _selected(content["actions"], lambda a: _in_scope(filters, a["directorate_id"], a["portfolio_id"]))
    priorities = _grouped(content, kpis, actions, filtered)
    shown = [each for _, each in kpis]

    directorate_names = [d["name"] for d in content["directorates"]]
    by_directorate = [
        _counts(name, [kpi.rag for kpi in shown if kpi.directorate == name])
        for name in directorate_names
        if any(kpi.directorate == name for kpi in shown)
    ]
    council = _counts(COUNCIL if not filtered else scope, [kpi.rag for kpi in shown])
    action_rags = [(a["category"], "not_rated" if a["update"] is None else a["update"]["rag"]) for a in actions]
    action_counts = [
        _counts(label, [rag for category, rag in action_rags if category == value]) for value, label in CATEGORIES
    ]

    def risk_place(risk: Json) -> tuple[str | None, str | None]:
        service = services.get(risk["service_id"] or "", {})
        return risk["directorate_id"] or service.get("directorate_id"), service.get("portfolio_id")

    risks = _selected(content["risks"], lambda r: not filtered or _in_scope(filters, *risk_place(r)))
    owners = {risk["risk_id"]: risk.get("owner") for risk in content["risks"]}
    kpi_ids = {kpi["status"]["kpi_id"] for kpi in raw_kpis}
    interventions = _selected(content["interventions"], lambda i: i["kpi_id"] in kpi_ids)
    in_view = kpi_ids | {a["action_id"] for a in actions} | {r["risk_id"] for r in risks}
    challenges = _selected(content["challenges"], lambda c: not filtered or c["subject_id"] in in_view)
    subjects = _subjects(content)
    lines = [_line(raw, each) for raw, each in kpis]
    board_pack = kind == "board_pack"
    return ReportDocument(
        kind=kind,
        council=content.get("council", ""),
        title=_title(kind, snapshot.period),
        period=snapshot.period,
        period_start=snapshot.period_start,
        period_end=snapshot.period_end,
        snapshot_id=snapshot.id,
        frozen_at=snapshot.frozen_at,
        frozen_by=snapshot.frozen_by,
        scope=scope,
        highlights=highlights(lines),
        exceptions=exceptions(lines),
        priorities=priorities,
        counts_by_priority=[p.counts for p in priorities] + [council],
        counts_by_directorate=[*by_directorate, council],
        action_counts=action_counts,
        interventions=[
            ReportIntervention(
                intervention_id=i["intervention_id"],
                kpi_code=i["kpi_code"],
                kpi_title=i["kpi_title"],
                state=_words(i["state"]) or "",
                opened_on=i["opened_on"],
                summary=i["summary"],
            )
            for i in interventions
        ],
        risks=[report_risk(risk, owners.get(risk["risk_id"])) for risk in risks],
        challenges=[report_challenge(challenge, subjects) for challenge in challenges],
        restatements=_restatements(snapshot, filters),
        finance=_finance(snapshot, filters),
        needing_intervention=[kpi for kpi in shown if kpi.needs_intervention] if board_pack else [],
        missing_values=[kpi for kpi in shown if kpi.value_state == "missing"] if board_pack else [],
        queried_values=[kpi for kpi in shown if kpi.queried] if board_pack else [],
    )
