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

from pmf_api.domain.report_summary import (
    exceptions,
    highlights,
)
from pmf_api.reporting.document import (
    FinanceRow,
    ReportContextual,
    ReportDocument,
    ReportIntervention,
    ReportKind,
    ReportKpi,
    ReportOutcome,
    ReportPriority,
    ReportRestatement,
)
from pmf_api.reporting.report_items import (
    Json,
    counts,
    line_of,
    report_action,
    report_challenge,
    report_kpi,
    report_risk,
    subjects_of,
    words,
)

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


# --- Parts other features fill ---------------------------------------------------------------


def _restatements(snapshot: FrozenSnapshot, filters: Filters, kpi_ids: set[str]) -> list[ReportRestatement]:
    """Values restated since the previous report, as frozen in the snapshot (issue 13, section 2):
    ``content["restatements"]``, each row a ``ReportRestatement``'s fields, of the KPIs in view.

    The snapshot's content has them from ``content.restatements_since`` (empty until the restatement
    log of period close is wired in there), so the same snapshot lists the same restatements."""
    rows = snapshot.content.get("restatements", [])
    return [ReportRestatement.model_validate(row) for row in rows if str(row["kpi_id"]) in kpi_ids]


def _finance(snapshot: FrozenSnapshot, filters: Filters) -> list[FinanceRow]:
    """Budget monitoring for the joint finance and performance view (seed 003), as frozen in the
    snapshot: ``content["finance"]``, each row a ``FinanceRow``'s fields with the ``directorate_id``
    and ``portfolio_id`` it belongs to (null on the council's total row, shown unfiltered only).

    The content has them from ``content.finance_rows`` (empty until the finance import is wired in)."""
    filtered = filters != Filters()
    return [
        FinanceRow.model_validate(row)
        for row in snapshot.content.get("finance", [])
        if not filtered or _in_scope(filters, row.get("directorate_id"), row.get("portfolio_id"))
    ]


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
                counts=counts(title, rags),
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
        counts(name, [kpi.rag for kpi in shown if kpi.directorate == name])
        for name in directorate_names
        if any(kpi.directorate == name for kpi in shown)
    ]
    council = counts(COUNCIL if not filtered else scope, [kpi.rag for kpi in shown])
    action_rags = [(a["category"], "not_rated" if a["update"] is None else a["update"]["rag"]) for a in actions]
    action_counts = [
        counts(label, [rag for category, rag in action_rags if category == value]) for value, label in CATEGORIES
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
    subjects = subjects_of(content)
    lines = [line_of(raw, each) for raw, each in kpis]
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
                state=words(i["state"]) or "",
                opened_on=i["opened_on"],
                summary=i["summary"],
            )
            for i in interventions
        ],
        risks=[report_risk(risk, owners.get(risk["risk_id"])) for risk in risks],
        challenges=[report_challenge(challenge, subjects) for challenge in challenges],
        restatements=_restatements(snapshot, filters, kpi_ids),
        finance=_finance(snapshot, filters),
        unvalidated_at_close=list(snapshot.content.get("unvalidated_at_close", [])),
        needing_intervention=[kpi for kpi in shown if kpi.needs_intervention] if board_pack else [],
        missing_values=[kpi for kpi in shown if kpi.value_state == "missing"] if board_pack else [],
        queried_values=[kpi for kpi in shown if kpi.queried] if board_pack else [],
    )
