"""The KPI Intervention Form's rules (seed 001_ec6bae7b38cacc6f.txt, Appendix F): tables and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain import DomainError, FourEyesRefused, Period, Rag, TransitionNotAllowed
from pmf_api.domain.direction import Direction
from pmf_api.domain.escalation import (
    INTERVENTION_OPEN_REASON,
    Decision,
    ReviewCategory,
    classify_for_review,
    may_close_intervention,
)
from pmf_api.domain.interventions import (
    APPROVAL_STEPS,
    OPEN_STATES,
    InterventionApproval,
    InterventionBasis,
    InterventionOutcome,
    approval_four_eyes,
    approval_reached,
    awaiting,
    check_progress_period,
    closing_state,
    intervention_move,
    opening_basis,
    progress_periods,
)
from pmf_api.domain.roles import Role
from pmf_api.domain.workflow import INTERVENTION_MACHINE, InterventionState

I = InterventionState  # noqa: E741
NEEDED = Decision(True, ("Red for 3 periods in a row.",))
NOT_NEEDED = Decision(False, ("Not Red: within tolerance or without a target.",))
NOBODY = approval_four_eyes("someone@example.gov.uk", opened_by="team@example.gov.uk", submitted_by=None)


# --- Opening ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "reason", "basis"),
    [
        (NEEDED, None, InterventionBasis.ESCALATION),
        (NEEDED, "also judged", InterventionBasis.ESCALATION),
        (NOT_NEEDED, "Complaints have doubled; not a temporary lapse", InterventionBasis.JUDGEMENT),
    ],
)
def test_a_form_opens_on_the_rule_or_on_judgement_with_a_reason(
    decision: Decision, reason: str | None, basis: InterventionBasis
) -> None:
    assert opening_basis(decision, reason) is basis


@pytest.mark.parametrize("reason", [None, "", "  ", "no"])
def test_without_the_rule_a_reason_is_required(reason: str | None) -> None:
    with pytest.raises(DomainError) as caught:
        opening_basis(NOT_NEEDED, reason)
    assert caught.value.field == "reason"
    assert "Not Red" in caught.value.message


# --- Approvals in order -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "role", "reaches"),
    [
        (I.SUBMITTED, Role.SERVICE_MANAGER, I.HEAD_OF_SERVICE_APPROVED),
        (I.HEAD_OF_SERVICE_APPROVED, Role.DIRECTOR, I.DIRECTOR_APPROVED),
        (I.DIRECTOR_APPROVED, Role.PORTFOLIO_HOLDER, I.APPROVED),
    ],
)
def test_each_approval_is_made_by_its_role_in_turn(state: I, role: Role, reaches: I) -> None:
    step = awaiting(state)
    assert step is not None and (step.role, step.reaches) == (role, reaches)
    assert approval_reached(reaches) == step
    assert intervention_move(state, reaches, {role}, four_eyes=NOBODY).state is reaches


@pytest.mark.parametrize("state", [I.DRAFT, I.APPROVED, I.CLOSED, I.WITHDRAWN])
def test_no_approval_is_awaited_outside_the_approval_states(state: I) -> None:
    assert awaiting(state) is None
    assert approval_reached(state) is None or state is I.APPROVED


@pytest.mark.parametrize(
    ("state", "requested", "role"),
    [
        # Out of turn: the Director or the Portfolio Holder before the Head of Service.
        (I.SUBMITTED, I.DIRECTOR_APPROVED, Role.DIRECTOR),
        (I.SUBMITTED, I.APPROVED, Role.PORTFOLIO_HOLDER),
        (I.HEAD_OF_SERVICE_APPROVED, I.APPROVED, Role.PORTFOLIO_HOLDER),
        # Approving a draft that was never submitted.
        (I.DRAFT, I.HEAD_OF_SERVICE_APPROVED, Role.SERVICE_MANAGER),
    ],
)
def test_an_approval_out_of_turn_is_refused_as_not_possible_from_the_state(state: I, requested: I, role: Role) -> None:
    with pytest.raises(TransitionNotAllowed) as caught:
        intervention_move(state, requested, {role}, four_eyes=NOBODY)
    assert caught.value.allowed_roles == ()  # not a matter of role: the step does not exist from here


@pytest.mark.parametrize(
    ("state", "requested", "role"),
    [
        (I.SUBMITTED, I.HEAD_OF_SERVICE_APPROVED, Role.DIRECTOR),
        (I.HEAD_OF_SERVICE_APPROVED, I.DIRECTOR_APPROVED, Role.SERVICE_MANAGER),
        (I.DIRECTOR_APPROVED, I.APPROVED, Role.DIRECTOR),
    ],
)
def test_an_approval_by_the_wrong_role_names_who_may(state: I, requested: I, role: Role) -> None:
    with pytest.raises(TransitionNotAllowed) as caught:
        intervention_move(state, requested, {role}, four_eyes=NOBODY)
    assert caught.value.allowed_roles


@pytest.mark.parametrize("step", APPROVAL_STEPS)
def test_each_approver_may_send_back_with_a_comment(step: object) -> None:
    assert hasattr(step, "awaits_in")
    state, role = step.awaits_in, step.role  # type: ignore[attr-defined]
    with pytest.raises(DomainError) as caught:
        intervention_move(state, I.DRAFT, {role}, four_eyes=NOBODY, comment=" ")
    assert caught.value.field == "comment"
    assert intervention_move(state, I.DRAFT, {role}, four_eyes=NOBODY, comment="Name the cause").state is I.DRAFT


def test_a_form_is_submitted_with_its_questions_answered() -> None:
    with pytest.raises(TransitionNotAllowed) as caught:
        intervention_move(I.DRAFT, I.SUBMITTED, {Role.PERFORMANCE}, four_eyes=NOBODY, unanswered=("cause", "steps"))
    assert "cause and steps" in caught.value.message and caught.value.field is None
    assert intervention_move(I.DRAFT, I.SUBMITTED, {Role.PERFORMANCE}, four_eyes=NOBODY).state is I.SUBMITTED


def test_closing_goes_through_closing_state() -> None:
    with pytest.raises(DomainError) as caught:
        intervention_move(I.APPROVED, I.CLOSED, {Role.PERFORMANCE}, four_eyes=NOBODY)
    assert caught.value.field == "to"


# --- Four-eyes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "role", "work"),
    [
        (I.SUBMITTED, Role.SERVICE_MANAGER, {"opened_by": "me"}),
        (I.SUBMITTED, Role.SERVICE_MANAGER, {"submitted_by": "me"}),
        (I.HEAD_OF_SERVICE_APPROVED, Role.DIRECTOR, {"approved_by": ("me",)}),
        (I.DIRECTOR_APPROVED, Role.PORTFOLIO_HOLDER, {"approved_by": ("hos", "me")}),
    ],
)
def test_nobody_approves_a_form_they_opened_submitted_or_approved_before(
    state: I, role: Role, work: dict[str, object]
) -> None:
    step = awaiting(state)
    assert step is not None
    values: dict[str, object] = {"opened_by": "team", "submitted_by": "team", "approved_by": (), **work}
    eyes = approval_four_eyes("me", **values)  # type: ignore[arg-type]
    with pytest.raises(FourEyesRefused):
        intervention_move(state, step.reaches, {role}, four_eyes=eyes)
    relaxed = approval_four_eyes("me", **values, relaxed=True)  # type: ignore[arg-type]
    move = intervention_move(state, step.reaches, {role}, four_eyes=relaxed)
    assert move.state is step.reaches and move.note is not None and "Four-eyes relaxed" in move.note


def test_four_eyes_does_not_stop_sending_back_or_submitting() -> None:
    eyes = approval_four_eyes("me", opened_by="me", submitted_by="me")
    assert intervention_move(I.DRAFT, I.SUBMITTED, {Role.PERFORMANCE}, four_eyes=eyes).note is None
    sent_back = intervention_move(I.SUBMITTED, I.DRAFT, {Role.SERVICE_MANAGER}, four_eyes=eyes, comment="Redo it")
    assert sent_back.state is I.DRAFT


# --- Closing ----------------------------------------------------------------------------------

RECOVERED = Decision(True, ("Within tolerance for 3 periods in a row.",))
NOT_YET = Decision(False, ("Not yet within tolerance for 3 periods in a row; 1 of the last 3 were.",))


@pytest.mark.parametrize("state", sorted(OPEN_STATES))
def test_a_form_closes_on_recovery_from_any_open_state(state: I) -> None:
    assert (
        closing_state(state, InterventionOutcome.RECOVERED, {Role.PERFORMANCE}, closure=RECOVERED, reason=None)
        is I.CLOSED
    )


@pytest.mark.parametrize(("closure", "words"), [(NOT_YET, "1 of the last 3"), (None, "no rated period")])
def test_closing_before_recovery_is_refused_saying_why(closure: Decision | None, words: str) -> None:
    with pytest.raises(TransitionNotAllowed) as caught:
        closing_state(I.APPROVED, InterventionOutcome.RECOVERED, {Role.PERFORMANCE}, closure=closure, reason=None)
    assert words in caught.value.message and caught.value.allowed_roles == ()


@pytest.mark.parametrize(("reason", "ok"), [(None, False), ("  ", False), ("A temporary lapse after all", True)])
def test_withdrawing_needs_a_reason(reason: str | None, ok: bool) -> None:
    if ok:
        assert (
            closing_state(I.DRAFT, InterventionOutcome.WITHDRAWN, {Role.DIRECTOR}, closure=None, reason=reason)
            is I.WITHDRAWN
        )
        return
    with pytest.raises(DomainError) as caught:
        closing_state(I.DRAFT, InterventionOutcome.WITHDRAWN, {Role.DIRECTOR}, closure=None, reason=reason)
    assert caught.value.field == "reason"


@pytest.mark.parametrize(("state", "roles"), [(I.CLOSED, {Role.PERFORMANCE}), (I.APPROVED, {Role.KPI_OWNER})])
def test_a_closed_form_or_the_wrong_role_cannot_close(state: I, roles: set[Role]) -> None:
    with pytest.raises(TransitionNotAllowed):
        closing_state(state, InterventionOutcome.WITHDRAWN, roles, closure=None, reason="No longer needed")


# --- Progress ---------------------------------------------------------------------------------

P3 = Period.parse("2025/26 P3")


def test_progress_shows_three_periods_after_opening_and_any_later_recorded() -> None:
    assert [str(p) for p in progress_periods(P3)] == ["2025/26 P4", "2025/26 P5", "2025/26 P6"]
    later = Period.parse("2025/26 P8")
    assert progress_periods(P3, [later, Period.parse("2025/26 P4")])[-1] == later
    assert len(progress_periods(Period.parse("2025/26 P12"))) == 3  # runs into the next year


@pytest.mark.parametrize("text", ["2025/26 P3", "2025/26 P1", "2026/27 P4", "2025/26 Q2"])
def test_progress_outside_the_year_after_opening_is_refused(text: str) -> None:
    with pytest.raises(DomainError) as caught:
        check_progress_period(P3, Period.parse(text))
    assert caught.value.field == "period"


@pytest.mark.parametrize("text", ["2025/26 P4", "2026/27 P3"])
def test_progress_inside_the_year_after_opening_is_accepted(text: str) -> None:
    check_progress_period(P3, Period.parse(text))


# --- The review: an open form keeps the KPI among the exceptions --------------------------------


def test_an_open_form_keeps_the_kpi_among_the_exceptions() -> None:
    review = classify_for_review(Rag.GREEN, Direction.IMPROVING, intervention_open=True)
    assert review.category is ReviewCategory.EXCEPTION and INTERVENTION_OPEN_REASON in review.reasons
    assert classify_for_review(Rag.GREEN, Direction.IMPROVING).category is ReviewCategory.HIGHLIGHT


# --- Properties -------------------------------------------------------------------------------

states = st.sampled_from(list(I))
role_sets = st.frozensets(st.sampled_from(list(Role)))


@given(state=states, requested=states, roles=role_sets)
def test_approvals_come_only_in_order_by_the_step_role(state: I, requested: I, roles: frozenset[Role]) -> None:
    """Whatever is asked, an approval state is reached only from the state before it, by its role."""
    step = approval_reached(requested)
    try:
        reached = INTERVENTION_MACHINE.transition(state, requested, roles)
    except TransitionNotAllowed:
        return
    if step is not None:
        assert state is step.awaits_in and step.role in roles
    assert state in OPEN_STATES  # nothing leaves a closed or withdrawn form
    assert reached is requested


@given(
    roles=role_sets,
    actor=st.sampled_from(["a", "b", "c"]),
    earlier=st.lists(st.sampled_from(["a", "b", "c", None]), max_size=4),
)
def test_nobody_approves_twice_or_their_own_form(roles: frozenset[Role], actor: str, earlier: list[str | None]) -> None:
    opened, submitted, *approvals = [*earlier, None, None][:2] + earlier[2:]
    eyes = approval_four_eyes(actor, opened_by=opened, submitted_by=submitted, approved_by=approvals)
    for step in APPROVAL_STEPS:
        try:
            intervention_move(step.awaits_in, step.reaches, roles | {step.role}, four_eyes=eyes)
        except FourEyesRefused:
            assert actor in (opened, submitted, *approvals)
        else:
            assert actor not in (opened, submitted, *approvals)


@given(history=st.lists(st.sampled_from([Rag.GREEN, Rag.AMBER, Rag.RED, Rag.MISSING, None]), max_size=6))
def test_closing_on_recovery_follows_the_escalation_rule(history: list[Rag | None]) -> None:
    periods = [(P3.shift(i), rag) for i, rag in enumerate(history)]
    closure = may_close_intervention(periods)
    try:
        state = closing_state(
            I.APPROVED, InterventionOutcome.RECOVERED, {Role.PERFORMANCE}, closure=closure, reason=None
        )
    except TransitionNotAllowed:
        assert not closure.required
    else:
        assert closure.required and state is I.CLOSED


def test_the_approvals_are_the_three_of_appendix_f() -> None:
    assert [step.approval for step in APPROVAL_STEPS] == [
        InterventionApproval.HEAD_OF_SERVICE,
        InterventionApproval.DIRECTOR,
        InterventionApproval.PORTFOLIO_HOLDER,
    ]
