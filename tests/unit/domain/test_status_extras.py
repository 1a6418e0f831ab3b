"""Which period a status report shows, and whether its value is in (``pmf_api.domain.reporting``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain import EvaluationConfig, Frequency, Period
from pmf_api.domain.calendar import collection_window
from pmf_api.domain.reporting import (
    ValueState,
    closing_period,
    completeness,
    due_on,
    latest_ended_period,
    missing_from,
    reporting_period,
)
from pmf_api.domain.workflow import SubmissionState


@pytest.mark.parametrize(
    ("as_of", "frequency", "start_month", "expected"),
    [
        (date(2026, 11, 5), Frequency.MONTHLY, 4, "2026/27 P7"),
        (date(2026, 11, 5), Frequency.QUARTERLY, 4, "2026/27 Q2"),
        (date(2026, 11, 5), Frequency.ANNUAL, 4, "2025/26"),
        (date(2026, 4, 1), Frequency.MONTHLY, 4, "2025/26 P12"),  # first day of a year: last year's March
        (date(2026, 4, 1), Frequency.QUARTERLY, 4, "2025/26 Q4"),
        (date(2026, 1, 10), Frequency.MONTHLY, 1, "2025/26 P12"),  # January start: December is P12
    ],
)
def test_latest_ended_period(as_of: date, frequency: Frequency, start_month: int, expected: str) -> None:
    assert str(latest_ended_period(as_of, frequency, start_month)) == expected


@pytest.mark.parametrize(
    ("requested", "frequency", "expected"),
    [
        ("2026/27 P5", Frequency.MONTHLY, "2026/27 P5"),
        ("2026/27 P5", Frequency.QUARTERLY, "2026/27 Q2"),
        ("2026/27 P5", Frequency.ANNUAL, "2026/27"),
        ("2026/27 Q2", Frequency.MONTHLY, "2026/27 P6"),
        ("2026/27 Q2", Frequency.QUARTERLY, "2026/27 Q2"),
        ("2026/27 Q2", Frequency.ANNUAL, "2026/27"),
        ("2026/27", Frequency.MONTHLY, "2026/27 P12"),
        ("2026/27", Frequency.QUARTERLY, "2026/27 Q4"),
        ("2026/27", Frequency.ANNUAL, "2026/27"),
    ],
)
def test_reporting_period(requested: str, frequency: Frequency, expected: str) -> None:
    assert str(reporting_period(Period.parse(requested), frequency)) == expected


@given(
    year=st.integers(2000, 2090),
    frequency=st.sampled_from(list(Frequency)),
    index=st.integers(1, 12),
    target=st.sampled_from(list(Frequency)),
)
def test_reporting_period_overlaps_the_request(year: int, frequency: Frequency, index: int, target: Frequency) -> None:
    requested = Period.parse(f"{year}/{(year + 1) % 100:02d}")
    if frequency is not Frequency.ANNUAL:
        requested = Period(requested.financial_year, frequency, (index - 1) % frequency.periods_per_year + 1)
    reported = reporting_period(requested, target)
    assert reported.frequency is target
    # Both end in the same month, or the reported period contains the request.
    assert reported.first_month_index <= requested.last_month_index <= reported.last_month_index


def test_missing_from_follows_the_configured_days_and_start_month() -> None:
    # A value not in counts as Missing once 15 days after the period ends have passed: from the 16th day.
    assert missing_from(Period.parse("2025/26 P1")) == date(2025, 5, 16)
    config = EvaluationConfig(submission_due_days=20, start_month=1)
    assert missing_from(Period.parse("2025/26 P1"), config) == date(2025, 2, 21)


def test_a_value_is_never_missing_before_it_is_due() -> None:
    """January 2025 ends on Friday 31st; ten working days later is Friday 14 February. A grace of ten
    calendar days would make it Missing from 11 February, while owners still have until the 14th."""
    config = EvaluationConfig(submission_due_days=10, start_month=1)
    assert missing_from(Period.parse("2025/26 P1"), config) == date(2025, 2, 15)
    # March 2026 ends on Tuesday 31st; Good Friday and Easter Monday push the due date to Thursday
    # 16 April, past the default 15-day grace (which would make it Missing on the 16th itself).
    march = Period.parse("2025/26 P12")
    assert due_on(march) == date(2026, 4, 16)
    assert missing_from(march) == date(2026, 4, 17)


@given(
    period=st.builds(
        lambda year, index: Period.parse(f"{year}/{(year + 1) % 100:02d} P{index}"),
        st.integers(2022, 2029),
        st.integers(1, 12),
    ),
    grace=st.integers(0, 40),
    working_days=st.integers(1, 30),
)
def test_missing_comes_after_the_due_date_and_the_grace(period: Period, grace: int, working_days: int) -> None:
    config = EvaluationConfig(submission_due_days=grace, due_working_days=working_days)
    first = missing_from(period, config)
    assert first > due_on(period, config)
    assert first > period.end_date() + timedelta(days=grace)
    assert first in (due_on(period, config) + timedelta(days=1), period.end_date() + timedelta(days=grace + 1))


def test_due_on_is_the_collection_due_date() -> None:
    """The collection due date counts working days (seed 001, E.1), skipping weekends and bank holidays."""
    # April 2025 ends on Wednesday 30 April; 10 working days, skipping the 5 May bank holiday: 15 May.
    assert due_on(Period.parse("2025/26 P1")) == date(2025, 5, 15)
    assert due_on(Period.parse("2025/26 P1"), EvaluationConfig(due_working_days=5)) == date(2025, 5, 8)
    # The same date as the collection window's
    assert due_on(Period.parse("2025/26 P6")) == collection_window(Period.parse("2025/26 P6")).due


P6 = Period.parse("2025/26 P6")  # ends 30 September 2025: collection due 14 October, Missing from 16 October


@pytest.mark.parametrize(
    ("state", "as_of", "submitted", "counted", "missing", "value_state"),
    [
        (None, date(2025, 10, 15), False, False, False, ValueState.NOT_YET_DUE),  # the 15th day: not yet
        (None, date(2025, 10, 16), False, False, True, ValueState.MISSING),
        (SubmissionState.DRAFT, date(2025, 10, 16), False, False, True, ValueState.MISSING),
        (SubmissionState.DRAFT, date(2025, 10, 2), False, False, False, ValueState.NOT_YET_DUE),
        (SubmissionState.SUBMITTED, date(2025, 10, 16), True, False, False, ValueState.AWAITING_VALIDATION),
        (SubmissionState.QUERIED, date(2025, 10, 16), True, False, False, ValueState.AWAITING_VALIDATION),
        (SubmissionState.RESUBMITTED, date(2025, 10, 3), True, False, False, ValueState.AWAITING_VALIDATION),
        (SubmissionState.VALIDATED, date(2025, 10, 16), True, True, False, ValueState.COUNTED),
        (SubmissionState.PUBLISHED, date(2025, 10, 1), True, True, False, ValueState.COUNTED),
    ],
)
def test_completeness(
    state: SubmissionState | None,
    as_of: date,
    submitted: bool,
    counted: bool,
    missing: bool,
    value_state: ValueState,
) -> None:
    result = completeness(P6, state, as_of)
    assert (result.submitted, result.counted, result.missing) == (submitted, counted, missing)
    assert result.value_state is value_state
    assert result.awaiting_validation is (value_state is ValueState.AWAITING_VALIDATION)
    assert (result.due_on, result.missing_from) == (date(2025, 10, 14), date(2025, 10, 16))
    assert result.state is state
    assert result.period == P6


@given(days=st.integers(-40, 40))
def test_missing_only_from_missing_from(days: int) -> None:
    as_of = missing_from(P6) + timedelta(days=days)
    assert completeness(P6, None, as_of).missing is (days >= 0)


@pytest.mark.parametrize(
    ("frequency", "period", "expected"),
    [
        (Frequency.MONTHLY, "2026/27 P6", "2026/27 P6"),
        (Frequency.QUARTERLY, "2026/27 P6", "2026/27 Q2"),
        (Frequency.QUARTERLY, "2026/27 P5", None),
        (Frequency.ANNUAL, "2026/27 P12", "2026/27"),
        (Frequency.ANNUAL, "2026/27 Q3", None),
        (Frequency.ANNUAL, "2026/27 Q4", "2026/27"),
        # A monthly KPI owes nothing "at" a quarter: its months are owed one by one
        (Frequency.MONTHLY, "2026/27 Q2", None),
    ],
)
def test_closing_period(frequency: Frequency, period: str, expected: str | None) -> None:
    closing = closing_period(frequency, Period.parse(period))
    assert (None if closing is None else str(closing)) == expected


@given(st.sampled_from(list(Frequency)), st.integers(1, 12))
def test_a_closing_period_ends_with_the_month_it_closes_at(frequency: Frequency, month: int) -> None:
    period = Period.parse(f"2026/27 P{month}")
    closing = closing_period(frequency, period)
    assert (closing is not None) == (month % frequency.months_per_period == 0)
    if closing is not None:
        assert closing.frequency is frequency and closing.last_month_index == month
