"""Quarterly action updates (seed 001_ec6bae7b38cacc6f.txt, Corporate Plan Actions): the workflow
(submitted -> accepted, or returned -> resubmitted -> accepted; four-eyes on acceptance), the quarter
an update may be given for, the day its RAG is judged as at, and milestone lateness."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain.action_updates import (
    ACTION_UPDATE_MACHINE,
    ActionUpdateState,
    Milestone,
    MilestoneState,
    action_update_move,
    check_date,
    completed_late,
    is_late,
    late_count,
    quarter_of,
    require_editable,
    require_started,
    stated_milestone_state,
)
from pmf_api.domain.errors import DomainError, FourEyesRefused, InvalidValue, TransitionNotAllowed
from pmf_api.domain.roles import Role
from pmf_api.domain.state_machine import FourEyes

S = ActionUpdateState
TEAM = frozenset({Role.PERFORMANCE})
MANAGER = frozenset({Role.SERVICE_MANAGER})
NOBODY: frozenset[Role] = frozenset()
CHECKER = FourEyes.of("checker", submitted="owner")
OWNER = FourEyes.of("owner", submitted="owner")


@pytest.mark.parametrize(
    ("current", "requested", "roles", "is_owner", "comment", "expected"),
    [
        (S.SUBMITTED, S.ACCEPTED, TEAM, False, None, S.ACCEPTED),
        (S.SUBMITTED, S.RETURNED, TEAM, False, "Say what slipped", S.RETURNED),
        (S.RETURNED, S.RESUBMITTED, NOBODY, True, None, S.RESUBMITTED),
        (S.RETURNED, S.RESUBMITTED, MANAGER, False, None, S.RESUBMITTED),
        (S.RESUBMITTED, S.ACCEPTED, TEAM, False, None, S.ACCEPTED),
        (S.RESUBMITTED, S.RETURNED, TEAM, False, "Still no impact", S.RETURNED),
    ],
)
def test_allowed_moves(
    current: S, requested: S, roles: frozenset[Role], is_owner: bool, comment: str | None, expected: S
) -> None:
    four_eyes = OWNER if requested is S.RESUBMITTED else CHECKER
    move = action_update_move(current, requested, roles, is_owner=is_owner, four_eyes=four_eyes, comment=comment)
    assert move.state is expected and move.note is None


@pytest.mark.parametrize(
    ("current", "requested", "roles", "allowed_roles"),
    [
        (S.SUBMITTED, S.ACCEPTED, MANAGER, ("performance",)),  # not the checker's role
        (S.SUBMITTED, S.RESUBMITTED, TEAM, ()),  # no such move
        (S.ACCEPTED, S.RETURNED, TEAM, ()),  # accepted is final
        (
            S.RETURNED,
            S.RESUBMITTED,
            frozenset({Role.VIEWER}),
            ("director", "owner of the item", "performance", "service_manager"),
        ),
    ],
)
def test_refused_moves(current: S, requested: S, roles: frozenset[Role], allowed_roles: tuple[str, ...]) -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        action_update_move(current, requested, roles, is_owner=False, four_eyes=CHECKER, comment="x")
    assert refused.value.allowed_roles == allowed_roles


def test_returning_needs_a_comment() -> None:
    for comment in (None, "", "   "):
        with pytest.raises(DomainError) as refused:
            action_update_move(S.SUBMITTED, S.RETURNED, TEAM, is_owner=False, four_eyes=CHECKER, comment=comment)
        assert refused.value.field == "comment"


def test_four_eyes_whoever_submitted_does_not_accept() -> None:
    with pytest.raises(FourEyesRefused):
        action_update_move(S.SUBMITTED, S.ACCEPTED, TEAM, is_owner=False, four_eyes=OWNER)
    relaxed = FourEyes.of("owner", relaxed=True, submitted="owner")
    move = action_update_move(S.RESUBMITTED, S.ACCEPTED, TEAM, is_owner=False, four_eyes=relaxed)
    assert move.state is S.ACCEPTED and move.note is not None
    # Returning is not a check of one's own work: the submitter on the team may still return it.
    assert (
        action_update_move(S.SUBMITTED, S.RETURNED, TEAM, is_owner=False, four_eyes=OWNER, comment="x").state
        is S.RETURNED
    )


@given(st.lists(st.sampled_from(list(S)), max_size=8), st.sampled_from(list(S)))
def test_property_accepted_is_final_and_only_the_team_accepts(path: list[S], start: S) -> None:
    """Whatever is asked, an accepted update moves nowhere, and nobody outside the performance team
    (nor the submitter) reaches accepted."""
    state = start
    for requested in path:
        for roles in (MANAGER, TEAM):
            try:
                moved = action_update_move(
                    state, requested, roles, is_owner=roles is MANAGER, four_eyes=CHECKER, comment="more"
                ).state
            except DomainError:
                continue
            assert state is not S.ACCEPTED
            assert moved is not S.ACCEPTED or roles is TEAM
            state = moved
    assert ACTION_UPDATE_MACHINE.allowed(S.ACCEPTED, TEAM | MANAGER, is_owner=True) == ()


def test_only_an_accepted_update_is_frozen() -> None:
    for state in (S.SUBMITTED, S.RETURNED, S.RESUBMITTED):
        require_editable(state)
    with pytest.raises(TransitionNotAllowed) as refused:
        require_editable(S.ACCEPTED)
    assert refused.value.allowed_roles == () and refused.value.field is None


@pytest.mark.parametrize(
    ("year", "quarter", "as_of", "started"),
    [
        ("2026/27", 1, date(2026, 4, 1), True),
        ("2026/27", 1, date(2026, 3, 31), False),
        ("2026/27", 3, date(2026, 11, 30), True),
        ("2026/27", 4, date(2026, 12, 31), False),
        ("2026/27", 4, date(2027, 1, 1), True),
    ],
)
def test_a_quarter_must_have_started(year: str, quarter: int, as_of: date, started: bool) -> None:
    period = quarter_of(year, quarter)
    if started:
        require_started(period, as_of)
    else:
        with pytest.raises(InvalidValue) as refused:
            require_started(period, as_of)
        assert refused.value.field == "quarter"


@pytest.mark.parametrize("quarter", [0, 5, -1])
def test_a_quarter_is_one_to_four(quarter: int) -> None:
    with pytest.raises(InvalidValue) as refused:
        quarter_of("2026/27", quarter)
    assert refused.value.field == "quarter"


@pytest.mark.parametrize(
    ("quarter", "as_of", "expected"),
    [
        (2, date(2026, 11, 30), date(2026, 9, 30)),  # an ended quarter: its end
        (3, date(2026, 11, 30), date(2026, 11, 30)),  # a running one: today
        (4, date(2027, 3, 31), date(2027, 3, 31)),
    ],
)
def test_check_date(quarter: int, as_of: date, expected: date) -> None:
    assert check_date(quarter_of("2026/27", quarter), as_of) == expected


@given(st.integers(1, 4), st.dates(date(2020, 1, 1), date(2035, 1, 1)))
def test_property_check_date_is_in_the_quarter_once_started(quarter: int, as_of: date) -> None:
    period = quarter_of("2026/27", quarter)
    day = check_date(period, as_of)
    assert day <= as_of and day <= period.end_date()
    if as_of >= period.start_date():
        assert period.contains(day)


M = MilestoneState
DUE = date(2026, 9, 30)


@pytest.mark.parametrize(
    ("state", "completed_on", "as_of", "late", "was_late"),
    [
        (M.NOT_STARTED, None, date(2026, 9, 30), False, False),  # due today: not late yet
        (M.NOT_STARTED, None, date(2026, 10, 1), True, False),
        (M.IN_PROGRESS, None, date(2026, 10, 1), True, False),
        (M.IN_PROGRESS, None, date(2026, 9, 1), False, False),
        (M.COMPLETED, date(2026, 9, 12), date(2027, 1, 1), False, False),
        (M.COMPLETED, date(2026, 10, 12), date(2027, 1, 1), False, True),
    ],
)
def test_milestone_lateness(state: M, completed_on: date | None, as_of: date, late: bool, was_late: bool) -> None:
    milestone = Milestone("Caddies delivered", DUE, state, completed_on)
    assert is_late(milestone, as_of) is late
    assert completed_late(milestone) is was_late


def test_a_milestone_is_completed_exactly_when_it_has_a_date() -> None:
    with pytest.raises(InvalidValue) as undated:
        Milestone("x", DUE, M.COMPLETED)
    assert undated.value.field == "completed_on"
    with pytest.raises(InvalidValue) as dated:
        Milestone("x", DUE, M.IN_PROGRESS, DUE)
    assert dated.value.field == "state"


@pytest.mark.parametrize(
    ("state", "completed_on", "expected"),
    [
        (None, None, M.NOT_STARTED),
        (None, DUE, M.COMPLETED),
        ("in_progress", None, M.IN_PROGRESS),
    ],
)
def test_stated_state_defaults_from_the_completion_date(
    state: str | None, completed_on: date | None, expected: M
) -> None:
    assert stated_milestone_state(state, completed_on) is expected


@given(
    st.lists(
        st.tuples(
            st.dates(date(2025, 1, 1), date(2028, 1, 1)), st.sampled_from([M.NOT_STARTED, M.IN_PROGRESS, M.COMPLETED])
        ),
        max_size=10,
    ),
    st.dates(date(2025, 1, 1), date(2028, 1, 1)),
)
def test_property_late_milestones(dues: list[tuple[date, M]], as_of: date) -> None:
    """A completed milestone is never late; an outstanding one is late exactly when its due date has
    passed, and stays late as time goes on."""
    milestones = tuple(
        Milestone(f"m{i}", due, state, due if state is M.COMPLETED else None) for i, (due, state) in enumerate(dues)
    )
    for milestone in milestones:
        assert is_late(milestone, as_of) == (milestone.state is not M.COMPLETED and milestone.due_date < as_of)
        if is_late(milestone, as_of):
            assert is_late(milestone, as_of + timedelta(days=1))
    assert late_count(milestones, as_of) == sum(is_late(m, as_of) for m in milestones)
