"""What a snapshot keeps: everything a report shows of a period, read once as JSON data.

Read through the features' own services and repositories, a fixed number of statements whatever
the number of KPIs (no query per KPI): the scorecard (``performance.status``), each KPI's counted
values and targets for its trend chart, the period's submissions (commentary, queries), the
structure's and plan's names, actions with the quarter's updates, risks, KPI Intervention Forms,
the quarter's scrutiny challenges, and contextual measures with their latest values.

Which quarter's action updates and challenges a month's snapshot carries: the quarter containing
the month when the month ends it, else the quarter before (the last quarter reported by then).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.assurance.risks.repository import RiskRepository
from pmf_api.assurance.scrutiny.service import challenges_in_quarter
from pmf_api.domain import FinancialYear, Frequency, Period
from pmf_api.domain.report_summary import with_unit
from pmf_api.domain.ytd import period_target
from pmf_api.framework.action_updates.repository import ActionUpdateRepository
from pmf_api.framework.action_updates.service import milestone_status, milestones_of
from pmf_api.framework.actions.repository import ActionRepository
from pmf_api.framework.organisations.repository import (
    DirectorateRepository,
    PersonRepository,
    PortfolioRepository,
    ServiceRepository,
)
from pmf_api.framework.plans.repository import OutcomeRepository, PriorityRepository
from pmf_api.performance import mapping
from pmf_api.performance.contextual_values.repository import ContextualValueRepository
from pmf_api.performance.contextual_values.service import view_of
from pmf_api.performance.interventions.repository import InterventionRepository
from pmf_api.performance.kpis.repository import ContextualMeasureRepository
from pmf_api.performance.status import schemas as status_schemas
from pmf_api.performance.status.service import Scorecard, ScorecardFilters, scorecard
from pmf_api.performance.submissions.repository import SubmissionRepository
from pmf_api.performance.targets.repository import KpiTargets, TargetRepository
from pmf_api.platform.db.pages import ListQuery
from pmf_api.reporting.snapshots.joint import finance_rows
from pmf_api.reporting.snapshots.restated import restatements_since, unvalidated_at_close

# The content's layout: a report built by a later release reads a snapshot by its version.
CONTENT_VERSION = 1
# Periods of a KPI's own frequency on its trend chart (three years of months).
HISTORY_PERIODS = 36
_PAGE = ListQuery(limit=500)


def report_quarter(period: Period) -> Period:
    """The quarter whose action updates and challenges a snapshot of ``period`` carries."""
    quarter = period.within(Frequency.QUARTERLY)
    if period.frequency is Frequency.MONTHLY and period.last_month_index != quarter.last_month_index:
        return quarter.previous()
    return quarter


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


async def gather(
    session: AsyncSession, actor: Actor, period: Period, *, as_of: date, start_month: int, frozen_at: datetime
) -> dict[str, Any]:
    """The snapshot's content for ``period`` as it stands on ``as_of`` (see the module docstring)."""
    card = await scorecard(session, actor, ScorecardFilters(), str(period), as_of=as_of)
    structure = await _structure(session, actor)
    people_ids = {status.kpi.owner_id for status in card.items}
    kpis = await _kpis(session, actor, card, structure, start_month)
    quarter = report_quarter(period)
    actions = await _actions(session, actor, quarter, structure, as_of)
    people_ids |= {action["owner_id"] for action in actions}
    risks = await _risks(session, actor, as_of)
    people_ids |= {risk["owner_id"] for risk in risks}
    people = await PersonRepository(session).names(uuid.UUID(str(each)) for each in people_ids if each is not None)
    for record in [*kpis, *actions, *risks]:
        owner = record.pop("owner_id")
        record["owner"] = None if owner is None else people.get(uuid.UUID(str(owner)))
    return {
        "version": CONTENT_VERSION,
        "period": str(period),
        "frequency": period.frequency.value,
        "period_start": period.start_date(start_month).isoformat(),
        "period_end": period.end_date(start_month).isoformat(),
        "as_of": as_of.isoformat(),
        "report_quarter": str(quarter),
        "priorities": structure["priorities"],
        "outcomes": structure["outcomes"],
        "directorates": structure["directorates"],
        "portfolios": structure["portfolios"],
        "services": structure["services"],
        "kpis": kpis,
        "not_evaluated": [
            {"kpi_id": str(item.kpi_id), "code": item.code, "title": item.title, "reason": item.reason}
            for item in card.not_evaluated
        ],
        "actions": actions,
        "risks": risks,
        "interventions": await _interventions(session, actor),
        "challenges": await _challenges(session, actor, quarter, as_of),
        "contextual": await _contextual(session, actor, period.end_date(start_month), structure),
        "restatements": await restatements_since(session, actor, period, as_of=as_of, until=frozen_at),
        "unvalidated_at_close": await unvalidated_at_close(session, actor, period),
        "finance": await finance_rows(session, actor, period, structure["services"], as_of=as_of),
    }


async def _structure(session: AsyncSession, actor: Actor) -> dict[str, Any]:
    """The names reports show, and where each service sits (five lists, a page of 500 at a time)."""
    directorates = await DirectorateRepository(session).every(actor, _PAGE)
    portfolios = await PortfolioRepository(session).every(actor, _PAGE)
    services = await ServiceRepository(session).every(actor, _PAGE)
    priorities = await PriorityRepository(session).every(actor, _PAGE)
    outcomes = await OutcomeRepository(session).every(actor, _PAGE)
    return {
        "directorates": [
            {"id": str(d.id), "name": d.name, "code": d.code} for d in sorted(directorates, key=lambda d: d.name)
        ],
        "portfolios": [{"id": str(p.id), "name": p.name} for p in sorted(portfolios, key=lambda p: p.name)],
        "services": {
            str(s.id): {
                "name": s.name,
                "directorate_id": str(s.directorate_id),
                "portfolio_id": None if s.portfolio_id is None else str(s.portfolio_id),
            }
            for s in services
        },
        "priorities": [
            {"id": str(p.id), "code": p.code, "title": p.title, "position": p.position}
            for p in sorted(priorities, key=lambda p: (p.position, p.code))
        ],
        "outcomes": [
            {"id": str(o.id), "code": o.code, "title": o.title, "priority_id": str(o.priority_id)}
            for o in sorted(outcomes, key=lambda o: o.code)
        ],
    }


def _names(structure: dict[str, Any]) -> tuple[dict[str, str], dict[str, str], dict[str, dict[str, Any]]]:
    directorates = {d["id"]: d["name"] for d in structure["directorates"]}
    portfolios = {p["id"]: p["name"] for p in structure["portfolios"]}
    outcomes = {o["id"]: o for o in structure["outcomes"]}
    return directorates, portfolios, outcomes


def _placement(
    structure: dict[str, Any], service_id: uuid.UUID | None, outcome_id: uuid.UUID | None, portfolio_id: Any = None
) -> dict[str, Any]:
    """Where a KPI or action sits, by id and by name."""
    directorates, portfolios, outcomes = _names(structure)
    priorities = {p["id"]: p["title"] for p in structure["priorities"]}
    service = structure["services"].get(str(service_id), {})
    outcome = outcomes.get(str(outcome_id)) if outcome_id is not None else None
    directorate_id = service.get("directorate_id")
    portfolio = str(portfolio_id) if portfolio_id is not None else service.get("portfolio_id")
    priority_id = None if outcome is None else outcome["priority_id"]
    return {
        "service": service.get("name"),
        "directorate_id": directorate_id,
        "directorate": directorates.get(directorate_id) if directorate_id else None,
        "portfolio_id": portfolio,
        "portfolio": portfolios.get(portfolio) if portfolio else None,
        "outcome_id": None if outcome is None else outcome["id"],
        "outcome": None if outcome is None else outcome["title"],
        "priority_id": priority_id,
        "priority": priorities.get(priority_id) if priority_id else None,
    }


async def _kpis(
    session: AsyncSession, actor: Actor, card: Scorecard, structure: dict[str, Any], start_month: int
) -> list[dict[str, Any]]:
    """Each KPI's status as the status service gives it, with its names, the period's submission
    (commentary, whether it is queried) and its trend: values and targets of up to 36 periods."""
    if not card.items:
        return []
    kpi_ids = [status.kpi.id for status in card.items]
    periods = {status.kpi.id: status.period for status in card.items}
    first_year = FinancialYear(min(p.financial_year.start_year for p in periods.values()) - 2)
    years = [str(FinancialYear(y)) for y in range(first_year.start_year, card.period.financial_year.start_year + 1)]
    targets = await TargetRepository(session).of_kpis(kpi_ids, years, {str(p.financial_year) for p in periods.values()})
    last_end = max(p.end_date(start_month) for p in periods.values())
    values = await SubmissionRepository(session).counted_values(kpi_ids, first_year.start_date(start_month), last_end)
    submissions: dict[tuple[uuid.UUID, str], Any] = {}
    for text in sorted({str(p) for p in periods.values()}):
        for row in await SubmissionRepository(session).for_tasks(actor.organisation_id, text, kpi_ids):
            submissions[(row.kpi_id, row.period)] = row
    kpis = []
    for status in card.items:
        kpi = status.kpi
        item = status_schemas.status_item(status).model_dump(mode="json")
        submission = submissions.get((kpi.id, str(status.period)))
        kpis.append(
            {
                "status": item,
                **_placement(structure, kpi.service_id, kpi.outcome_id, kpi.portfolio_id),
                "owner_id": None if kpi.owner_id is None else str(kpi.owner_id),
                "period_start": status.period.start_date(start_month).isoformat(),
                "period_end": status.period.end_date(start_month).isoformat(),
                "commentary": None if submission is None else submission.commentary,
                "queried": submission is not None and submission.state == "queried",
                "history": _history(
                    kpi, status.period, values.get(kpi.id, []), targets.get(kpi.id, KpiTargets()), start_month
                ),
            }
        )
    return kpis


def _history(
    kpi: Any, period: Period, rows: Sequence[Sequence[Any]], kpi_targets: KpiTargets, start_month: int
) -> list[dict[str, Any]]:
    """Up to 36 periods of the KPI's own frequency ending with ``period``: counted value and target."""
    counted = {row[1]: row[2] for row in rows}
    frequency = period.frequency
    steps = min(HISTORY_PERIODS, 3 * frequency.periods_per_year)
    in_force = kpi_targets.in_force(period)
    aggregation = mapping.definition_of(kpi).aggregation
    points = []
    for back in range(steps - 1, -1, -1):
        each = period.shift(-back)
        target = in_force.get(each.financial_year)
        value = counted.get(str(each))
        points.append(
            {
                "period": str(each),
                "period_end": each.end_date(start_month).isoformat(),
                "value": _float(value),
                "target": None if target is None else _float(period_target(target, each, aggregation)),
            }
        )
    # The chart starts at the first period with a value (a KPI two years old has 24 points).
    while points and points[0]["value"] is None:
        points.pop(0)
    return points


async def _actions(
    session: AsyncSession, actor: Actor, quarter: Period, structure: dict[str, Any], as_of: date
) -> list[dict[str, Any]]:
    """Every current action with the quarter's update (seed 001: Do, Enable, Influence apart)."""
    actions = await ActionRepository(session).every(actor, _PAGE)
    filters = {"financial_year": str(quarter.financial_year), "quarter": quarter.index}
    updates = {
        u.action_id: u for u in await ActionUpdateRepository(session).every(actor, ListQuery(filters, limit=500))
    }
    found = []
    for action in sorted(actions, key=lambda a: a.code):
        update = updates.get(action.id)
        milestones = (
            update.milestones
            if update is not None
            else [_json(milestone_status(m, as_of)) for m in milestones_of(action.milestones)]
        )
        found.append(
            {
                "action_id": str(action.id),
                "code": action.code,
                "title": action.title,
                "category": action.delivery_role,
                "status": action.status if update is None else update.status,
                "owner_id": None if action.owner_id is None else str(action.owner_id),
                **_placement(structure, action.service_id, action.outcome_id),
                "update": None
                if update is None
                else {
                    "state": update.state,
                    "rag": update.rag,
                    "progress": update.progress_percent,
                    "commentary": update.commentary,
                    "impact": update.impact,
                    "late_milestones": update.late_milestones,
                },
                "milestones": milestones,
            }
        )
    return found


def _json(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in values.items()}


async def _risks(session: AsyncSession, actor: Actor, as_of: date) -> list[dict[str, Any]]:
    """Open risks on either register, by code."""
    risks = await RiskRepository(session).every(actor, ListQuery({"status": "open"}, limit=500))
    return [
        {
            "risk_id": str(risk.id),
            "code": risk.code,
            "title": risk.title,
            "register": risk.register,
            "owner_id": str(risk.owner_id),
            "directorate_id": None if risk.directorate_id is None else str(risk.directorate_id),
            "service_id": None if risk.service_id is None else str(risk.service_id),
            "residual_score": risk.residual_score,
            "residual_rag": risk.residual_rag,
            "trend": risk.trend,
            "next_review_due": risk.next_review_due.isoformat(),
            "review_overdue": risk.next_review_due < as_of,
        }
        for risk in sorted(risks, key=lambda r: r.code)
    ]


async def _interventions(session: AsyncSession, actor: Actor) -> list[dict[str, Any]]:
    """KPI Intervention Forms still open (seed 001, Appendix F), newest first."""
    forms = await InterventionRepository(session).every(actor, ListQuery({"is_open": True}, limit=500))
    return [
        {
            "intervention_id": str(form.id),
            "kpi_id": str(form.kpi_id),
            "kpi_code": form.kpi_code,
            "kpi_title": form.kpi_title,
            "directorate_id": None if form.directorate_id is None else str(form.directorate_id),
            "portfolio_id": None if form.portfolio_id is None else str(form.portfolio_id),
            "state": form.state,
            "period": form.period,
            "opened_on": form.opened_on.isoformat(),
            "summary": form.opening_reason or "; ".join(form.opening_reasons) or None,
        }
        for form in sorted(forms, key=lambda f: (f.opened_on, f.kpi_code), reverse=True)
    ]


async def _challenges(session: AsyncSession, actor: Actor, quarter: Period, as_of: date) -> list[dict[str, Any]]:
    """The quarter's scrutiny challenges with their questions and answers."""
    views = await challenges_in_quarter(session, actor, str(quarter.financial_year), quarter.index, as_of=as_of)
    return [
        {
            "challenge_id": str(view.record.id),
            "title": view.record.title,
            "subject_type": view.record.subject_type,
            "subject_id": None if view.record.subject_id is None else str(view.record.subject_id),
            "raised_by": view.record.member_name,
            "panel": view.record.panel,
            "meeting": view.record.meeting,
            "raised_on": view.record.raised_on.isoformat(),
            "state": view.record.state,
            "questions": [
                {
                    "question": question.text,
                    "answer": question.answer,
                    "answered_by": question.answered_by_name,
                    "state": question.state,
                }
                for question in view.questions
            ],
        }
        for view in views
    ]


async def _contextual(
    session: AsyncSession, actor: Actor, period_end: date, structure: dict[str, Any]
) -> list[dict[str, Any]]:
    """Contextual measures with their latest value ending by the period, and its direction."""
    measures = await ContextualMeasureRepository(session).every(actor, _PAGE)
    values = await ContextualValueRepository(session).of_measures(actor, (m.id for m in measures))
    by_measure: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for value in values:
        by_measure[value.measure_id].append(value)
    _, _, outcomes = _names(structure)
    found = []
    for measure in sorted(measures, key=lambda m: m.code):
        history = [v for v in by_measure.get(measure.id, []) if v.period_end <= period_end]
        latest = history[-1] if history else None
        outcome = outcomes.get(str(measure.outcome_id)) if measure.outcome_id is not None else None
        found.append(
            {
                "measure_id": str(measure.id),
                "code": measure.code,
                "title": measure.title,
                "outcome_id": None if outcome is None else outcome["id"],
                "outcome": None if outcome is None else outcome["title"],
                "period": None if latest is None else latest.period,
                "value": None
                if latest is None
                else with_unit(status_schemas.shown(latest.value, measure.decimal_places), measure.unit),
                "direction": None
                if latest is None
                else view_of(latest, measure, history).direction.against_previous.value,
                "source": None if latest is None else latest.source,
            }
        )
    return found
