"""Which periods are due a scheduled snapshot on a day (issue 13, item 6): a month's or a quarter's,
10 working days after it ends by default (seed 001_ec6bae7b38cacc6f.txt, C.2: values are due then)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain.periods import Frequency, Period
from pmf_api.domain.report_schedule import due_snapshots, period_containing, snapshot_due_on

Q2 = Period.parse("2025/26 Q2")


@pytest.mark.parametrize(
    ("period", "wait", "due"),
    [
        ("2025/26 Q2", 10, date(2025, 10, 14)),  # ends Tue 30 Sep 2025; 10 working days on
        ("2025/26 P6", 10, date(2025, 10, 14)),  # September ends with the quarter
        ("2025/26 P5", 10, date(2025, 9, 12)),  # August ends on a Sunday
        ("2025/26 P12", 10, date(2026, 4, 16)),  # Good Friday and Easter Monday 2026 are not working days
        ("2025/26 P6", 0, date(2025, 10, 1)),  # no wait: the day after it ends
        ("2025/26 P6", 1, date(2025, 10, 1)),
    ],
)
def test_a_period_is_due_its_snapshot_working_days_after_it_ends(period: str, wait: int, due: date) -> None:
    assert snapshot_due_on(Period.parse(period), wait_working_days=wait) == due


@pytest.mark.parametrize(
    ("day", "frequency", "start_month", "expected"),
    [
        (date(2025, 10, 14), Frequency.MONTHLY, 4, "2025/26 P7"),
        (date(2025, 10, 14), Frequency.QUARTERLY, 4, "2025/26 Q3"),
        (date(2026, 3, 31), Frequency.QUARTERLY, 4, "2025/26 Q4"),
        (date(2026, 4, 1), Frequency.MONTHLY, 4, "2026/27 P1"),
        (date(2026, 4, 1), Frequency.ANNUAL, 4, "2026/27"),
        (date(2025, 10, 14), Frequency.MONTHLY, 1, "2025/26 P10"),  # a council whose year starts in January
    ],
)
def test_the_period_a_day_falls_in(day: date, frequency: Frequency, start_month: int, expected: str) -> None:
    assert str(period_containing(day, frequency, start_month)) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 10, 13), ["2025/26 P5", "2025/26 Q1"]),  # the day before September's and Q2's due day
        (date(2025, 10, 14), ["2025/26 P6", "2025/26 Q2"]),  # their due day
        (date(2026, 1, 5), ["2025/26 P8", "2025/26 Q2"]),  # December and Q3 are still being collected
        (date(2026, 4, 20), ["2025/26 P12", "2025/26 Q4"]),  # across the year's end and Easter
    ],
)
def test_the_latest_month_and_quarter_whose_values_are_in(day: date, expected: list[str]) -> None:
    assert [str(p) for p in due_snapshots(day)] == expected


def test_a_stopped_scheduler_catches_up_with_a_lookback() -> None:
    periods = due_snapshots(date(2025, 10, 14), frequencies=(Frequency.MONTHLY,), lookback=3)
    assert [str(p) for p in periods] == ["2025/26 P6", "2025/26 P5", "2025/26 P4"]


def test_a_year_can_be_scheduled_too() -> None:
    assert [str(p) for p in due_snapshots(date(2026, 4, 20), frequencies=(Frequency.ANNUAL,))] == ["2025/26"]


def test_a_lookback_below_one_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="lookback"):
        due_snapshots(date(2025, 10, 14), lookback=0)


@given(
    day=st.dates(min_value=date(2023, 1, 1), max_value=date(2030, 6, 30)),
    wait=st.integers(min_value=0, max_value=30),
    start_month=st.integers(min_value=1, max_value=12),
)
def test_only_ended_periods_whose_wait_is_over_are_due_and_the_next_is_not(
    day: date, wait: int, start_month: int
) -> None:
    due = due_snapshots(day, start_month=start_month, wait_working_days=wait)
    assert [p.frequency for p in due] == [Frequency.MONTHLY, Frequency.QUARTERLY]
    for period in due:
        assert period.end_date(start_month) < day  # a period that has not ended is never frozen
        assert snapshot_due_on(period, start_month=start_month, wait_working_days=wait) <= day
        assert snapshot_due_on(period.next(), start_month=start_month, wait_working_days=wait) > day
