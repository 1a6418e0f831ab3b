from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain import (
    ENGLAND_AND_WALES_BANK_HOLIDAYS,
    CollectionTally,
    CollectionTask,
    DomainError,
    Period,
    SubmissionState,
    TaskStatus,
    Timeliness,
    WindowStatus,
    add_working_days,
    collection_task,
    collection_window,
    easter_sunday,
    england_and_wales_bank_holidays,
    is_working_day,
    percentage_of,
    tally,
)

# Bank holidays in England and Wales as published on gov.uk/bank-holidays, typed here to check the rules.
PUBLISHED_BANK_HOLIDAYS = {
    2022: ["01-03", "04-15", "04-18", "05-02", "06-02", "06-03", "08-29", "09-19", "12-26", "12-27"],
    2023: ["01-02", "04-07", "04-10", "05-01", "05-08", "05-29", "08-28", "12-25", "12-26"],
    2024: ["01-01", "03-29", "04-01", "05-06", "05-27", "08-26", "12-25", "12-26"],
    2025: ["01-01", "04-18", "04-21", "05-05", "05-26", "08-25", "12-25", "12-26"],
    2026: ["01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28"],
    2027: ["01-01", "03-26", "03-29", "05-03", "05-31", "08-30", "12-27", "12-28"],
}


@pytest.mark.parametrize(("year", "days"), PUBLISHED_BANK_HOLIDAYS.items())
def test_bank_holidays_match_the_published_list(year: int, days: list[str]) -> None:
    expected = {date.fromisoformat(f"{year}-{day}") for day in days}
    assert england_and_wales_bank_holidays(year) == expected
    assert {d for d in ENGLAND_AND_WALES_BANK_HOLIDAYS if d.year == year} == expected


def test_the_default_holidays_run_from_2022_to_2030() -> None:
    years = {d.year for d in ENGLAND_AND_WALES_BANK_HOLIDAYS}
    assert years == set(range(2022, 2031))
    # 2028: New Year's Day is a Saturday, so Monday 3 January is the holiday.
    assert date(2028, 1, 3) in ENGLAND_AND_WALES_BANK_HOLIDAYS
    assert date(2028, 1, 1) not in ENGLAND_AND_WALES_BANK_HOLIDAYS


# Western Easter Sundays from published tables, including the earliest (22 March) and latest (25 April) possible.
KNOWN_EASTERS = [
    "1818-03-22",
    "1943-04-25",
    "1954-04-18",
    "2000-04-23",
    "2008-03-23",
    "2011-04-24",
    "2019-04-21",
    "2022-04-17",
    "2023-04-09",
    "2024-03-31",
    "2025-04-20",
    "2026-04-05",
    "2027-03-28",
    "2028-04-16",
    "2029-04-01",
    "2030-04-21",
    "2038-04-25",
    "2285-03-22",
]


@pytest.mark.parametrize("known", KNOWN_EASTERS)
def test_easter_sunday(known: str) -> None:
    day = date.fromisoformat(known)
    assert easter_sunday(day.year) == day


@given(st.integers(min_value=1583, max_value=4099))
def test_easter_is_a_sunday_between_22_march_and_25_april(year: int) -> None:
    easter = easter_sunday(year)
    assert easter.weekday() == 6
    assert date(year, 3, 22) <= easter <= date(year, 4, 25)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 4, 2), True),  # Thursday before Easter
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 4), False),  # Saturday
        (date(2026, 4, 5), False),  # Sunday
        (date(2022, 5, 30), True),  # the usual spring bank holiday, moved to 2 June in 2022
        (date(2022, 6, 2), False),
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (date(2026, 4, 2), 1, date(2026, 4, 7)),  # over the Easter weekend
        (date(2025, 12, 24), 1, date(2025, 12, 29)),  # over Christmas and Boxing Day
        (date(2026, 5, 30), 1, date(2026, 6, 1)),  # from a Saturday
        (date(2026, 5, 30), 0, date(2026, 5, 30)),  # 0 keeps the day, working or not
        (date(2026, 4, 7), -1, date(2026, 4, 2)),  # backwards over Easter
    ],
)
def test_add_working_days(start: date, count: int, expected: date) -> None:
    assert add_working_days(start, count) == expected


def test_add_working_days_with_own_holidays() -> None:
    assert add_working_days(date(2026, 4, 2), 1, holidays=()) == date(2026, 4, 3)
    assert add_working_days(date(2026, 4, 2), 1, holidays=[date(2026, 4, 3)]) == date(2026, 4, 6)


@pytest.mark.parametrize(
    ("period", "start_month", "due_working_days", "opens", "due"),
    [
        # December 2025: New Year's Day is skipped
        ("2025/26 P9", 4, 10, date(2026, 1, 1), date(2026, 1, 15)),
        # November 2026 with 20 working days: Christmas Day and Boxing Day (substitute Monday 28) are skipped
        ("2026/27 P8", 4, 20, date(2026, 12, 1), date(2026, 12, 30)),
        # March 2026 (and Q4, and the year): Good Friday and Easter Monday are skipped
        ("2025/26 P12", 4, 10, date(2026, 4, 1), date(2026, 4, 16)),
        ("2025/26 Q4", 4, 10, date(2026, 4, 1), date(2026, 4, 16)),
        ("2025/26", 4, 10, date(2026, 4, 1), date(2026, 4, 16)),
        # May 2026 ends on a Sunday: counting starts on Monday 1 June
        ("2026/27 P2", 4, 10, date(2026, 6, 1), date(2026, 6, 12)),
        # August 2026 ends on the summer bank holiday
        ("2026/27 P5", 4, 10, date(2026, 9, 1), date(2026, 9, 14)),
        # February of a leap year, with a March start to the financial year: P12 of 2023/24
        ("2023/24 P11", 4, 10, date(2024, 3, 1), date(2024, 3, 14)),
        ("2023/24 P12", 3, 10, date(2024, 3, 1), date(2024, 3, 14)),
        # The one-off holidays: the Platinum Jubilee, the Queen's funeral, the coronation
        ("2022/23 P2", 4, 10, date(2022, 6, 1), date(2022, 6, 16)),
        ("2022/23 P5", 4, 15, date(2022, 9, 1), date(2022, 9, 22)),
        ("2023/24 P1", 4, 10, date(2023, 5, 1), date(2023, 5, 16)),
        # A shorter window
        ("2025/26 P6", 4, 5, date(2025, 10, 1), date(2025, 10, 7)),
    ],
)
def test_collection_window(period: str, start_month: int, due_working_days: int, opens: date, due: date) -> None:
    window = collection_window(Period.parse(period), start_month=start_month, due_working_days=due_working_days)
    assert window.period == Period.parse(period)
    assert window.period_end == opens - timedelta(days=1)
    assert window.opens == opens
    assert window.due == due


def test_collection_window_with_own_holidays() -> None:
    window = collection_window(Period.parse("2025/26 P12"), holidays=frozenset())
    assert window.due == date(2026, 4, 14)


@pytest.mark.parametrize("due_working_days", [0, -1, 61])
def test_collection_window_refuses_a_due_date_out_of_range(due_working_days: int) -> None:
    with pytest.raises(DomainError) as caught:
        collection_window(Period.parse("2025/26 P1"), due_working_days=due_working_days)
    assert caught.value.field == "due_working_days"


# March 2026: opens Wednesday 1 April, due Thursday 16 April 2026.
MARCH_2026 = collection_window(Period.parse("2025/26 P12"))


@pytest.mark.parametrize(
    ("submitted_at", "as_of", "expected"),
    [
        (None, date(2026, 3, 31), WindowStatus.NOT_OPEN),
        (None, date(2026, 4, 1), WindowStatus.OPEN),
        (None, date(2026, 4, 16), WindowStatus.OPEN),
        (None, date(2026, 4, 17), WindowStatus.OVERDUE),
        (date(2026, 4, 16), date(2026, 4, 20), WindowStatus.ON_TIME),
        (date(2026, 4, 17), date(2026, 4, 17), WindowStatus.LATE),
        # Submitted after the day reported on: not yet submitted on that day
        (date(2026, 4, 17), date(2026, 4, 16), WindowStatus.OPEN),
        (date(2026, 4, 20), date(2026, 4, 17), WindowStatus.OVERDUE),
    ],
)
def test_window_status(submitted_at: date | None, as_of: date, expected: WindowStatus) -> None:
    assert MARCH_2026.status_of(submitted_at, as_of) is expected


def test_window_is_open_from_the_day_after_the_period_ends() -> None:
    assert not MARCH_2026.is_open(date(2026, 3, 31))
    assert MARCH_2026.is_open(date(2026, 4, 1))
    assert MARCH_2026.is_open(date(2026, 6, 1))  # late values are still accepted


S = SubmissionState
BEFORE_DUE = date(2026, 4, 10)
AFTER_DUE = date(2026, 4, 20)


@pytest.mark.parametrize(
    ("state", "submitted_on", "as_of", "revision", "expected"),
    [
        (None, None, date(2026, 3, 20), 1, CollectionTask(TaskStatus.NOT_OPEN)),
        (None, None, BEFORE_DUE, 1, CollectionTask(TaskStatus.DUE)),
        (None, None, AFTER_DUE, 1, CollectionTask(TaskStatus.OVERDUE)),
        (S.DRAFT, None, AFTER_DUE, 1, CollectionTask(TaskStatus.OVERDUE)),
        (S.SUBMITTED, date(2026, 4, 9), BEFORE_DUE, 1, CollectionTask(TaskStatus.COMPLETE, Timeliness.ON_TIME)),
        (S.RESUBMITTED, date(2026, 4, 17), AFTER_DUE, 1, CollectionTask(TaskStatus.COMPLETE, Timeliness.LATE)),
        (S.VALIDATED, date(2026, 4, 16), AFTER_DUE, 1, CollectionTask(TaskStatus.COMPLETE, Timeliness.ON_TIME)),
        (S.PUBLISHED, date(2026, 4, 2), AFTER_DUE, 1, CollectionTask(TaskStatus.COMPLETE, Timeliness.ON_TIME)),
        # Complete with no submission date recorded: complete, timeliness unknown
        (S.VALIDATED, None, AFTER_DUE, 1, CollectionTask(TaskStatus.COMPLETE)),
        # A published value under revision was collected
        (S.DRAFT, date(2026, 4, 2), AFTER_DUE, 2, CollectionTask(TaskStatus.COMPLETE, Timeliness.ON_TIME)),
        # Queried: not complete, whatever the date
        (S.QUERIED, date(2026, 4, 2), BEFORE_DUE, 1, CollectionTask(TaskStatus.QUERIED)),
        (S.QUERIED, date(2026, 4, 2), AFTER_DUE, 1, CollectionTask(TaskStatus.QUERIED)),
        (S.QUERIED, None, AFTER_DUE, 1, CollectionTask(TaskStatus.OVERDUE)),
        # Submitted after the day reported on: as it stood on that day
        (S.SUBMITTED, date(2026, 4, 21), AFTER_DUE, 1, CollectionTask(TaskStatus.OVERDUE)),
        (S.QUERIED, date(2026, 4, 12), BEFORE_DUE, 1, CollectionTask(TaskStatus.DUE)),
    ],
)
def test_collection_task(
    state: SubmissionState | None, submitted_on: date | None, as_of: date, revision: int, expected: CollectionTask
) -> None:
    task = collection_task(MARCH_2026, state, submitted_on, as_of, revision=revision)
    assert task == expected
    assert task.is_complete is (expected.status is TaskStatus.COMPLETE)


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 3, Decimal("33.3")),
        (2, 3, Decimal("66.7")),
        (1, 16, Decimal("6.3")),  # 6.25 rounds half up
        (3, 3, Decimal("100.0")),
        (0, 4, Decimal("0.0")),
        (0, 0, None),
    ],
)
def test_percentage_of(part: int, whole: int, expected: Decimal | None) -> None:
    assert percentage_of(part, whole) == expected


def test_tally() -> None:
    tasks = [
        CollectionTask(TaskStatus.COMPLETE, Timeliness.ON_TIME),
        CollectionTask(TaskStatus.COMPLETE, Timeliness.ON_TIME),
        CollectionTask(TaskStatus.COMPLETE, Timeliness.LATE),
        CollectionTask(TaskStatus.QUERIED),
        CollectionTask(TaskStatus.DUE),
        CollectionTask(TaskStatus.OVERDUE),
    ]
    result = tally(tasks)
    assert result == CollectionTally(owed=6, submitted=3, on_time=2, late=1, queried=1, due=1, overdue=1)
    assert result.outstanding == 3
    assert result.completeness_rate == Decimal("50.0")
    assert result.timeliness_rate == Decimal("33.3")
    assert tally([]).completeness_rate is None


# --- Properties ---------------------------------------------------------------------------------

days = st.dates(min_value=date(2022, 1, 1), max_value=date(2030, 11, 30))
counts = st.integers(min_value=1, max_value=40)


@given(days, counts)
def test_the_result_is_a_working_day_after_the_start(start: date, count: int) -> None:
    result = add_working_days(start, count)
    assert is_working_day(result)
    assert result > start
    # exactly `count` working days lie after the start, up to and including the result
    between = (start + timedelta(days=offset) for offset in range(1, (result - start).days + 1))
    assert sum(is_working_day(d) for d in between) == count


@given(days, counts, counts)
def test_more_working_days_land_later(start: date, first: int, second: int) -> None:
    earlier, later = sorted((first, second))
    if earlier == later:
        assert add_working_days(start, earlier) == add_working_days(start, later)
    else:
        assert add_working_days(start, earlier) < add_working_days(start, later)


@given(days, counts)
def test_going_back_undoes_going_forward_from_a_working_day(start: date, count: int) -> None:
    working_start = add_working_days(start, 1)
    assert add_working_days(add_working_days(working_start, count), -count) == working_start


periods = st.builds(
    Period.month,
    st.integers(min_value=2022, max_value=2029).map(lambda y: f"{y}/{(y + 1) % 100:02d}"),
    st.integers(min_value=1, max_value=12),
)


@given(periods, st.integers(min_value=1, max_value=20))
def test_a_window_opens_after_its_period_and_is_due_on_a_working_day(period: Period, due_working_days: int) -> None:
    window = collection_window(period, due_working_days=due_working_days)
    assert window.opens == period.end_date() + timedelta(days=1)
    assert is_working_day(window.due)
    assert window.opens <= window.due
    assert window.status_of(None, window.due) is WindowStatus.OPEN
    assert window.status_of(None, window.due + timedelta(days=1)) is WindowStatus.OVERDUE
