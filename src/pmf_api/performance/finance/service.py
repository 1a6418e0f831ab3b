"""Use cases of budget monitoring, complaints counts and the joint finance and performance view
(seed 003_2a403038ecab8362.txt: the council "reviews performance four times per year within the
Joint Finance and Performance Report", which joins performance, finance, milestones and risk, and
"complaints data is reported quarterly" in it).

Budget monitoring is monthly, one row per service and month; a second row for the same month is
refused here (409) and replaced through the import (``importing``). Complaints are counted per
service and quarter. The performance team writes both (``Resource.finance``); everyone in the
council reads them, as they read the KPIs.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_read, require_write
from pmf_api.domain import DomainError, Frequency, Period
from pmf_api.domain.finance import (
    RAG_WORDS,
    FinanceConfig,
    Variance,
    budget_problems,
    complaint_problems,
    complaints_quarter,
    monitoring_month,
    period_problems,
    total_of,
    variance_of,
)
from pmf_api.domain.rag import Rag
from pmf_api.framework.organisations.repository import DirectorateRepository, ServiceRepository
from pmf_api.framework.organisations.service import get_organisation, settings_of
from pmf_api.performance.finance.models import BudgetMonitoring, ComplaintCount
from pmf_api.performance.finance.repository import BudgetMonitoringRepository, ComplaintCountRepository
from pmf_api.performance.status import service as status_service
from pmf_api.platform import audit
from pmf_api.platform.db.pages import ListQuery, Page
from pmf_api.platform.errors import Conflict, FieldProblem, Location, field_problems, invalid, refuse

if TYPE_CHECKING:
    from pmf_api.framework.organisations.models import Service

# The most services a council has (the joint view lists them all in one answer)
MAX_SERVICES = 1000


@dataclass(frozen=True)
class BudgetView:
    """A row of budget monitoring with its variance and variance RAG."""

    row: BudgetMonitoring
    variance: Variance


async def finance_config(session: AsyncSession, actor: Actor) -> FinanceConfig:
    """The council's variance thresholds (``settings.finance``)."""
    return settings_of(await get_organisation(session, actor)).finance


def checked_period(
    text: str, frequency: Frequency, *, as_of: date, start_month: int, location: Location = Location.BODY
) -> Period:
    """``text`` as a period of ``frequency`` that has ended, or a 422 at ``period``."""
    try:
        period = Period.parse(text)
    except DomainError as exc:
        raise invalid("period", exc.message, location) from None
    problems = period_problems(period, frequency, as_of=as_of, start_month=start_month)
    if problems:
        raise invalid("period", problems[0].message, location)
    return period


async def _service_problems(session: AsyncSession, actor: Actor, service_id: uuid.UUID) -> list[FieldProblem]:
    if await ServiceRepository(session).exists(actor, service_id):
        return []
    return [FieldProblem("service_id", f"No service with id {service_id} in this organisation")]


# --- Budget monitoring ----------------------------------------------------------------------


def new_budget_monitoring(
    actor: Actor, service_id: uuid.UUID, period: Period, data: Mapping[str, Any], start_month: int
) -> BudgetMonitoring:
    return BudgetMonitoring(
        organisation_id=actor.organisation_id,
        service_id=service_id,
        period=str(period),
        period_end=period.end_date(start_month),
        budget=data["budget"],
        actual_to_date=data["actual_to_date"],
        forecast_outturn=data["forecast_outturn"],
        note=data.get("note"),
    )


def budget_view(row: BudgetMonitoring, config: FinanceConfig) -> BudgetView:
    return BudgetView(row, variance_of(row.budget, row.actual_to_date, row.forecast_outturn, config))


async def add_budget_monitoring(
    session: AsyncSession, actor: Actor, data: Mapping[str, Any], *, as_of: date
) -> BudgetView:
    """Record a service's budget monitoring for a month that has ended (the performance team); a
    month that has monitoring for the service already is 409: import the finance system's file to
    replace it."""
    require_write(actor, Resource.finance)
    organisation = await get_organisation(session, actor)
    start_month = organisation.financial_year_start_month
    refuse(
        [
            *await _service_problems(session, actor, data["service_id"]),
            *field_problems(budget_problems(data["budget"], data["actual_to_date"], data["forecast_outturn"])),
        ]
    )
    period = checked_period(data["period"], Frequency.MONTHLY, as_of=as_of, start_month=start_month)
    repository = BudgetMonitoringRepository(session)
    if await repository.for_period(actor, data["service_id"], str(period)) is not None:
        raise Conflict(
            detail=f"The service has budget monitoring for {period} already: import the finance system's "
            "figures to replace it (POST /budget-monitoring/import)"
        )
    row = new_budget_monitoring(actor, data["service_id"], period, data, start_month)
    await audit.create(session, actor, row)
    await session.flush()
    return budget_view(row, settings_of(organisation).finance)


async def list_budget_monitoring(session: AsyncSession, actor: Actor, query: ListQuery) -> Page[BudgetView]:
    """A page of budget monitoring, each row with its variance and RAG."""
    require_read(actor)
    config = await finance_config(session, actor)
    page = await BudgetMonitoringRepository(session).page(actor, query)
    return Page([budget_view(row, config) for row in page.items], page.next_cursor)


# --- Complaints -----------------------------------------------------------------------------


async def add_complaints(
    session: AsyncSession, actor: Actor, data: Mapping[str, Any], *, as_of: date
) -> ComplaintCount:
    """Record a service's complaints for a quarter that has ended; a quarter counted already is 409."""
    require_write(actor, Resource.finance)
    organisation = await get_organisation(session, actor)
    start_month = organisation.financial_year_start_month
    refuse(
        [
            *await _service_problems(session, actor, data["service_id"]),
            *field_problems(complaint_problems(data["received"], data["upheld"], data.get("responded_in_time"))),
        ]
    )
    period = checked_period(data["period"], Frequency.QUARTERLY, as_of=as_of, start_month=start_month)
    repository = ComplaintCountRepository(session)
    if await repository.for_period(actor, data["service_id"], str(period)) is not None:
        raise Conflict(detail=f"The service's complaints for {period} are counted already")
    row = new_complaint_count(actor, data["service_id"], period, data, start_month)
    await audit.create(session, actor, row)
    await session.flush()
    return row


def new_complaint_count(
    actor: Actor, service_id: uuid.UUID, period: Period, data: Mapping[str, Any], start_month: int
) -> ComplaintCount:
    return ComplaintCount(
        organisation_id=actor.organisation_id,
        service_id=service_id,
        period=str(period),
        period_end=period.end_date(start_month),
        received=data["received"],
        upheld=data["upheld"],
        responded_in_time=data.get("responded_in_time"),
    )


async def list_complaints(session: AsyncSession, actor: Actor, query: ListQuery) -> Page[ComplaintCount]:
    require_read(actor)
    return await ComplaintCountRepository(session).page(actor, query)


# --- The joint view -------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiCounts:
    green: int = 0
    amber: int = 0
    red: int = 0
    missing: int = 0
    not_rated: int = 0

    def plus(self, rag: Rag | None) -> KpiCounts:
        name = "not_rated" if rag is None else rag.value
        return replace(self, **{name: getattr(self, name) + 1})

    def __add__(self, other: KpiCounts) -> KpiCounts:
        return KpiCounts(
            self.green + other.green,
            self.amber + other.amber,
            self.red + other.red,
            self.missing + other.missing,
            self.not_rated + other.not_rated,
        )


@dataclass(frozen=True)
class JointRow:
    """One line of the joint view: its finance fields are named as ``reporting.document.FinanceRow``'s
    (``complaints`` is those received), so the report maps it field by field."""

    label: str
    service_id: uuid.UUID | None
    directorate_id: uuid.UUID | None
    variance: Variance | None
    complaints: int | None
    complaints_upheld: int | None
    kpis: KpiCounts

    @property
    def variance_rag(self) -> Rag:
        return Rag.MISSING if self.variance is None else self.variance.rag

    @property
    def variance_rag_text(self) -> str:
        return RAG_WORDS[self.variance_rag]


@dataclass(frozen=True)
class JointView:
    """The Joint Finance and Performance view of a period: per service, per directorate, the council."""

    period: Period
    monitoring_period: Period
    complaints_period: Period | None
    config: FinanceConfig
    services: list[JointRow] = field(default_factory=list)
    directorates: list[JointRow] = field(default_factory=list)
    council: JointRow | None = None


def _total(label: str, rows: Sequence[JointRow], config: FinanceConfig, directorate_id: uuid.UUID | None) -> JointRow:
    counted = [row.complaints for row in rows if row.complaints is not None]
    upheld = [row.complaints_upheld for row in rows if row.complaints_upheld is not None]
    kpis = KpiCounts()
    for row in rows:
        kpis += row.kpis
    return JointRow(
        label=label,
        service_id=None,
        directorate_id=directorate_id,
        variance=total_of((row.variance for row in rows if row.variance is not None), config),
        complaints=sum(counted) if counted else None,
        complaints_upheld=sum(upheld) if upheld else None,
        kpis=kpis,
    )


async def joint_view(
    session: AsyncSession, actor: Actor, period_text: str, directorate_id: uuid.UUID | None = None, *, as_of: date
) -> JointView:
    """Budget monitoring, complaints and KPI RAG counts for ``period_text`` (a month, quarter or year
    that has ended), per service, per directorate and for the council (or one directorate).

    A quarter shows its last month's budget monitoring (the forecast at the quarter's end: P6 for
    Q2) and its own complaints; a month shows its monitoring, and the quarter it closes, if any.
    The KPI counts are the scorecard's for the period (``status.service.scorecard``)."""
    require_read(actor)
    organisation = await get_organisation(session, actor)
    start_month = organisation.financial_year_start_month
    try:
        period = Period.parse(period_text)
    except DomainError as exc:
        raise invalid("period", exc.message, Location.QUERY) from None
    if period.end_date(start_month) >= as_of:
        raise invalid("period", f"{period} has not ended yet", Location.QUERY)
    config = settings_of(organisation).finance
    if directorate_id is not None:
        await DirectorateRepository(session).get(actor, directorate_id)
    month, quarter = monitoring_month(period), complaints_quarter(period)

    filters = {} if directorate_id is None else {"directorate_id": directorate_id}
    services: list[Service] = await ServiceRepository(session).every(
        actor, ListQuery(filters=filters, include_archived=True, sort="name", limit=MAX_SERVICES)
    )
    service_ids = [service.id for service in services]
    budgets = {
        row.service_id: row
        for row in await BudgetMonitoringRepository(session).of_period(actor, str(month), service_ids)
    }
    complaints = (
        {}
        if quarter is None
        else {
            row.service_id: row
            for row in await ComplaintCountRepository(session).of_period(actor, str(quarter), service_ids)
        }
    )
    scorecard = await status_service.scorecard(
        session, actor, status_service.ScorecardFilters(directorate_id=directorate_id), str(period), as_of=as_of
    )
    kpis: dict[uuid.UUID, KpiCounts] = defaultdict(KpiCounts)
    for item in scorecard.items:
        kpis[item.kpi.service_id] = kpis[item.kpi.service_id].plus(item.evaluation.rag)

    rows: list[JointRow] = []
    for service in services:
        budget, counted = budgets.get(service.id), complaints.get(service.id)
        if service.archived_at is not None and budget is None and counted is None and service.id not in kpis:
            continue
        rows.append(
            JointRow(
                label=service.name,
                service_id=service.id,
                directorate_id=service.directorate_id,
                variance=None if budget is None else budget_view(budget, config).variance,
                complaints=None if counted is None else counted.received,
                complaints_upheld=None if counted is None else counted.upheld,
                kpis=kpis.get(service.id, KpiCounts()),
            )
        )
    by_directorate: dict[uuid.UUID, list[JointRow]] = defaultdict(list)
    for row in rows:
        assert row.directorate_id is not None  # every service is in a directorate
        by_directorate[row.directorate_id].append(row)
    every_directorate = await DirectorateRepository(session).every(
        actor, ListQuery(include_archived=True, sort="name", limit=MAX_SERVICES)
    )
    names = {directorate.id: directorate.name for directorate in every_directorate}
    directorates = [
        _total(names.get(key, "Directorate"), by_directorate[key], config, key)
        for key in sorted(by_directorate, key=lambda key: names.get(key, ""))
    ]
    # The whole council's total, or the one directorate's when the view is of one (a clinic pack, seed 004)
    council_label = "Council" if directorate_id is None else names.get(directorate_id, "Directorate")
    return JointView(
        period=period,
        monitoring_period=month,
        complaints_period=quarter,
        config=config,
        services=rows,
        directorates=directorates,
        council=_total(council_label, rows, config, directorate_id),
    )
