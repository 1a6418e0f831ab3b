from __future__ import annotations

import pytest

from pmf_api.domain import (
    DomainError,
    InterventionState,
    Role,
    ServicePlanState,
    SubmissionState,
    TargetState,
    TransitionNotAllowed,
    allowed_intervention_transitions,
    allowed_service_plan_transitions,
    allowed_submission_transitions,
    allowed_target_transitions,
    intervention_transition,
    service_plan_transition,
    start_submission_revision,
    submission_transition,
    target_transition,
)
from pmf_api.domain.workflow import (
    EDITABLE_SUBMISSION_STATES,
    SUBMISSION_MACHINE,
    TARGET_MACHINE,
    may_enter_values,
    submitted_state,
)

S = SubmissionState
PERFORMANCE = {Role.PERFORMANCE}


def test_role_values() -> None:
    assert {role.value for role in Role} == {
        "performance",
        "director",
        "portfolio_holder",
        "service_manager",
        "kpi_owner",
        "viewer",
        "auditor",
    }


def test_submission_happy_path_with_query_loop() -> None:
    state = submission_transition(S.DRAFT, S.SUBMITTED, {Role.KPI_OWNER}, is_owner=True)
    for following, roles, owner in [
        (S.QUERIED, PERFORMANCE, False),
        (S.RESUBMITTED, {Role.KPI_OWNER}, True),
        (S.QUERIED, PERFORMANCE, False),
        (S.RESUBMITTED, set(), True),
        (S.VALIDATED, PERFORMANCE, False),
        (S.PUBLISHED, PERFORMANCE, False),
    ]:
        state = submission_transition(state, following, roles, is_owner=owner)
    assert state is S.PUBLISHED


@pytest.mark.parametrize(
    ("current", "requested", "roles", "is_owner", "fragment"),
    [
        (S.DRAFT, S.PUBLISHED, PERFORMANCE, False, "cannot move from draft to published"),
        (S.SUBMITTED, S.VALIDATED, {Role.KPI_OWNER}, True, "Only performance may move a submission"),
        (S.DRAFT, S.SUBMITTED, {Role.KPI_OWNER}, False, "performance or owner of the item"),
        (S.PUBLISHED, S.DRAFT, PERFORMANCE, False, "it can move to nothing: it is final"),
        (S.SUBMITTED, S.QUERIED, {Role.VIEWER, Role.AUDITOR}, False, "Only performance"),
    ],
)
def test_forbidden_submission_transitions(
    current: SubmissionState, requested: SubmissionState, roles: set[Role], is_owner: bool, fragment: str
) -> None:
    with pytest.raises(TransitionNotAllowed) as caught:
        submission_transition(current, requested, roles, is_owner=is_owner)
    error = caught.value
    assert fragment in error.message
    assert (error.current, error.requested, error.field) == (current.value, requested.value, "state")
    assert isinstance(error, DomainError)


def test_allowed_submission_transitions() -> None:
    assert allowed_submission_transitions(S.SUBMITTED, PERFORMANCE, is_owner=False) == (
        S.DRAFT,
        S.QUERIED,
        S.VALIDATED,
    )
    assert allowed_submission_transitions(S.SUBMITTED, {Role.KPI_OWNER}, is_owner=True) == (S.DRAFT,)
    assert allowed_submission_transitions(S.PUBLISHED, PERFORMANCE, is_owner=True) == ()


def test_revision_of_published_value() -> None:
    assert start_submission_revision(S.PUBLISHED, set(), is_owner=True, reason="Late returns") is S.DRAFT
    with pytest.raises(TransitionNotAllowed):
        start_submission_revision(S.VALIDATED, PERFORMANCE, is_owner=False, reason="x")
    with pytest.raises(TransitionNotAllowed) as caught:
        start_submission_revision(S.PUBLISHED, {Role.VIEWER}, is_owner=False, reason="x")
    assert caught.value.allowed_roles == ("owner of the item", "performance")
    with pytest.raises(DomainError) as missing:
        start_submission_revision(S.PUBLISHED, PERFORMANCE, is_owner=False, reason="  ")
    assert missing.value.field == "reason"


def test_target_approval() -> None:
    T = TargetState
    state = target_transition(T.DRAFT, T.PROPOSED, {Role.SERVICE_MANAGER})
    assert target_transition(state, T.DRAFT, {Role.DIRECTOR}) is T.DRAFT  # rejected back to draft
    state = target_transition(state, T.APPROVED, {Role.PORTFOLIO_HOLDER})
    assert target_transition(state, T.SUPERSEDED, PERFORMANCE) is T.SUPERSEDED
    with pytest.raises(TransitionNotAllowed) as caught:
        target_transition(T.PROPOSED, T.APPROVED, {Role.SERVICE_MANAGER})
    assert caught.value.allowed_roles == ("director", "portfolio_holder")
    assert allowed_target_transitions(T.PROPOSED, {Role.DIRECTOR}) == (T.DRAFT, T.APPROVED)


def test_service_plan() -> None:
    SP = ServicePlanState
    state = service_plan_transition(SP.DRAFT, SP.QUALITY_REVIEW, set(), is_owner=True)
    assert service_plan_transition(state, SP.DRAFT, PERFORMANCE) is SP.DRAFT
    state = service_plan_transition(state, SP.STRATEGIC_REVIEW, PERFORMANCE)
    assert allowed_service_plan_transitions(state, {Role.DIRECTOR}) == (
        SP.APPROVED,
        SP.QUALITY_REVIEW,
        SP.DRAFT,
    )
    state = service_plan_transition(state, SP.APPROVED, {Role.DIRECTOR})
    assert service_plan_transition(state, SP.PUBLISHED, PERFORMANCE) is SP.PUBLISHED


def test_intervention_approvals_in_order() -> None:
    I = InterventionState  # noqa: E741
    state = intervention_transition(I.DRAFT, I.SUBMITTED, PERFORMANCE)
    with pytest.raises(TransitionNotAllowed):
        intervention_transition(state, I.DIRECTOR_APPROVED, {Role.DIRECTOR})
    state = intervention_transition(state, I.HEAD_OF_SERVICE_APPROVED, {Role.SERVICE_MANAGER})
    with pytest.raises(TransitionNotAllowed):
        intervention_transition(state, I.APPROVED, {Role.PORTFOLIO_HOLDER})
    state = intervention_transition(state, I.DIRECTOR_APPROVED, {Role.DIRECTOR})
    assert intervention_transition(state, I.DRAFT, {Role.PORTFOLIO_HOLDER}) is I.DRAFT
    state = intervention_transition(state, I.APPROVED, {Role.PORTFOLIO_HOLDER})
    assert allowed_intervention_transitions(state, {Role.DIRECTOR}) == (I.CLOSED, I.WITHDRAWN)
    assert intervention_transition(state, I.CLOSED, PERFORMANCE) is I.CLOSED
    assert intervention_transition(I.DRAFT, I.SUBMITTED, set(), is_owner=True) is I.SUBMITTED


# --- Entering values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "is_owner", "may"),
    [
        ({Role.PERFORMANCE}, False, True),
        (set(), True, True),
        ({Role.SERVICE_MANAGER}, True, True),
        ({Role.SERVICE_MANAGER, Role.DIRECTOR, Role.VIEWER}, False, False),
        (set(), False, False),
    ],
)
def test_who_enters_values(roles: set[Role], is_owner: bool, may: bool) -> None:
    assert may_enter_values(roles, is_owner=is_owner) is may


@pytest.mark.parametrize(
    ("current", "submitted"),
    [
        (SubmissionState.DRAFT, SubmissionState.SUBMITTED),
        (SubmissionState.QUERIED, SubmissionState.RESUBMITTED),
    ],
)
def test_submitting_a_queried_value_resubmits_it(current: SubmissionState, submitted: SubmissionState) -> None:
    assert submitted_state(current) is submitted
    # Whoever may submit may make that very move
    assert SUBMISSION_MACHINE.transition(current, submitted, {Role.PERFORMANCE}) is submitted


def test_values_change_only_while_with_their_owner() -> None:
    assert {SubmissionState.DRAFT, SubmissionState.QUERIED} == EDITABLE_SUBMISSION_STATES
    for state in EDITABLE_SUBMISSION_STATES:
        assert submitted_state(state) in SUBMISSION_MACHINE.allowed(state, {Role.PERFORMANCE})


def test_a_machine_describes_every_transition_and_who_makes_it() -> None:
    text = TARGET_MACHINE.describe()
    assert text.splitlines()[0] == "- `draft` -> `proposed`: performance, service_manager or owner of the item"
    assert len(text.splitlines()) == len(TARGET_MACHINE.rules)
    assert "- `proposed` -> `approved`: director or portfolio_holder" in text.splitlines()
