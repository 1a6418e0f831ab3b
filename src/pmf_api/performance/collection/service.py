"""Use cases of the collection cycle's calendar: which periods are open, what is owed, and by whom.

Each period's collection window opens the day after it ends; values are due a number of working days
later (``settings["collection"]["due_working_days"]``, default 10; seed 001_ec6bae7b38cacc6f.txt, C.2
and E.1). Every active KPI owes one submission per period of its frequency: a monthly KPI owes P1 to
P12, a quarterly KPI Q1 to Q4, an annual KPI the year. The rules (windows, statuses, rates) live in
``pmf_api.domain.calendar``; this module loads rows in a fixed number of queries and applies them.

``as_of`` is passed in (the router gives today's UTC date): services never read the clock.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.domain import (
    CollectionTally,
    CollectionTask,
    CollectionWindow,
    FinancialYear,
    Frequency,
    Period,
    SubmissionState,
    TaskStatus,
    Timeliness,
    WindowStatus,
    collection_task,
    collection_window,
    financial_year_of,
    tally,
)
from pmf_api.framework.organisations.repository import PersonRepository, ServiceEntry, services_with_directorates
from pmf_api.framework.organisations.service import get_organisation, settings_of
from pmf_api.performance.kpis.repository import KpiFilters, KpiRepository
from pmf_api.performance.submissions.repository import SubmissionRepository

if TYPE_CHECKING:
    from pmf_api.framework.organisations.models import Organisation
    from pmf_api.performance.kpis.models import Kpi
    from pmf_api.performance.submissions.models import Submission

WindowState = Literal["not_open", "open", "closed"]
GroupBy = Literal["service", "person", "directorate"]


def window_for(organisation: Organisation, period: Period) -> CollectionWindow:
    return collection_window(
        period,
        start_month=organisation.financial_year_start_month,
        due_working_days=settings_of(organisation).due_working_days,
    )


# --- Periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodWindow:
    window: CollectionWindow
    state: WindowState


@dataclass(frozen=True)
class PeriodCalendar:
    financial_year: FinancialYear
    due_working_days: int
    periods: list[PeriodWindow]


def window_state(window: CollectionWindow, as_of: date) -> WindowState:
    """``closed`` once the due date has passed: late values are still taken, and counted late."""
    status = window.status_of(None, as_of)
    if status is WindowStatus.NOT_OPEN:
        return "not_open"
    return "open" if status is WindowStatus.OPEN else "closed"


async def list_periods(
    session: AsyncSession,
    actor: Actor,
    *,
    as_of: date,
    financial_year: FinancialYear | None = None,
    frequency: Frequency | None = None,
) -> PeriodCalendar:
    """The periods of a financial year (the one containing ``as_of`` by default) with their windows."""
    organisation = await get_organisation(session, actor)
    year = financial_year or financial_year_of(as_of, organisation.financial_year_start_month)
    frequencies = [frequency] if frequency is not None else list(Frequency)
    periods = [period for each in frequencies for period in _periods_of(year, each)]
    # By when they end, shorter first: P1, P2, P3, Q1, P4 ... P12, Q4, the year.
    periods.sort(
        key=lambda period: (
            period.end_date(organisation.financial_year_start_month),
            period.frequency.months_per_period,
        )
    )
    windows = [window_for(organisation, period) for period in periods]
    return PeriodCalendar(
        year,
        settings_of(organisation).due_working_days,
        [PeriodWindow(window, window_state(window, as_of)) for window in windows],
    )


def _periods_of(year: FinancialYear, frequency: Frequency) -> tuple[Period, ...]:
    if frequency is Frequency.MONTHLY:
        return year.months()
    if frequency is Frequency.QUARTERLY:
        return year.quarters()
    return (year.annual(),)


# --- Tasks --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskFilters:
    person_id: uuid.UUID | None = None  # the KPI's owner or backup owner
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = None
    status: TaskStatus | None = None


@dataclass(frozen=True)
class Named:
    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class TaskRow:
    """What one KPI owes for the period, and where its submission stands."""

    kpi_id: uuid.UUID
    kpi_code: str
    kpi_title: str
    frequency: str
    owner: Named | None
    backup_owner: Named | None
    service: Named
    directorate: Named
    submission_id: uuid.UUID | None
    submission_state: str | None
    submitted_at: datetime | None
    due: date
    task: CollectionTask

    @property
    def status(self) -> TaskStatus:
        return self.task.status

    @property
    def timeliness(self) -> Timeliness | None:
        return self.task.timeliness


@dataclass(frozen=True)
class TaskList:
    window: CollectionWindow
    as_of: date
    items: list[TaskRow]


async def list_tasks(
    session: AsyncSession,
    actor: Actor,
    period: Period,
    *,
    as_of: date,
    filters: TaskFilters = TaskFilters(),
) -> TaskList:
    """One row per active KPI of the period's frequency, with its status as of ``as_of``.

    Four queries whatever the number of KPIs: the organisation, the KPIs with their services, the
    period's submissions of those KPIs, and the names of their owners and backups.
    """
    organisation = await get_organisation(session, actor)
    window = window_for(organisation, period)
    rows = await _tasks(session, actor, organisation, window, as_of, filters)
    if filters.status is not None:
        rows = [row for row in rows if row.status is filters.status]
    return TaskList(window, as_of, rows)


async def _tasks(
    session: AsyncSession,
    actor: Actor,
    organisation: Organisation,
    window: CollectionWindow,
    as_of: date,
    filters: TaskFilters,
) -> list[TaskRow]:
    kpis = await KpiRepository(session).active(
        actor,
        KpiFilters(
            frequency=window.period.frequency,
            person_id=filters.person_id,
            service_id=filters.service_id,
            directorate_id=filters.directorate_id,
        ),
    )
    if not kpis:
        return []
    services = await services_with_directorates(session, organisation.id)
    period_submissions = await SubmissionRepository(session).for_tasks(
        organisation.id, str(window.period), [kpi.id for kpi in kpis]
    )
    submissions = {s.kpi_id: s for s in period_submissions}
    names = await PersonRepository(session).names(p for kpi in kpis for p in (kpi.owner_id, kpi.backup_owner_id))
    return [_row(kpi, services[kpi.service_id], submissions.get(kpi.id), names, window, as_of) for kpi in kpis]


def _row(
    kpi: Kpi,
    service: ServiceEntry,
    submission: Submission | None,
    names: dict[uuid.UUID, str],
    window: CollectionWindow,
    as_of: date,
) -> TaskRow:
    if submission is None:
        task = collection_task(window, None, None, as_of)
    else:
        # Dates are UTC dates, as ``as_of`` is. The first submission decides timeliness: a value
        # submitted on time and queried afterwards is not late for being answered later.
        first = submission.first_submitted_at or submission.submitted_at
        submitted_on = first.date() if first is not None else None
        task = collection_task(
            window, SubmissionState(submission.state), submitted_on, as_of, revision=submission.revision
        )
    return TaskRow(
        kpi_id=kpi.id,
        kpi_code=kpi.code,
        kpi_title=kpi.title,
        frequency=kpi.frequency,
        owner=_named(kpi.owner_id, names),
        backup_owner=_named(kpi.backup_owner_id, names),
        service=Named(service.id, service.name),
        directorate=Named(service.directorate_id, service.directorate_name),
        submission_id=submission.id if submission else None,
        submission_state=submission.state if submission else None,
        submitted_at=submission.submitted_at if submission else None,
        due=window.due,
        task=task,
    )


def _named(id: uuid.UUID | None, names: dict[uuid.UUID, str]) -> Named | None:
    return None if id is None else Named(id, names.get(id, ""))


# --- Summary ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryGroup:
    """One service, person (the KPIs they own) or directorate; ``id`` None for KPIs with no owner."""

    id: uuid.UUID | None
    name: str
    tally: CollectionTally


@dataclass(frozen=True)
class Summary:
    window: CollectionWindow
    as_of: date
    group_by: GroupBy
    groups: list[SummaryGroup]
    total: CollectionTally


NO_OWNER = "No owner"


async def summarise(
    session: AsyncSession,
    actor: Actor,
    period: Period,
    *,
    as_of: date,
    group_by: GroupBy = "service",
    filters: TaskFilters = TaskFilters(),
) -> Summary:
    """Completeness and timeliness of the period's collection, per service, owner or directorate.

    Completeness is submitted / owed and timeliness on time / owed, as percentages to one decimal
    place. People are grouped by the KPIs they own (not those they back up).
    """
    organisation = await get_organisation(session, actor)
    window = window_for(organisation, period)
    # The status filter picks rows of the task list; a summary counts every status.
    rows = await _tasks(session, actor, organisation, window, as_of, replace(filters, status=None))
    groups: dict[uuid.UUID | None, list[TaskRow]] = {}
    for row in rows:
        groups.setdefault(_group_key(row, group_by), []).append(row)
    names = _group_names(group_by, rows)
    summary_groups = [
        SummaryGroup(key, names.get(key, NO_OWNER) if key is not None else NO_OWNER, tally(r.task for r in members))
        for key, members in groups.items()
    ]
    summary_groups.sort(key=lambda g: (g.id is None, g.name.lower(), str(g.id)))
    return Summary(window, as_of, group_by, summary_groups, tally(row.task for row in rows))


def _group_key(row: TaskRow, group_by: GroupBy) -> uuid.UUID | None:
    if group_by == "service":
        return row.service.id
    if group_by == "directorate":
        return row.directorate.id
    return row.owner.id if row.owner else None


def _group_names(group_by: GroupBy, rows: Sequence[TaskRow]) -> dict[uuid.UUID, str]:
    if group_by == "service":
        return {row.service.id: row.service.name for row in rows}
    if group_by == "person":
        return {row.owner.id: row.owner.name for row in rows if row.owner}
    return {row.directorate.id: row.directorate.name for row in rows}
