"""Four-eyes: whoever entered or submitted a value does not validate or publish it; whoever proposed a
target does not approve it, whatever roles one token holds; an organisation may relax the rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain import (
    FourEyes,
    FourEyesRefused,
    Role,
    SubmissionState,
    TargetState,
    TransitionNotAllowed,
    allowed_submission_transitions,
    allowed_target_transitions,
    submission_move,
    target_move,
)
from pmf_api.domain.workflow import (
    SUBMISSION_MACHINE,
    TARGET_MACHINE,
    TargetRevisionState,
    revision_state_on_revise,
    target_revision_move,
)

S, T = SubmissionState, TargetState
ALICE, BOB, CAROL = "alice@example.gov.uk", "bob@example.gov.uk", "carol@example.gov.uk"
EVERY_ROLE = frozenset(Role)


def submission_eyes(actor: str, entered: str | None, submitted: str | None, relaxed: bool = False) -> FourEyes:
    return FourEyes.of(actor, relaxed=relaxed, entered=entered, submitted=submitted)


@pytest.mark.parametrize(
    ("current", "to", "actor", "entered", "submitted", "refused_for"),
    [
        # The checks: refused to whoever did any of the work.
        (S.SUBMITTED, S.VALIDATED, ALICE, ALICE, ALICE, ("entered", "submitted")),
        (S.SUBMITTED, S.VALIDATED, ALICE, ALICE, BOB, ("entered",)),
        (S.SUBMITTED, S.VALIDATED, ALICE, BOB, ALICE, ("submitted",)),
        (S.RESUBMITTED, S.VALIDATED, ALICE, BOB, ALICE, ("submitted",)),
        (S.VALIDATED, S.PUBLISHED, ALICE, ALICE, BOB, ("entered",)),
        (S.VALIDATED, S.PUBLISHED, BOB, ALICE, BOB, ("submitted",)),
        # Someone else checks: allowed.
        (S.SUBMITTED, S.VALIDATED, CAROL, ALICE, BOB, ()),
        (S.VALIDATED, S.PUBLISHED, CAROL, ALICE, ALICE, ()),
        (S.SUBMITTED, S.VALIDATED, ALICE, None, None, ()),
        # Not checks: the person who did the work makes them.
        (S.DRAFT, S.SUBMITTED, ALICE, ALICE, None, ()),
        (S.SUBMITTED, S.QUERIED, ALICE, ALICE, ALICE, ()),
        (S.QUERIED, S.RESUBMITTED, ALICE, ALICE, ALICE, ()),
        (S.SUBMITTED, S.DRAFT, ALICE, ALICE, ALICE, ()),
    ],
)
def test_submission_checks(
    current: SubmissionState,
    to: SubmissionState,
    actor: str,
    entered: str | None,
    submitted: str | None,
    refused_for: tuple[str, ...],
) -> None:
    eyes = submission_eyes(actor, entered, submitted)
    # One token holding every role changes nothing: four-eyes is about the person, not the role.
    offered = to in allowed_submission_transitions(current, EVERY_ROLE, is_owner=True, four_eyes=eyes)
    if refused_for:
        with pytest.raises(FourEyesRefused) as caught:
            submission_move(current, to, EVERY_ROLE, is_owner=True, four_eyes=eyes)
        error = caught.value
        assert error.own_work == refused_for
        assert (error.current, error.requested, error.allowed_roles) == (current.value, to.value, ())
        assert "someone else" in error.message and " and ".join(refused_for) in error.message
        assert isinstance(error, TransitionNotAllowed)
        assert not offered
    else:
        move = submission_move(current, to, EVERY_ROLE, is_owner=True, four_eyes=eyes)
        assert (move.state, move.note) == (to, None)
        assert offered


@pytest.mark.parametrize(
    ("actor", "entered", "submitted", "note"),
    [
        (ALICE, ALICE, ALICE, "moved to validated by the person who entered and submitted it"),
        (ALICE, ALICE, BOB, "moved to validated by the person who entered it"),
        (CAROL, ALICE, BOB, None),
    ],
)
def test_relaxed_four_eyes_allows_and_says_so(actor: str, entered: str, submitted: str, note: str | None) -> None:
    eyes = submission_eyes(actor, entered, submitted, relaxed=True)
    move = submission_move(S.SUBMITTED, S.VALIDATED, {Role.PERFORMANCE}, is_owner=False, four_eyes=eyes)
    assert move.state is S.VALIDATED
    if note is None:
        assert move.note is None
    else:
        assert move.note is not None and move.note.startswith("Four-eyes relaxed") and note in move.note
    assert S.VALIDATED in allowed_submission_transitions(
        S.SUBMITTED, {Role.PERFORMANCE}, is_owner=False, four_eyes=eyes
    )


def test_roles_are_still_checked_before_four_eyes() -> None:
    eyes = submission_eyes(CAROL, ALICE, BOB)
    with pytest.raises(TransitionNotAllowed) as caught:
        submission_move(S.SUBMITTED, S.VALIDATED, {Role.KPI_OWNER}, is_owner=True, four_eyes=eyes)
    assert not isinstance(caught.value, FourEyesRefused) and caught.value.allowed_roles == ("performance",)
    with pytest.raises(TransitionNotAllowed) as missing:
        submission_move(S.DRAFT, S.PUBLISHED, EVERY_ROLE, is_owner=True, four_eyes=submission_eyes(ALICE, ALICE, None))
    assert not isinstance(missing.value, FourEyesRefused) and "cannot move from draft" in missing.value.message


@pytest.mark.parametrize(
    ("to", "actor", "proposed_by", "refused"),
    [
        (T.APPROVED, ALICE, ALICE, True),
        (T.APPROVED, BOB, ALICE, False),
        (T.APPROVED, ALICE, None, False),
        (T.DRAFT, ALICE, ALICE, False),  # sending your own proposal back is not a check
    ],
)
def test_target_approval_by_someone_other_than_the_proposer(
    to: TargetState, actor: str, proposed_by: str | None, refused: bool
) -> None:
    # A director who is also the service's manager proposes with one token and may not approve with it.
    roles = {Role.DIRECTOR, Role.SERVICE_MANAGER}
    eyes = FourEyes.of(actor, proposed=proposed_by)
    assert (to in allowed_target_transitions(T.PROPOSED, roles, four_eyes=eyes)) is not refused
    if refused:
        with pytest.raises(FourEyesRefused, match="you proposed this target"):
            target_move(T.PROPOSED, to, roles, four_eyes=eyes)
    else:
        assert target_move(T.PROPOSED, to, roles, four_eyes=eyes).state is to
    relaxed = target_move(T.PROPOSED, to, roles, four_eyes=FourEyes.of(actor, relaxed=True, proposed=proposed_by))
    assert (relaxed.note is not None) is refused


def test_without_four_eyes_the_tables_are_unchanged() -> None:
    # Callers that pass no FourEyes (service plans, interventions) see the plain role tables.
    assert allowed_target_transitions(T.PROPOSED, {Role.DIRECTOR}) == (T.DRAFT, T.APPROVED)
    assert TARGET_MACHINE.move(T.PROPOSED, T.APPROVED, {Role.DIRECTOR}).note is None


# Properties --------------------------------------------------------------------------------------

people = st.sampled_from([ALICE, BOB, CAROL])
maybe_person = st.none() | people
roles_held = st.frozensets(st.sampled_from(list(Role)))


@given(
    current=st.sampled_from(list(S)),
    roles=roles_held,
    is_owner=st.booleans(),
    actor=people,
    entered=maybe_person,
    submitted=maybe_person,
    relaxed=st.booleans(),
)
def test_allowed_submission_moves_are_exactly_the_moves_that_succeed(
    current: SubmissionState,
    roles: frozenset[Role],
    is_owner: bool,
    actor: str,
    entered: str | None,
    submitted: str | None,
    relaxed: bool,
) -> None:
    eyes = submission_eyes(actor, entered, submitted, relaxed)
    offered = allowed_submission_transitions(current, roles, is_owner=is_owner, four_eyes=eyes)
    own_work = actor in {entered, submitted}
    for to in S:
        try:
            move = submission_move(current, to, roles, is_owner=is_owner, four_eyes=eyes)
        except TransitionNotAllowed as refusal:
            assert to not in offered
            if isinstance(refusal, FourEyesRefused):
                # Only a check by someone who did the work, and only when the rule is not relaxed.
                assert to in SUBMISSION_MACHINE.checks and own_work and not relaxed
            continue
        assert to in offered
        # A relaxed check of one's own work always leaves a note for the audit trail; nothing else does.
        assert (move.note is not None) == (to in SUBMISSION_MACHINE.checks and own_work)
    # Never offered: a check of one's own work while four-eyes holds.
    if own_work and not relaxed:
        assert not set(offered) & SUBMISSION_MACHINE.checks


@given(roles=roles_held, actor=people, proposer=maybe_person, relaxed=st.booleans())
def test_a_proposer_never_approves_their_own_target_unless_relaxed(
    roles: frozenset[Role], actor: str, proposer: str | None, relaxed: bool
) -> None:
    eyes = FourEyes.of(actor, relaxed=relaxed, proposed=proposer)
    offered = allowed_target_transitions(T.PROPOSED, roles, four_eyes=eyes)
    plain = allowed_target_transitions(T.PROPOSED, roles)
    if actor == proposer and not relaxed:
        assert offered == tuple(s for s in plain if s is not T.APPROVED)
    else:
        assert offered == plain


R = TargetRevisionState


@pytest.mark.parametrize(
    ("target", "expected"),
    [(T.DRAFT, R.APPROVED), (T.PROPOSED, R.APPROVED), (T.APPROVED, R.PROPOSED), (T.SUPERSEDED, R.APPROVED)],
)
def test_only_a_revision_of_an_approved_target_waits_for_approval(target: TargetState, expected: R) -> None:
    assert revision_state_on_revise(target) is expected


@pytest.mark.parametrize(
    ("to", "actor", "roles", "outcome"),
    [
        (R.APPROVED, BOB, {Role.DIRECTOR}, R.APPROVED),
        (R.APPROVED, BOB, {Role.PORTFOLIO_HOLDER}, R.APPROVED),
        (R.APPROVED, ALICE, {Role.DIRECTOR}, FourEyesRefused),  # Alice proposed the revision
        (R.APPROVED, BOB, {Role.SERVICE_MANAGER}, TransitionNotAllowed),  # not an approver
        (R.REFUSED, ALICE, {Role.DIRECTOR}, R.REFUSED),  # sending your own back is not a check
        (R.REFUSED, BOB, {Role.SERVICE_MANAGER}, R.REFUSED),
        (R.PROPOSED, BOB, {Role.DIRECTOR}, TransitionNotAllowed),
    ],
)
def test_a_proposed_revision_is_approved_as_a_target_is(
    to: R, actor: str, roles: set[Role], outcome: R | type[Exception]
) -> None:
    eyes = FourEyes.of(actor, proposed=ALICE)
    if isinstance(outcome, R):
        assert target_revision_move(R.PROPOSED, to, roles, four_eyes=eyes).state is outcome
    else:
        with pytest.raises(outcome):
            target_revision_move(R.PROPOSED, to, roles, four_eyes=eyes)


@given(current=st.sampled_from([R.APPROVED, R.REFUSED]), to=st.sampled_from(list(R)), roles=roles_held)
def test_a_decided_revision_is_never_moved_again(current: R, to: R, roles: frozenset[Role]) -> None:
    with pytest.raises(TransitionNotAllowed):
        target_revision_move(current, to, roles, four_eyes=FourEyes.of(BOB, proposed=ALICE))


@given(roles=roles_held, actor=people, relaxed=st.booleans())
def test_the_proposer_of_a_revision_never_approves_it_unless_relaxed(
    roles: frozenset[Role], actor: str, relaxed: bool
) -> None:
    eyes = FourEyes.of(actor, relaxed=relaxed, proposed=ALICE)
    try:
        move = target_revision_move(R.PROPOSED, R.APPROVED, roles, four_eyes=eyes)
    except TransitionNotAllowed:
        assert (actor == ALICE and not relaxed) or not roles & {Role.DIRECTOR, Role.PORTFOLIO_HOLDER}
    else:
        assert actor != ALICE or relaxed
        assert (move.note is not None) is (actor == ALICE)
