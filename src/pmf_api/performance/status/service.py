"""A KPI's status in a period, alone or as a scorecard of many: every figure from ``evaluate_kpi``.

Which period each KPI reports (``pmf_api.domain.reporting``): without a period, the latest of its
own frequency that has ended by ``as_of``; with one, the period of its frequency that goes with
it: "2026/27 P5" gives P5 for a monthly KPI, Q2 (the quarter containing it) for a quarterly one
and 2026/27 for an annual one; "2026/27 Q2" gives P6 for a monthly KPI.

Scorecards are read far more often than their data changes (dashboards refresh all day; values
arrive once a month): a whole scorecard is kept until anything it reads changes, and each KPI's
evaluation until its own inputs do (what those are is declared once, in ``inputs``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import require_read
from pmf_api.domain import DomainError, Frequency, Period, Rag
from pmf_api.domain.reporting import ValueState, latest_ended_period, reporting_period
from pmf_api.framework.organisations.repository import directorates_and_portfolios
from pmf_api.framework.organisations.service import evaluation_config, get_organisation
from pmf_api.framework.plans.repository import OutcomeRepository
from pmf_api.performance.benchmarks import service as benchmark_service
from pmf_api.performance.kpis import service as kpi_service
from pmf_api.performance.kpis.repository import KpiFilters, KpiRepository
from pmf_api.performance.status.evaluation import KpiStatus, NotEvaluated, Placed, evaluate
from pmf_api.performance.status.inputs import data_version
from pmf_api.platform.cache import Kept
from pmf_api.platform.errors import Conflict, Location, invalid

if TYPE_CHECKING:
    from pmf_api.framework.organisations.models import Organisation
    from pmf_api.performance.kpis.models import Kpi

__all__ = ["KpiStatus", "NotEvaluated", "Scorecard", "ScorecardFilters", "kpi_status", "scorecard"]


@dataclass(frozen=True)
class ScorecardFilters(KpiFilters):
    """Which KPIs a scorecard shows: those the KPI filters pass, then (once evaluated) of one RAG
    and one value state."""

    rag: Rag | None = None
    value_state: ValueState | None = None


@dataclass(frozen=True)
class Scorecard:
    period: Period
    as_of: date
    items: list[KpiStatus]
    not_evaluated: list[NotEvaluated] = field(default_factory=list)


SCORECARDS: Kept[Scorecard] = Kept(64)


def _requested_period(text: str | None, organisation: Organisation, as_of: date) -> Period | None:
    if text is None:
        return None
    try:
        period = Period.parse(text)
    except DomainError as exc:
        raise invalid("period", exc.message, Location.QUERY) from None
    if period.end_date(organisation.financial_year_start_month) >= as_of:
        message = f"{period} has not ended yet: ask for a period that ended before {as_of.isoformat()}"
        raise invalid("period", message, Location.QUERY)
    return period


def _period_chooser(requested: Period | None, as_of: date, start_month: int) -> Callable[[Frequency], Period]:
    if requested is None:
        return lambda frequency: latest_ended_period(as_of, frequency, start_month)
    return lambda frequency: reporting_period(requested, frequency)


async def _placed(session: AsyncSession, organisation: Organisation, kpis: Sequence[Kpi]) -> list[Placed]:
    """Each KPI with its service's directorate and its outcome's priority (two queries)."""
    services = await directorates_and_portfolios(session, organisation.id)
    priorities = await OutcomeRepository(session).priorities_of(kpi.outcome_id for kpi in kpis)
    return [
        Placed(
            kpi,
            None if (service := services.get(kpi.service_id)) is None else service.directorate_id,
            None if kpi.outcome_id is None else priorities.get(kpi.outcome_id),
        )
        for kpi in kpis
    ]


async def _with_benchmarks(
    session: AsyncSession, actor: Actor, organisation: Organisation, items: list[KpiStatus]
) -> list[KpiStatus]:
    """Each status with its KPI's headline benchmark position (seed 003_2a403038ecab8362.txt)."""
    headlines = await benchmark_service.kpi_headlines(
        session, actor, organisation.area_code, {item.kpi.id for item in items}
    )
    if not headlines:
        return items
    return [replace(item, benchmark=headlines.get(item.kpi.id)) for item in items]


async def kpi_status(
    session: AsyncSession, actor: Actor, kpi_id: uuid.UUID, period_text: str | None, *, as_of: date
) -> KpiStatus:
    """One KPI's status in ``period_text`` (default: the latest period of its frequency that has ended)."""
    kpi = await kpi_service.load_kpi(session, actor, kpi_id)
    organisation = await get_organisation(session, actor)
    requested = _requested_period(period_text, organisation, as_of)
    choose = _period_chooser(requested, as_of, organisation.financial_year_start_month)
    version = await data_version(session, organisation)
    placed = await _placed(session, organisation, [kpi])
    evaluated, not_evaluated = await evaluate(
        session, version, evaluation_config(organisation), placed, [kpi.id], choose, as_of
    )
    if not_evaluated:
        raise Conflict(detail=f"{kpi.code} cannot be judged as its data stands: {not_evaluated[0].reason}")
    [status] = await _with_benchmarks(session, actor, organisation, evaluated)
    return status


async def scorecard(
    session: AsyncSession, actor: Actor, filters: ScorecardFilters, period_text: str | None, *, as_of: date
) -> Scorecard:
    """The status of every KPI that passes ``filters``, ordered by code.

    ``period`` in the result is the month asked for (or the latest month that has ended); each
    item carries the period it reports (see the module docstring).
    """
    require_read(actor)
    organisation = await get_organisation(session, actor)
    version = await data_version(session, organisation)
    cache_key = (version, as_of, period_text, filters)
    kept = SCORECARDS.get(cache_key)
    if kept is not None:
        return kept
    start_month = organisation.financial_year_start_month
    requested = _requested_period(period_text, organisation, as_of)
    kpis_repository = KpiRepository(session)
    statement = kpis_repository.active_statement(actor, filters)
    kpis = list(await session.scalars(statement))
    items: list[KpiStatus] = []
    not_evaluated: list[NotEvaluated] = []
    if kpis:
        placed = await _placed(session, organisation, kpis)
        kpi_ids = statement.with_only_columns(KpiRepository.model.id).order_by(None)
        choose = _period_chooser(requested, as_of, start_month)
        config = evaluation_config(organisation)
        items, not_evaluated = await evaluate(session, version, config, placed, kpi_ids, choose, as_of)
        items = await _with_benchmarks(session, actor, organisation, items)
    if filters.rag is not None:
        items = [item for item in items if item.evaluation.rag is filters.rag]
    if filters.value_state is not None:
        items = [item for item in items if item.completeness.value_state is filters.value_state]
    shown = requested or latest_ended_period(as_of, Frequency.MONTHLY, start_month)
    return SCORECARDS.put(cache_key, Scorecard(period=shown, as_of=as_of, items=items, not_evaluated=not_evaluated))
