"""Service plans' review steps and versions (seed 001_ec6bae7b38cacc6f.txt, Appendix D): worked cases and
properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain.errors import DomainError, InvalidValue, TransitionNotAllowed
from pmf_api.domain.roles import Role
from pmf_api.domain.service_plans import (
    FROZEN_STATES,
    Decision,
    Review,
    ReviewStep,
    Version,
    next_version,
    require_editable,
    review_of,
    superseded_by_approval,
)
from pmf_api.domain.workflow import SERVICE_PLAN_MACHINE, ServicePlanState, service_plan_transition

D = ServicePlanState.DRAFT
Q = ServicePlanState.QUALITY_REVIEW
G = ServicePlanState.STRATEGIC_REVIEW
A = ServicePlanState.APPROVED
P = ServicePlanState.PUBLISHED
X = ServicePlanState.SUPERSEDED
ALL_ROLES = frozenset(Role)


@pytest.mark.parametrize(
    ("current", "to", "comment", "expected"),
    [
        # Forward: the step decided and how
        (D, Q, None, Review(ReviewStep.SUBMISSION, Decision.SUBMITTED)),
        (Q, G, None, Review(ReviewStep.QUALITY_REVIEW, Decision.PASSED)),
        (Q, G, "Well evidenced", Review(ReviewStep.QUALITY_REVIEW, Decision.PASSED)),
        (G, A, None, Review(ReviewStep.STRATEGIC_REVIEW, Decision.APPROVED)),
        (A, P, None, Review(ReviewStep.PUBLICATION, Decision.PUBLISHED)),
        # Back, with a comment saying why
        (Q, D, "Add the fleet project", Review(ReviewStep.QUALITY_REVIEW, Decision.SENT_BACK)),
        (G, Q, "Check the budget figures", Review(ReviewStep.STRATEGIC_REVIEW, Decision.SENT_BACK)),
        (G, D, "Too little ambition", Review(ReviewStep.STRATEGIC_REVIEW, Decision.SENT_BACK)),
        # Back without a comment: refused on the comment
        (Q, D, None, "comment"),
        (G, Q, "   ", "comment"),
        (G, D, "", "comment"),
        # Not a review move at all
        (P, D, "x", "move"),
        (X, A, "x", "move"),
        (G, X, "x", "move"),
        (D, D, "x", "move"),
    ],
)
def test_review_of_a_move(
    current: ServicePlanState, to: ServicePlanState, comment: str | None, expected: object
) -> None:
    if isinstance(expected, Review):
        assert review_of(current, to, comment) == expected
    elif expected == "comment":
        with pytest.raises(InvalidValue, match="needs a comment") as raised:
            review_of(current, to, comment)
        assert raised.value.field == "comment"
    else:
        with pytest.raises(TransitionNotAllowed, match="not reviewed"):
            review_of(current, to, comment)


@pytest.mark.parametrize(
    ("state", "says"),
    [
        (D, None),
        (Q, None),
        (G, None),
        (A, "start a new version"),
        (P, "start a new version"),
        (X, "version in force"),
    ],
)
def test_an_approved_plan_is_frozen(state: ServicePlanState, says: str | None) -> None:
    if says is None:
        require_editable(state, 1)
        return
    with pytest.raises(TransitionNotAllowed, match=says) as raised:
        require_editable(state, 2)
    assert raised.value.allowed_roles == ()  # a 409, not a 403
    assert "Version 2" in raised.value.message


@pytest.mark.parametrize(
    ("versions", "source", "expected"),
    [
        ([Version(1, A)], 1, 2),
        ([Version(1, P)], 1, 2),
        ([Version(1, X), Version(2, P)], 2, 3),
        ([Version(2, A), Version(1, X)], 2, 3),
        # Only from the version in force
        ([Version(1, X), Version(2, A)], 1, "superseded"),
        # Not while another version is being written or reviewed
        ([Version(1, A), Version(2, D)], 1, "still draft"),
        ([Version(1, P), Version(2, G)], 1, "still strategic_review"),
        ([Version(1, D)], 1, "still draft"),
        # No such version
        ([Version(1, A)], 3, "no version 3"),
        ([], 1, "no version 1"),
    ],
)
def test_next_version(versions: list[Version], source: int, expected: object) -> None:
    if isinstance(expected, int):
        assert next_version(versions, source) == expected
        return
    error = TransitionNotAllowed if "no version" not in str(expected) else DomainError
    with pytest.raises(error, match=str(expected)):
        next_version(versions, source)


@pytest.mark.parametrize(
    ("versions", "approved", "superseded"),
    [
        ([Version(1, A)], 1, []),
        ([Version(1, A), Version(2, A)], 2, [1]),
        ([Version(1, X), Version(2, P), Version(3, A)], 3, [2]),
        ([Version(1, D)], 1, []),
    ],
)
def test_approval_supersedes_the_version_in_force(
    versions: list[Version], approved: int, superseded: list[int]
) -> None:
    assert superseded_by_approval(versions, approved) == superseded


states = st.sampled_from(list(ServicePlanState))


@given(current=states, to=states, comment=st.one_of(st.none(), st.text(max_size=5)))
def test_every_move_the_workflow_allows_is_a_review(
    current: ServicePlanState, to: ServicePlanState, comment: str | None
) -> None:
    """Every move the machine allows records a review; a move back is refused only for want of a comment."""
    try:
        service_plan_transition(current, to, ALL_ROLES)
    except TransitionNotAllowed:
        return
    back = list(ServicePlanState).index(to) < list(ServicePlanState).index(current)
    if back and not (comment or "").strip():
        with pytest.raises(InvalidValue):
            review_of(current, to, comment)
        return
    review = review_of(current, to, comment)
    assert (review.decision is Decision.SENT_BACK) == back
    assert to not in FROZEN_STATES or not back


@given(st.lists(st.sampled_from(list(ServicePlanState)), min_size=1, max_size=8))
def test_a_new_version_is_numbered_after_every_other(states_: list[ServicePlanState]) -> None:
    versions = [Version(number, state) for number, state in enumerate(states_, start=1)]
    for version in versions:
        try:
            number = next_version(versions, version.number)
        except TransitionNotAllowed:
            continue
        assert number == len(versions) + 1
        assert version.state in FROZEN_STATES - {X}
        assert all(v.state in FROZEN_STATES for v in versions)


def test_superseded_is_no_step_of_the_machine() -> None:
    assert X not in SERVICE_PLAN_MACHINE.allowed(G, ALL_ROLES)
    assert SERVICE_PLAN_MACHINE.allowed(X, ALL_ROLES) == ()
