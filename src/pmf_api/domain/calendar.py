"""Working days, England and Wales bank holidays, and the collection window of each period.

After each month (quarter, year) ends, a collection window opens: owners enter the value, a comment
and a forecast, and the performance team checks them (seed 001_ec6bae7b38cacc6f.txt, C.2 and E.1).
The window opens the day after the period ends and its values are due by a number of working days
after that (default 10, configurable per organisation). Working days skip weekends and bank holidays.

Bank holidays follow the rules of the Banking and Financial Dealings Act 1971 as applied each year by
royal proclamation; one-off changes (a jubilee, a state funeral, a coronation) are listed as data.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache

from pmf_api.domain.errors import DomainError
from pmf_api.domain.periods import DEFAULT_START_MONTH, Period
from pmf_api.domain.rag import round_half_up
from pmf_api.domain.workflow import SubmissionState

SATURDAY = 5
DEFAULT_DUE_WORKING_DAYS = 10
"""Values are due by the 10th working day after the period ends, unless the organisation says otherwise."""
MAX_DUE_WORKING_DAYS = 60
RATE_DECIMAL_PLACES = 1

# --- Bank holidays ------------------------------------------------------------------------------


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous "Meeus/Jones/Butcher" algorithm)."""
    golden = year % 19
    century, year_of_century = divmod(year, 100)
    leap_centuries, century_rest = divmod(century, 4)
    correction = (century + 8) // 25
    moon_correction = (century - correction + 1) // 3
    epact = (19 * golden + century - leap_centuries - moon_correction + 15) % 30
    leap_years, year_rest = divmod(year_of_century, 4)
    weekday_offset = (32 + 2 * century_rest + 2 * leap_years - epact - year_rest) % 7
    adjustment = (golden + 11 * epact + 22 * weekday_offset) // 451
    month, day = divmod(epact + weekday_offset - 7 * adjustment + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=last.weekday())


# One-off changes by royal proclamation. A moved holiday replaces the usual date; an extra one is added.
MOVED_BANK_HOLIDAYS: dict[date, date] = {
    date(2022, 5, 30): date(2022, 6, 2),  # spring bank holiday moved to Thursday for the Platinum Jubilee
}
EXTRA_BANK_HOLIDAYS: frozenset[date] = frozenset(
    {
        date(2022, 6, 3),  # Platinum Jubilee bank holiday
        date(2022, 9, 19),  # State funeral of Queen Elizabeth II
        date(2023, 5, 8),  # Coronation of King Charles III
    }
)


def england_and_wales_bank_holidays(year: int) -> frozenset[date]:
    """The bank holidays of England and Wales in ``year``, one-off changes included.

    New Year's Day, Christmas Day and Boxing Day falling on a weekend are replaced by the next
    weekday that is not already a holiday (so Christmas on a Saturday gives Monday 27 and Boxing
    Day Tuesday 28 December). Good Friday and Easter Monday follow Easter; the early May, spring
    and summer holidays are the first Monday of May and the last Mondays of May and August.
    """
    holidays = {
        easter_sunday(year) - timedelta(days=2),
        easter_sunday(year) + timedelta(days=1),
        _first_monday(year, 5),
        _last_monday(year, 5),
        _last_monday(year, 8),
    }
    fixed = [date(year, 1, 1), date(year, 12, 25), date(year, 12, 26)]
    holidays.update(day for day in fixed if day.weekday() < SATURDAY)
    for day in fixed:
        if day.weekday() >= SATURDAY:
            substitute = day
            while substitute.weekday() >= SATURDAY or substitute in holidays:
                substitute += timedelta(days=1)
            holidays.add(substitute)
    holidays = {MOVED_BANK_HOLIDAYS.get(day, day) for day in holidays}
    holidays.update(day for day in EXTRA_BANK_HOLIDAYS if day.year == year)
    return frozenset(holidays)


FIRST_HOLIDAY_YEAR = 2022
LAST_HOLIDAY_YEAR = 2030
ENGLAND_AND_WALES_BANK_HOLIDAYS: frozenset[date] = frozenset(
    day for year in range(FIRST_HOLIDAY_YEAR, LAST_HOLIDAY_YEAR + 1) for day in england_and_wales_bank_holidays(year)
)
"""Bank holidays in England and Wales, 2022 to 2030. Later years need adding (or pass your own)."""


# --- Working days -------------------------------------------------------------------------------


def is_working_day(day: date, holidays: Collection[date] = ENGLAND_AND_WALES_BANK_HOLIDAYS) -> bool:
    """Monday to Friday and not a bank holiday."""
    return day.weekday() < SATURDAY and day not in holidays


def add_working_days(day: date, count: int, holidays: Collection[date] = ENGLAND_AND_WALES_BANK_HOLIDAYS) -> date:
    """The ``count``-th working day after ``day`` (before it when negative; ``day`` itself for 0).

    ``day`` need not be a working day: the 1st working day after Saturday is Monday.
    """
    step = timedelta(days=1 if count >= 0 else -1)
    remaining = abs(count)
    while remaining:
        day += step
        if is_working_day(day, holidays):
            remaining -= 1
    return day


@lru_cache(maxsize=4096)
def first_missing_day(period_end: date, grace_days: int, due_working_days: int) -> date:
    """The first day a value not yet in counts as Missing: after ``grace_days`` calendar days past
    ``period_end`` and after the collection due date, whichever is later, so a value is never Missing
    while its owner still has time to send it (seed 001_ec6bae7b38cacc6f.txt, E.1)."""
    after_grace = period_end + timedelta(days=grace_days + 1)
    after_due = add_working_days(period_end, due_working_days) + timedelta(days=1)
    return max(after_grace, after_due)


# --- Collection windows -------------------------------------------------------------------------


class WindowStatus(StrEnum):
    """Where one period's value stands against its collection window."""

    NOT_OPEN = "not_open"  # the period has not ended yet
    OPEN = "open"  # not submitted, and the due date has not passed
    OVERDUE = "overdue"  # not submitted, and the due date has passed
    ON_TIME = "on_time"  # submitted on or before the due date
    LATE = "late"  # submitted after the due date


@dataclass(frozen=True, slots=True)
class CollectionWindow:
    """When a period's values can be entered (``opens``) and when they are due (``due``)."""

    period: Period
    period_end: date
    opens: date
    due: date

    def is_open(self, as_of: date) -> bool:
        """Whether values can be entered by ``as_of`` (the window stays open after the due date)."""
        return as_of >= self.opens

    def status_of(self, submitted_at: date | None, as_of: date) -> WindowStatus:
        """The status on ``as_of`` of a value submitted on ``submitted_at`` (None: not yet).

        A submission dated after ``as_of`` had not been made on that day, so it does not count.
        """
        if submitted_at is not None and submitted_at <= as_of:
            return WindowStatus.ON_TIME if submitted_at <= self.due else WindowStatus.LATE
        if not self.is_open(as_of):
            return WindowStatus.NOT_OPEN
        return WindowStatus.OPEN if as_of <= self.due else WindowStatus.OVERDUE


def collection_window(
    period: Period,
    *,
    start_month: int = DEFAULT_START_MONTH,
    due_working_days: int = DEFAULT_DUE_WORKING_DAYS,
    holidays: Collection[date] = ENGLAND_AND_WALES_BANK_HOLIDAYS,
) -> CollectionWindow:
    """The window of ``period``: it opens the day after the period ends and is due
    ``due_working_days`` working days after the period ends."""
    if not 1 <= due_working_days <= MAX_DUE_WORKING_DAYS:
        raise DomainError(
            f"Values must be due between 1 and {MAX_DUE_WORKING_DAYS} working days after the period ends, "
            f"not {due_working_days}.",
            field="due_working_days",
        )
    period_end = period.end_date(start_month)
    return CollectionWindow(
        period=period,
        period_end=period_end,
        opens=period_end + timedelta(days=1),
        due=add_working_days(period_end, due_working_days, holidays),
    )


# --- Collection tasks and their tally -----------------------------------------------------------


class TaskStatus(StrEnum):
    """What is owed for one KPI in one period."""

    NOT_OPEN = "not_open"  # the period has not ended
    DUE = "due"  # the window is open and the due date has not passed
    OVERDUE = "overdue"  # the due date has passed with nothing submitted
    QUERIED = "queried"  # the performance team sent it back: not complete until resubmitted
    COMPLETE = "complete"  # submitted (or further on: validated, published)


class Timeliness(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"


SUBMITTED_STATES = frozenset(
    {SubmissionState.SUBMITTED, SubmissionState.RESUBMITTED, SubmissionState.VALIDATED, SubmissionState.PUBLISHED}
)


@dataclass(frozen=True, slots=True)
class CollectionTask:
    status: TaskStatus
    timeliness: Timeliness | None = None

    @property
    def is_complete(self) -> bool:
        return self.status is TaskStatus.COMPLETE


def collection_task(
    window: CollectionWindow,
    state: SubmissionState | None,
    submitted_on: date | None,
    as_of: date,
    *,
    revision: int = 1,
) -> CollectionTask:
    """The task of one KPI for the window's period, from its submission (``state`` None: none yet).

    Submitted, resubmitted, validated and published values are complete; a published value being
    revised (``revision`` above 1) was collected, so it stays complete. Timeliness compares the
    date of the latest submission with the due date. A submission made after ``as_of`` is ignored.
    """
    status = window.status_of(submitted_on, as_of)
    submitted = status in {WindowStatus.ON_TIME, WindowStatus.LATE}
    if state is not None and (state in SUBMITTED_STATES or revision > 1):
        if submitted_on is None:
            return CollectionTask(TaskStatus.COMPLETE)
        if submitted:
            return CollectionTask(TaskStatus.COMPLETE, Timeliness(status.value))
    if state is SubmissionState.QUERIED and submitted:
        return CollectionTask(TaskStatus.QUERIED)
    if status is WindowStatus.NOT_OPEN:
        return CollectionTask(TaskStatus.NOT_OPEN)
    return CollectionTask(TaskStatus.OVERDUE if as_of > window.due else TaskStatus.DUE)


def percentage_of(part: int, whole: int) -> Decimal | None:
    """``part`` as a percentage of ``whole`` to one decimal place, half up; None when nothing is owed."""
    if whole == 0:
        return None
    return round_half_up(Decimal(part) * 100 / Decimal(whole), RATE_DECIMAL_PLACES)


@dataclass(frozen=True, slots=True)
class CollectionTally:
    """Counts of a group of tasks and its completeness and timeliness rates."""

    owed: int = 0
    submitted: int = 0
    on_time: int = 0
    late: int = 0
    queried: int = 0
    due: int = 0
    overdue: int = 0
    not_open: int = 0

    @property
    def outstanding(self) -> int:
        """Owed and not yet complete: due, overdue, queried or not open."""
        return self.owed - self.submitted

    @property
    def completeness_rate(self) -> Decimal | None:
        """Submitted as a percentage of owed."""
        return percentage_of(self.submitted, self.owed)

    @property
    def timeliness_rate(self) -> Decimal | None:
        """Submitted on time as a percentage of owed."""
        return percentage_of(self.on_time, self.owed)


def tally(tasks: Iterable[CollectionTask]) -> CollectionTally:
    """Count tasks by status and timeliness."""
    counts = {status: 0 for status in TaskStatus}
    on_time = late = 0
    for task in tasks:
        counts[task.status] += 1
        on_time += task.timeliness is Timeliness.ON_TIME
        late += task.timeliness is Timeliness.LATE
    return CollectionTally(
        owed=sum(counts.values()),
        submitted=counts[TaskStatus.COMPLETE],
        on_time=on_time,
        late=late,
        queried=counts[TaskStatus.QUERIED],
        due=counts[TaskStatus.DUE],
        overdue=counts[TaskStatus.OVERDUE],
        not_open=counts[TaskStatus.NOT_OPEN],
    )
