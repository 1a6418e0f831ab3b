"""The risk register's rules: scores within the council's matrix, review dates by colour and register,
a review's date and the score's trend (seeds 003_2a403038ecab8362.txt and 004_d92670c30a2dff9f.txt)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmf_api.domain import Rag
from pmf_api.domain.risk import (
    STRATEGIC_REVIEW_DAYS,
    ReviewCycle,
    RiskConfig,
    RiskMatrix,
    RiskRegister,
    RiskReminder,
    RiskTrend,
    assess_risk,
    next_risk_review,
    review_date_problems,
    review_overdue,
    risk_review_reminder,
    risk_trend,
    score_problems,
    target_score_problems,
)
from pmf_api.domain.settings import RISK_LIMITS, OrganisationSettings

OPERATIONAL, STRATEGIC = RiskRegister.OPERATIONAL, RiskRegister.STRATEGIC


@pytest.mark.parametrize(
    ("likelihood", "impact", "fields"),
    [
        (1, 1, []),
        (5, 5, []),
        (0, 3, ["residual_likelihood"]),
        (6, 3, ["residual_likelihood"]),
        (3, 0, ["residual_impact"]),
        (3, 6, ["residual_impact"]),
        (9, -1, ["residual_likelihood", "residual_impact"]),
    ],
)
def test_a_score_outside_the_matrix_names_its_field(likelihood: int, impact: int, fields: list[str]) -> None:
    problems = score_problems(likelihood, impact, RiskMatrix(), "residual")
    assert [p.field for p in problems] == fields


def test_a_larger_matrix_takes_larger_scores() -> None:
    matrix = RiskMatrix(max_likelihood=6, max_impact=4)
    assert score_problems(6, 4, matrix, "inherent") == []
    assert [p.field for p in score_problems(6, 5, matrix, "inherent")] == ["inherent_impact"]


@pytest.mark.parametrize(
    ("target", "wrong"),
    [(None, False), (1, False), (25, False), (0, True), (26, True)],
)
def test_target_score_within_the_matrix(target: int | None, wrong: bool) -> None:
    problems = target_score_problems(target, RiskMatrix())
    assert bool(problems) is wrong
    assert all(p.field == "target_score" for p in problems)


@pytest.mark.parametrize(
    ("rag", "register", "reviewed_on", "due"),
    [
        # Seed 004: Red quarterly, Amber half-yearly, Green annually ...
        (Rag.RED, OPERATIONAL, date(2026, 1, 15), date(2026, 4, 15)),
        (Rag.AMBER, OPERATIONAL, date(2026, 1, 15), date(2026, 7, 15)),
        (Rag.GREEN, OPERATIONAL, date(2026, 1, 15), date(2027, 1, 15)),
        (Rag.RED, OPERATIONAL, date(2025, 11, 30), date(2026, 2, 28)),
        # ... and the strategic register every eight weeks whatever the colour
        (Rag.RED, STRATEGIC, date(2026, 1, 15), date(2026, 3, 12)),
        (Rag.GREEN, STRATEGIC, date(2026, 1, 15), date(2026, 3, 12)),
    ],
)
def test_next_review(rag: Rag, register: RiskRegister, reviewed_on: date, due: date) -> None:
    assert next_risk_review(rag, reviewed_on, register) == due


def test_a_council_sets_its_own_cycles() -> None:
    config = RiskConfig(cycle=ReviewCycle(red_months=1), strategic_review_days=28)
    assert next_risk_review(Rag.RED, date(2026, 1, 15), OPERATIONAL, config) == date(2026, 2, 15)
    assert next_risk_review(Rag.AMBER, date(2026, 1, 15), STRATEGIC, config) == date(2026, 2, 12)


@pytest.mark.parametrize(
    ("previous", "score", "trend"),
    [(12, 16, RiskTrend.UP), (16, 12, RiskTrend.DOWN), (9, 9, RiskTrend.UNCHANGED)],
)
def test_trend(previous: int, score: int, trend: RiskTrend) -> None:
    assert risk_trend(previous, score) is trend


AS_OF = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("reviewed_on", "last", "message"),
    [
        (AS_OF, None, None),
        (AS_OF, AS_OF, None),
        (date(2026, 11, 1), date(2026, 10, 1), None),
        (AS_OF + timedelta(days=1), None, "after today"),
        (date(2026, 9, 1), date(2026, 10, 1), "cannot be dated before it"),
    ],
)
def test_review_dates(reviewed_on: date, last: date | None, message: str | None) -> None:
    problems = review_date_problems(reviewed_on, AS_OF, last)
    if message is None:
        assert problems == []
    else:
        assert len(problems) == 1 and message in problems[0].message and problems[0].field == "reviewed_on"


@pytest.mark.parametrize(("due", "overdue"), [(AS_OF - timedelta(days=1), True), (AS_OF, False)])
def test_overdue_once_the_day_has_passed(due: date, overdue: bool) -> None:
    assert review_overdue(due, AS_OF) is overdue


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (None, RiskConfig()),
        ({"risk": "5x5"}, RiskConfig()),
        (
            {"risk": {"max_likelihood": 4, "max_impact": 6, "amber_from": 4, "red_from": 12}},
            RiskConfig(matrix=RiskMatrix(max_likelihood=4, max_impact=6, amber_from=4, red_from=12)),
        ),
        (
            {"risk": {"red_months": 2, "strategic_review_days": 28}},
            RiskConfig(cycle=ReviewCycle(red_months=2), strategic_review_days=28),
        ),
        # Out of range, the wrong type, or Amber above Red: the defaults hold
        ({"risk": {"max_likelihood": 11, "red_months": True, "strategic_review_days": "56"}}, RiskConfig()),
        ({"risk": {"amber_from": 20, "red_from": 10}}, RiskConfig()),
    ],
)
def test_risk_settings(stored: dict[str, Any] | None, expected: RiskConfig) -> None:
    assert OrganisationSettings.parse(stored).risk == expected


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(sorted(RISK_LIMITS)), st.none() | st.booleans() | st.integers(-5, 400)))
def test_whatever_is_stored_gives_a_usable_risk_matrix(section: dict[str, Any]) -> None:
    config = OrganisationSettings.parse({"risk": section}).risk
    assert 1 <= config.matrix.amber_from <= config.matrix.red_from
    assessment = assess_risk(config.matrix.max_likelihood, config.matrix.max_impact, config.matrix)
    assert assessment.score == config.matrix.max_likelihood * config.matrix.max_impact


matrices = st.builds(RiskMatrix, max_likelihood=st.integers(2, 10), max_impact=st.integers(2, 10))


@given(matrices, st.integers(-3, 12), st.integers(-3, 12))
def test_a_score_is_refused_exactly_when_the_matrix_cannot_give_it(
    matrix: RiskMatrix, likelihood: int, impact: int
) -> None:
    problems = score_problems(likelihood, impact, matrix, "inherent")
    fits = 1 <= likelihood <= matrix.max_likelihood and 1 <= impact <= matrix.max_impact
    assert (problems == []) is fits
    if fits:
        assert 1 <= assess_risk(likelihood, impact, matrix).score <= matrix.max_likelihood * matrix.max_impact


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@given(st.sampled_from([Rag.RED, Rag.AMBER, Rag.GREEN]), days)
def test_the_strategic_register_is_reviewed_every_eight_weeks(rag: Rag, reviewed_on: date) -> None:
    assert next_risk_review(rag, reviewed_on, STRATEGIC) - reviewed_on == timedelta(days=STRATEGIC_REVIEW_DAYS)


@given(days)
def test_a_worse_colour_is_never_reviewed_later(reviewed_on: date) -> None:
    red, amber, green = (next_risk_review(rag, reviewed_on, OPERATIONAL) for rag in (Rag.RED, Rag.AMBER, Rag.GREEN))
    assert reviewed_on < red < amber < green


@given(days, days, st.one_of(st.none(), days))
def test_an_accepted_review_date_lies_between_the_last_review_and_today(
    reviewed_on: date, as_of: date, last: date | None
) -> None:
    accepted = review_date_problems(reviewed_on, as_of, last) == []
    assert accepted is (reviewed_on <= as_of and (last is None or last <= reviewed_on))


@given(st.integers(1, 100), st.integers(1, 100))
def test_trend_is_antisymmetric(a: int, b: int) -> None:
    forward, back = risk_trend(a, b), risk_trend(b, a)
    assert (forward is RiskTrend.UNCHANGED) is (back is RiskTrend.UNCHANGED) is (a == b)
    assert {forward, back} <= {RiskTrend.UP, RiskTrend.DOWN} or a == b


@pytest.mark.parametrize(
    ("due", "reminder"),
    [
        (AS_OF - timedelta(days=1), RiskReminder.REVIEW_OVERDUE),
        (AS_OF, RiskReminder.REVIEW_DUE),
        (AS_OF + timedelta(days=14), RiskReminder.REVIEW_DUE),
        (AS_OF + timedelta(days=15), None),
    ],
)
def test_review_reminders(due: date, reminder: RiskReminder | None) -> None:
    assert risk_review_reminder(due, AS_OF) is reminder


@given(days, days)
def test_an_overdue_review_is_always_reminded(due: date, as_of: date) -> None:
    reminder = risk_review_reminder(due, as_of)
    assert (reminder is RiskReminder.REVIEW_OVERDUE) is (due < as_of)
    assert (reminder is None) is (due > as_of + timedelta(days=14))
