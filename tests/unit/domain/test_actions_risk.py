from __future__ import annotations

from datetime import date

import pytest

from pmf_api.domain import (
    ActionStatus,
    ActionUpdate,
    InvalidValue,
    Rag,
    RiskMatrix,
    assess_risk,
    check_action_rag,
    next_review_date,
)
from pmf_api.domain.actions import expected_progress, schedule_problems
from pmf_api.domain.plans import MAX_PLAN_SPAN_YEARS, plan_span_problems
from pmf_api.domain.risk import add_months
from tests.unit.domain.builders import d

START, DUE = date(2025, 4, 1), date(2026, 3, 31)


@pytest.mark.parametrize(
    ("status", "progress", "as_of", "suggested", "fragment"),
    [
        (ActionStatus.COMPLETED, None, date(2026, 6, 1), Rag.GREEN, "completed"),
        # A cancelled action is past judging, even after its due date: its own RAG stands
        (ActionStatus.CANCELLED, None, date(2026, 6, 1), Rag.GREEN, "cancelled"),
        (ActionStatus.IN_PROGRESS, "90", date(2026, 4, 1), Rag.RED, "was due on 31 March 2026"),
        (ActionStatus.ON_HOLD, "50", date(2025, 10, 1), Rag.AMBER, "on hold"),
        (ActionStatus.NOT_STARTED, None, date(2025, 5, 1), Rag.AMBER, "should have started"),
        (ActionStatus.NOT_STARTED, None, date(2025, 4, 1), Rag.GREEN, "not due to start"),
        (ActionStatus.IN_PROGRESS, "50", date(2025, 9, 30), Rag.GREEN, "on track"),
        (ActionStatus.IN_PROGRESS, "30", date(2025, 9, 30), Rag.AMBER, "10 or more points behind"),
        (ActionStatus.IN_PROGRESS, "10", date(2025, 9, 30), Rag.RED, "25 or more points behind"),
    ],
)
def test_action_rag(status: ActionStatus, progress: str | None, as_of: date, suggested: Rag, fragment: str) -> None:
    update = ActionUpdate(status, Rag.GREEN, START, DUE, None if progress is None else d(progress))
    check = check_action_rag(update, as_of)
    assert check.suggested is suggested
    assert check.consistent is (suggested is Rag.GREEN)
    assert fragment in check.reason


def test_action_without_progress_keeps_its_rag() -> None:
    check = check_action_rag(ActionUpdate(ActionStatus.IN_PROGRESS, Rag.AMBER, START, DUE), date(2025, 6, 1))
    assert check.consistent and check.suggested is Rag.AMBER


def test_expected_progress_and_invalid_updates() -> None:
    update = ActionUpdate(ActionStatus.IN_PROGRESS, Rag.GREEN, START, DUE)
    assert expected_progress(update, date(2025, 1, 1)) == 0
    assert expected_progress(update, date(2027, 1, 1)) == 100
    with pytest.raises(InvalidValue):
        ActionUpdate(ActionStatus.IN_PROGRESS, Rag.GREEN, DUE, START)
    with pytest.raises(InvalidValue):
        ActionUpdate(ActionStatus.IN_PROGRESS, Rag.GREEN, START, DUE, d(101))


@pytest.mark.parametrize(
    ("start", "due", "problem"),
    [
        (START, DUE, None),
        (START, START, None),
        (None, DUE, None),
        (START, None, None),
        (DUE, START, "The action is due (2025-04-01) before it starts (2026-03-31)."),
    ],
)
def test_an_action_is_not_due_before_it_starts(start: date | None, due: date | None, problem: str | None) -> None:
    found = schedule_problems(start, due)
    assert [p.message for p in found] == ([problem] if problem else [])
    assert all(p.field == "due_date" for p in found)


@pytest.mark.parametrize(
    ("start", "end", "fragment"),
    [
        (2023, 2028, None),
        (2026, 2026, None),
        (2026, 2026 + MAX_PLAN_SPAN_YEARS, None),
        (2026, 2025, "ends (2025) before it starts (2026)"),
        (2026, 2027 + MAX_PLAN_SPAN_YEARS, "spans at most 10 years; this one spans 11"),
    ],
)
def test_a_plan_spans_a_plausible_number_of_years(start: int, end: int, fragment: str | None) -> None:
    found = plan_span_problems(start, end)
    assert len(found) == (fragment is not None)
    if fragment:
        assert fragment in found[0].message and found[0].field == "end_year"


@pytest.mark.parametrize(
    ("likelihood", "impact", "score", "rag"),
    [
        (1, 1, 1, Rag.GREEN),
        (2, 2, 4, Rag.GREEN),
        (1, 5, 5, Rag.AMBER),
        (3, 4, 12, Rag.AMBER),
        (3, 5, 15, Rag.RED),
        (5, 5, 25, Rag.RED),
    ],
)
def test_risk_scores(likelihood: int, impact: int, score: int, rag: Rag) -> None:
    assessment = assess_risk(likelihood, impact)
    assert (assessment.score, assessment.rag) == (score, rag)


def test_risk_matrix_cells_and_errors() -> None:
    matrix = RiskMatrix(cells={(1, 5): Rag.RED})
    assert assess_risk(1, 5, matrix).rag is Rag.RED
    for likelihood, impact in ((0, 1), (1, 6)):
        with pytest.raises(InvalidValue):
            assess_risk(likelihood, impact)
    with pytest.raises(InvalidValue):
        RiskMatrix(amber_from=10, red_from=5)


@pytest.mark.parametrize(
    ("rag", "last", "expected"),
    [
        (Rag.RED, date(2025, 11, 30), date(2026, 2, 28)),
        (Rag.AMBER, date(2023, 8, 31), date(2024, 2, 29)),  # leap year
        (Rag.GREEN, date(2024, 2, 29), date(2025, 2, 28)),
    ],
)
def test_next_review_date(rag: Rag, last: date, expected: date) -> None:
    assert next_review_date(rag, last) == expected


def test_review_date_needs_a_colour() -> None:
    with pytest.raises(InvalidValue):
        next_review_date(Rag.MISSING, date(2025, 1, 1))
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)
