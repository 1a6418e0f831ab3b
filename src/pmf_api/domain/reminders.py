"""Who is reminded of what, and when a send is tried again (issue 11, section 4).

The monthly cycle starts with the performance team "reaching out to stakeholders" (seed
001_ec6bae7b38cacc6f.txt, E.1); the commonest complaint about performance systems is owners who
never update. So a value due soon, due today or overdue is a reminder to its owner, and an overdue
one escalates: after some working days to the backup owner as well, later to the service manager.
People get one digest a day, not a mail per KPI. Pure rules: the caller says what day it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from pmf_api.domain.calendar import TaskStatus, is_working_day
from pmf_api.domain.periods import DEFAULT_START_MONTH, FinancialYear, financial_year_of


class ReminderKind(StrEnum):
    """What a reminder is about; a person chooses which kinds reach them."""

    DUE_SOON = "due_soon"  # the window is open and the due date is close
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    QUERY_WAITING = "query_waiting"  # the performance team queried a value: the owner's answer is awaited
    APPROVAL_WAITING = "approval_waiting"  # a target (or another record) waits for this person's approval
    TEMPLATE_TO_SIGN = "template_to_sign"  # a Data Quality Template drafted for a year waits for sign-off
    OBJECTIVE_REVIEW = "objective_review"  # a person's objective waits for its line manager's review


class Audience(StrEnum):
    """Whom an overdue value's reminder reaches, in the order it escalates."""

    OWNER = "owner"
    BACKUP = "backup"
    SERVICE_MANAGER = "service_manager"


@dataclass(frozen=True, slots=True)
class ReminderConfig:
    """``due_soon_working_days``: how close a due date is "soon"; an overdue value reaches the backup
    owner after ``backup_after_working_days`` and the service manager after ``manager_after_working_days``."""

    due_soon_working_days: int = 3
    backup_after_working_days: int = 3
    manager_after_working_days: int = 7


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not after ``start``)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def collection_reminder(
    status: TaskStatus, due: date, as_of: date, config: ReminderConfig = ReminderConfig()
) -> ReminderKind | None:
    """The reminder a collection task gives on ``as_of``, if any: due soon, due today, overdue, or
    a query waiting for its answer. Complete and not-yet-open tasks remind nobody."""
    if status is TaskStatus.QUERIED:
        return ReminderKind.QUERY_WAITING
    if status is TaskStatus.OVERDUE:
        return ReminderKind.OVERDUE
    if status is not TaskStatus.DUE:
        return None
    if due == as_of:
        return ReminderKind.DUE_TODAY
    if working_days_between(as_of, due) <= config.due_soon_working_days:
        return ReminderKind.DUE_SOON
    return None


def overdue_audience(due: date, as_of: date, config: ReminderConfig = ReminderConfig()) -> tuple[Audience, ...]:
    """Whom an overdue value's reminder reaches on ``as_of``: its owner, then also the backup, then
    also the service manager, as the working days since ``due`` pass the configured thresholds."""
    late = working_days_between(due, as_of)
    audience = [Audience.OWNER]
    if late >= config.backup_after_working_days:
        audience.append(Audience.BACKUP)
    if late >= config.manager_after_working_days:
        audience.append(Audience.SERVICE_MANAGER)
    return tuple(audience)


def retry_delay_seconds(attempts: int, *, base_seconds: int, cap_seconds: int) -> int:
    """Exponential backoff: the wait after the ``attempts``-th failed try (1: ``base_seconds``,
    then doubling), never more than ``cap_seconds``."""
    if attempts < 1:
        return 0
    doubled: int = base_seconds * 2 ** min(attempts - 1, 32)
    return min(cap_seconds, doubled)


# Next year's Data Quality Templates are chased from this many days before the year starts.
TEMPLATE_LEAD_DAYS = 92


def template_years(
    as_of: date, start_month: int = DEFAULT_START_MONTH, lead_days: int = TEMPLATE_LEAD_DAYS
) -> tuple[FinancialYear, ...]:
    """The years whose templates waiting for sign-off are reminded of on ``as_of``: the year in
    progress, and next year's from ``lead_days`` before it starts ("before each year of reporting, a
    data quality template is completed", seed 001_ec6bae7b38cacc6f.txt, B.1)."""
    this_year = financial_year_of(as_of, start_month)
    upcoming = this_year.next()
    if (upcoming.start_date(start_month) - as_of).days <= lead_days:
        return (this_year, upcoming)
    return (this_year,)
