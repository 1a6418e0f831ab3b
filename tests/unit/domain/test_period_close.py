"""Period close (issue 13, item 2): tables of which KPI periods a closed period locks, who may still
write to them, and properties of the lock."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain.period_close import (
    MISSING,
    close_problems,
    covering,
    lies_within,
    lock_refusal,
    locked_message,
    periods_of_frequency_within,
    periods_within,
    restatement_reason,
    state_label,
    unvalidated,
)
from pmf_api.domain.periods import FinancialYear, Frequency, Period
from pmf_api.domain.workflow import SubmissionState

P = Period.parse


@pytest.mark.parametrize(
    ("period", "closed", "within"),
    [
        ("2026/27 P4", "2026/27 Q2", True),
        ("2026/27 P6", "2026/27 Q2", True),
        ("2026/27 Q2", "2026/27 Q2", True),
        ("2026/27 P3", "2026/27 Q2", False),
        ("2026/27 P7", "2026/27 Q2", False),
        ("2026/27", "2026/27 Q2", False),  # the year is longer than its quarter
        ("2026/27 Q2", "2026/27 P5", False),  # a quarter does not lie within its month
        ("2026/27 P5", "2026/27 P5", True),
        ("2025/26 P5", "2026/27 Q2", False),  # the same months of another year
        ("2026/27 Q4", "2026/27", True),
    ],
)
def test_which_periods_lie_within_a_closed_one(period: str, closed: str, within: bool) -> None:
    assert lies_within(P(period), P(closed)) is within


def test_closing_a_quarter_locks_its_months_and_itself() -> None:
    assert [str(p) for p in periods_within(P("2026/27 Q2"))] == ["2026/27 P4", "2026/27 P5", "2026/27 P6", "2026/27 Q2"]
    assert periods_of_frequency_within(P("2026/27 Q2"), Frequency.MONTHLY) == (
        P("2026/27 P4"),
        P("2026/27 P5"),
        P("2026/27 P6"),
    )
    assert periods_of_frequency_within(P("2026/27 Q2"), Frequency.ANNUAL) == ()
    assert periods_within(P("2026/27 P5")) == (P("2026/27 P5"),)
    assert len(periods_within(P("2026/27"))) == 17


def test_covering_gives_the_longest_closed_period() -> None:
    assert covering(P("2026/27 P5"), [P("2026/27 P5"), P("2026/27 Q2")]) == P("2026/27 Q2")
    assert covering(P("2026/27 P5"), [P("2026/27 Q1")]) is None
    assert covering(P("2026/27 P5"), []) is None


@pytest.mark.parametrize(
    ("as_of", "refused"),
    [(date(2026, 9, 30), True), (date(2026, 9, 1), True), (date(2026, 10, 1), False)],
)
def test_a_period_is_closed_once_it_has_ended(as_of: date, refused: bool) -> None:
    problems = close_problems(P("2026/27 Q2"), as_of)
    assert bool(problems) is refused
    if refused:
        assert problems[0].field == "period"
        assert "has not ended" in problems[0].message


def test_the_financial_year_start_month_moves_the_end() -> None:
    # With a January start, 2026/27 Q2 is April to June 2026.
    assert close_problems(P("2026/27 Q2"), date(2026, 7, 1), start_month=1) == []


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (None, True),
        (SubmissionState.DRAFT, True),
        (SubmissionState.SUBMITTED, True),
        (SubmissionState.QUERIED, True),
        (SubmissionState.RESUBMITTED, True),
        (SubmissionState.VALIDATED, False),
        (SubmissionState.PUBLISHED, False),
    ],
)
def test_what_is_unvalidated(state: SubmissionState | None, expected: bool) -> None:
    assert unvalidated(state) is expected


def test_state_labels() -> None:
    assert state_label(None) == MISSING
    assert state_label(SubmissionState.QUERIED) == "queried"


Q2 = [P("2026/27 Q2")]


@pytest.mark.parametrize(
    ("period", "closed", "performance_team", "published", "revising", "refused_by"),
    [
        ("2026/27 P7", Q2, False, False, False, None),  # not closed: anyone as the workflow allows
        ("2026/27 P5", Q2, False, False, False, "2026/27 Q2"),  # the owner editing a closed month
        ("2026/27 P5", Q2, False, True, True, "2026/27 Q2"),  # the owner revising: still refused
        ("2026/27 P5", Q2, True, False, False, None),  # the performance team on an unpublished value
        ("2026/27 P5", Q2, True, True, False, "2026/27 Q2"),  # a published value, not as a revision
        ("2026/27 P5", Q2, True, True, True, None),  # the performance team revising, with its reason
    ],
)
def test_who_may_write_to_a_closed_period(
    period: str,
    closed: list[Period],
    performance_team: bool,
    published: bool,
    revising: bool,
    refused_by: str | None,
) -> None:
    refusal = lock_refusal(P(period), closed, performance_team=performance_team, published=published, revising=revising)
    assert refusal == (None if refused_by is None else P(refused_by))


def test_the_refusal_says_what_is_closed_and_who_may_revise() -> None:
    own = locked_message("PI-01", P("2026/27 Q2"), P("2026/27 Q2"))
    assert "2026/27 Q2 is closed" in own and "performance team" in own and "reason" in own
    within = locked_message("PI-01", P("2026/27 P5"), P("2026/27 Q2"))
    assert "lies within 2026/27 Q2, which is closed" in within


@pytest.mark.parametrize(
    ("revision_reason", "close_reason", "expected"),
    [
        ("Source corrected ", "Closed late", "Source corrected"),
        (None, "Closed with P6 outstanding", "Closed with P6 outstanding"),
        ("  ", None, "Published after 2026/27 Q2 was closed"),
        (None, None, "Published after 2026/27 Q2 was closed"),
    ],
)
def test_a_restatements_reason(revision_reason: str | None, close_reason: str | None, expected: str) -> None:
    assert restatement_reason(revision_reason, close_reason, P("2026/27 Q2")) == expected


_periods = st.builds(
    lambda year, frequency, index: Period(FinancialYear(year), frequency, index % frequency.periods_per_year + 1),
    st.integers(2020, 2030),
    st.sampled_from(list(Frequency)),
    st.integers(0, 11),
)


@given(_periods, st.lists(_periods, max_size=4), st.booleans(), st.booleans(), st.booleans())
def test_the_lock_refuses_only_inside_a_closed_period_and_never_a_revision_by_the_performance_team(
    period: Period, closed: list[Period], performance_team: bool, published: bool, revising: bool
) -> None:
    refusal = lock_refusal(period, closed, performance_team=performance_team, published=published, revising=revising)
    if refusal is not None:
        assert refusal in closed and lies_within(period, refusal)
        assert set(period.months()) <= set(refusal.months())
    if not any(lies_within(period, each) for each in closed):
        assert refusal is None
    if performance_team and revising:
        assert refusal is None
    # Whatever lies within a closed period is among the periods it lists.
    for each in closed:
        assert lies_within(period, each) is (period in periods_within(each))
