"""Contextual measures' values (seed 000_a1d4643dc9bd64fe.txt, seed 001_ec6bae7b38cacc6f.txt) and
individual objectives (seeds 002_100bfcfd0ab8e4e8.txt, 003_2a403038ecab8362.txt,
004_d92670c30a2dff9f.txt): table tests and properties."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain import Frequency, Period
from pmf_api.domain.contextual import comparison_periods, contextual_direction, value_problems
from pmf_api.domain.direction import Direction
from pmf_api.domain.kpi import Polarity
from pmf_api.domain.objectives import ReviewStage, ReviewState, link_problems, review_problems, reviews_due

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("period", "frequency", "published_on", "fields"),
    [
        ("2025/26", Frequency.ANNUAL, date(2026, 6, 26), []),
        ("2026/27", Frequency.ANNUAL, date(2026, 6, 26), ["period"]),  # ends 31 March 2027
        ("2025/26 Q1", Frequency.ANNUAL, date(2026, 6, 26), ["period"]),  # another frequency
        ("2025/26", Frequency.ANNUAL, date(2026, 12, 1), ["published_on"]),
        ("2026/27", Frequency.ANNUAL, date(2027, 1, 1), ["period", "published_on"]),
        ("2026/27 Q2", Frequency.QUARTERLY, TODAY, []),  # ended 30 September 2026
        ("2026/27 P8", Frequency.MONTHLY, TODAY, ["period"]),  # November ends today: not yet ended
    ],
)
def test_value_problems(period: str, frequency: Frequency, published_on: date, fields: list[str]) -> None:
    problems = value_problems(Period.parse(period), published_on, frequency=frequency, as_of=TODAY, start_month=4)
    assert [p.field for p in problems] == fields


def test_a_calendar_year_measure_uses_the_organisations_start_month() -> None:
    # With a January start, "2025/26" is the calendar year 2025, ended by 30 November 2026.
    year, published = Period.parse("2025/26"), date(2025, 6, 1)
    assert value_problems(year, published, frequency=Frequency.ANNUAL, as_of=date(2025, 12, 31), start_month=1) != []
    assert value_problems(year, published, frequency=Frequency.ANNUAL, as_of=date(2026, 1, 1), start_month=1) == []


@pytest.mark.parametrize(
    ("period", "previous", "last_year"),
    [
        ("2025/26", "2024/25", "2024/25"),
        ("2025/26 Q1", "2024/25 Q4", "2024/25 Q1"),
        ("2025/26 P3", "2025/26 P2", "2024/25 P3"),
        ("1900/01", None, None),  # nothing before the first year periods can name
    ],
)
def test_comparison_periods(period: str, previous: str | None, last_year: str | None) -> None:
    compared = comparison_periods(Period.parse(period))
    assert (str(compared.previous) if compared.previous else None) == previous
    assert (str(compared.last_year) if compared.last_year else None) == last_year


@pytest.mark.parametrize(
    ("current", "previous", "last_year", "preferred", "expected"),
    [
        ("62.5", "61.2", "61.2", Polarity.HIGHER_IS_BETTER, (Direction.IMPROVING, Direction.IMPROVING)),
        ("62.5", "61.2", "63", Polarity.HIGHER_IS_BETTER, (Direction.IMPROVING, Direction.WORSENING)),
        ("130", "120", None, Polarity.LOWER_IS_BETTER, (Direction.WORSENING, Direction.NOT_COMPARABLE)),
        ("61.24", "61.2", None, Polarity.HIGHER_IS_BETTER, (Direction.UNCHANGED, Direction.NOT_COMPARABLE)),
        ("1", None, None, Polarity.HIGHER_IS_BETTER, (Direction.NOT_COMPARABLE, Direction.NOT_COMPARABLE)),
    ],
)
def test_contextual_direction(
    current: str, previous: str | None, last_year: str | None, preferred: Polarity, expected: tuple[Direction, ...]
) -> None:
    travel = contextual_direction(
        Decimal(current),
        Decimal(previous) if previous else None,
        Decimal(last_year) if last_year else None,
        preferred=preferred,
        decimal_places=1,
    )
    assert (travel.against_previous, travel.against_last_year) == expected


numbers = st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False, allow_infinity=False)


@given(numbers, numbers)
def test_the_two_preferred_directions_judge_a_change_oppositely(current: Decimal, previous: Decimal) -> None:
    up = contextual_direction(current, previous, None, preferred=Polarity.HIGHER_IS_BETTER, decimal_places=2)
    down = contextual_direction(current, previous, None, preferred=Polarity.LOWER_IS_BETTER, decimal_places=2)
    opposite = {
        Direction.IMPROVING: Direction.WORSENING,
        Direction.WORSENING: Direction.IMPROVING,
        Direction.UNCHANGED: Direction.UNCHANGED,
    }
    assert down.against_previous is opposite[up.against_previous]
    assert up.against_last_year is Direction.NOT_COMPARABLE


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(min_value=-400, max_value=400))
def test_a_value_is_refused_exactly_when_its_period_has_not_ended_or_its_publication_is_to_come(
    as_of: date, days: int
) -> None:
    year = Period.parse("2040/41")
    published = as_of + timedelta(days=days)
    fields = [p.field for p in value_problems(year, published, frequency=Frequency.ANNUAL, as_of=as_of, start_month=4)]
    assert ("period" in fields) == (year.end_date(4) >= as_of)
    assert ("published_on" in fields) == (days > 0)


@pytest.mark.parametrize(
    ("action_id", "outcome_id", "refused"),
    [("a", None, False), (None, "o", False), ("a", "o", True), (None, None, True)],
)
def test_an_objective_links_to_exactly_one_thing(action_id: str | None, outcome_id: str | None, refused: bool) -> None:
    problems = link_problems(action_id, outcome_id)
    assert bool(problems) is refused
    assert all(p.field == "action_id" for p in problems)


@pytest.mark.parametrize(
    ("state", "reviewed_on", "fragment"),
    [
        (ReviewState.NOT_DUE, None, None),
        (ReviewState.NOT_DUE, date(2090, 1, 1), None),  # nothing said: no date to check
        (ReviewState.ON_TRACK, TODAY, None),
        (ReviewState.AT_RISK, None, "needs its date"),
        (ReviewState.ACHIEVED, TODAY + timedelta(days=1), "in the future"),
    ],
)
def test_review_problems(state: ReviewState, reviewed_on: date | None, fragment: str | None) -> None:
    problems = review_problems(ReviewStage.MID_YEAR, state, reviewed_on, TODAY)
    if fragment is None:
        assert problems == []
    else:
        [problem] = problems
        assert fragment in problem.message and problem.field == "reviewed_on"


@given(st.sampled_from(list(ReviewStage)), st.sampled_from(list(ReviewState)), st.integers(-1000, 1000))
def test_a_dated_review_is_refused_only_when_dated_ahead(stage: ReviewStage, state: ReviewState, days: int) -> None:
    problems = review_problems(stage, state, TODAY + timedelta(days=days), TODAY)
    assert bool(problems) == (state is not ReviewState.NOT_DUE and days > 0)


@given(st.sampled_from(list(ReviewStage)), st.sampled_from(list(ReviewState)), st.integers(-1000, 0))
def test_a_review_is_refused_before_the_objectives_year_starts(
    stage: ReviewStage, state: ReviewState, days: int
) -> None:
    year_starts = TODAY - timedelta(days=200)
    problems = review_problems(stage, state, TODAY + timedelta(days=days), TODAY, year_starts=year_starts)
    assert bool(problems) == (state is not ReviewState.NOT_DUE and TODAY + timedelta(days=days) < year_starts)
    assert all("before the objective's year starts" in p.message and p.field == "reviewed_on" for p in problems)


@pytest.mark.parametrize(
    ("as_of", "mid_year", "year_end", "due"),
    [
        (date(2025, 9, 30), ReviewState.NOT_DUE, ReviewState.NOT_DUE, []),  # first half
        (date(2025, 10, 1), ReviewState.NOT_DUE, ReviewState.NOT_DUE, [ReviewStage.MID_YEAR]),
        (date(2026, 3, 31), ReviewState.NOT_DUE, ReviewState.NOT_DUE, [ReviewStage.MID_YEAR]),
        (date(2026, 3, 31), ReviewState.ON_TRACK, ReviewState.NOT_DUE, []),
        (date(2026, 4, 1), ReviewState.ON_TRACK, ReviewState.NOT_DUE, [ReviewStage.YEAR_END]),
        (date(2026, 4, 1), ReviewState.NOT_DUE, ReviewState.ACHIEVED, []),  # a missed mid-year is past
        (date(2026, 7, 1), ReviewState.ON_TRACK, ReviewState.NOT_DUE, [ReviewStage.YEAR_END]),  # day 92
        (date(2026, 7, 2), ReviewState.ON_TRACK, ReviewState.NOT_DUE, []),  # no longer chased
    ],
)
def test_reviews_due(as_of: date, mid_year: ReviewState, year_end: ReviewState, due: list[ReviewStage]) -> None:
    year = Period.parse("2025/26").financial_year
    assert reviews_due(year, mid_year, year_end, as_of=as_of, start_month=4) == due


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(min_value=1, max_value=12))
def test_reviews_are_due_only_in_their_season_and_never_once_said(as_of: date, start_month: int) -> None:
    year = Period.parse("2040/41").financial_year
    assert reviews_due(year, ReviewState.AT_RISK, ReviewState.ACHIEVED, as_of=as_of, start_month=start_month) == []
    due = reviews_due(year, ReviewState.NOT_DUE, ReviewState.NOT_DUE, as_of=as_of, start_month=start_month)
    assert len(due) <= 1  # the mid-year review is owed within the year, the year-end one after it
    if due:
        assert year.start_date(start_month) < as_of
