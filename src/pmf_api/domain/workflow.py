"""Workflows as pure state machines: which state may follow which, and who (by role) may move it.

Four machines:

* **Submission** of a KPI value (seed 001_ec6bae7b38cacc6f.txt, C.2 and Appendix E.1):
  ``draft -> submitted -> validated -> published``, with the performance team's queries
  ``submitted -> queried -> resubmitted -> queried ...`` looping until the value is validated. A
  published value is never edited: :func:`start_submission_revision` opens a new revision (a new
  draft) and the old one is kept.
* **Target** approval (seed 001, C.1: "approved by Heads of Service, CLT and Councillors"):
  ``draft -> proposed -> approved``; a rejection sends it back to draft. Approved targets are revised
  (seed 001: "stretched, where possible, every six months") by a new draft; when that is approved the
  old one becomes ``superseded``.
* **Service plan** (seed 001, Appendix D): ``draft -> quality_review -> strategic_review -> approved ->
  published``; each review may send the plan back. An approved plan is changed by a new version
  (``domain.service_plans``); approving it supersedes the one before.
* **KPI Intervention Form** (seed 001, Appendix F): ``draft -> submitted``, then approved in order by
  the Head of Service (``service_manager``), the Director and the Portfolio Holder; each approver may
  send it back to draft (the approvals start again); it closes when the KPI has recovered, or is
  withdrawn with a reason, from any open state (``domain.interventions`` holds the form's other rules).

The KPI owner (or backup) acts on their own KPI's submissions: pass ``is_owner=True`` when the actor is
the owner of the object, whatever their roles. Transition functions return the new state or raise
:class:`TransitionNotAllowed` saying from what, to what, and who may; ``allowed_*`` functions list the
states an actor may move to, so a portal can show the right buttons.

**Four-eyes** (separation of duties, as a council's internal audit expects of its controls): some
moves check someone else's work, and the person who did that work may not make them, whatever roles
they hold. Whoever entered or submitted a value does not validate or publish it; whoever proposed a
target does not approve it. Pass a :class:`FourEyes` saying who is asking and who did the work; an
organisation may relax the rule (a very small team), and then :func:`submission_move` and
:func:`target_move` return the note that records, in the audit trail, that one person did both.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pmf_api.domain.errors import DomainError, TransitionNotAllowed
from pmf_api.domain.roles import Role
from pmf_api.domain.state_machine import OWNER, FourEyes, Move, StateMachine, TransitionRule, or_list

__all__ = [
    "COUNTED_SUBMISSION_STATES",
    "COUNTED_TARGET_STATES",
    "EDITABLE_SUBMISSION_STATES",
    "ENTRY_RULE",
    "INTERVENTION_MACHINE",
    "OWNER",
    "REVISION_RULE",
    "SERVICE_PLAN_MACHINE",
    "SUBMISSION_MACHINE",
    "TARGET_MACHINE",
    "FourEyes",
    "InterventionState",
    "Move",
    "Role",
    "ServicePlanState",
    "StateMachine",
    "SubmissionState",
    "TargetRevisionState",
    "TargetState",
    "TransitionRule",
    "allowed_intervention_transitions",
    "allowed_service_plan_transitions",
    "allowed_submission_transitions",
    "allowed_target_transitions",
    "intervention_transition",
    "may_enter_values",
    "revision_state_on_revise",
    "service_plan_transition",
    "start_submission_revision",
    "submission_move",
    "submission_transition",
    "submitted_state",
    "target_move",
    "target_revision_move",
    "target_transition",
]


class SubmissionState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    QUERIED = "queried"
    RESUBMITTED = "resubmitted"
    VALIDATED = "validated"
    PUBLISHED = "published"


class TargetState(StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    APPROVED = "approved"
    SUPERSEDED = "superseded"


# Submissions whose values count for RAG, forecasts and escalation: checked by the performance
# team (seed 001_ec6bae7b38cacc6f.txt, C.2.2: validated values drive the dashboard).
COUNTED_SUBMISSION_STATES = frozenset({SubmissionState.VALIDATED, SubmissionState.PUBLISHED})

# Targets that give a RAG: targets are "approved by Heads of Service, CLT and Councillors, before
# being implemented" (seed 001_ec6bae7b38cacc6f.txt, C.1). A draft or proposed target gives none yet.
COUNTED_TARGET_STATES = frozenset({TargetState.APPROVED})


class TargetRevisionState(StrEnum):
    """Where a mid-year revision of a target stands."""

    APPROVED = "approved"  # it applies (a revision of a target not yet approved applies with it)
    PROPOSED = "proposed"  # a revision of an approved target, waiting for approval before it applies
    REFUSED = "refused"  # sent back by an approver: never applied


class ServicePlanState(StrEnum):
    DRAFT = "draft"
    QUALITY_REVIEW = "quality_review"
    STRATEGIC_REVIEW = "strategic_review"
    APPROVED = "approved"
    PUBLISHED = "published"
    # A later version of the same service's plan for the same year was approved
    # (``domain.service_plans``); never a step of the machine, set by that approval.
    SUPERSEDED = "superseded"


class InterventionState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    HEAD_OF_SERVICE_APPROVED = "head_of_service_approved"
    DIRECTOR_APPROVED = "director_approved"
    APPROVED = "approved"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


_OPEN_INTERVENTION_STATES = (
    InterventionState.DRAFT,
    InterventionState.SUBMITTED,
    InterventionState.HEAD_OF_SERVICE_APPROVED,
    InterventionState.DIRECTOR_APPROVED,
    InterventionState.APPROVED,
)


def _rule(*roles: Role, owner: bool = False) -> TransitionRule:
    return TransitionRule(frozenset(roles), owner)


SUBMISSION_MACHINE: StateMachine[SubmissionState] = StateMachine(
    "submission",
    {
        # The owner (or backup) enters the value; the performance team may enter it on their behalf.
        (SubmissionState.DRAFT, SubmissionState.SUBMITTED): _rule(Role.PERFORMANCE, owner=True),
        (SubmissionState.SUBMITTED, SubmissionState.DRAFT): _rule(Role.PERFORMANCE, owner=True),
        # Sense-checking and queries are the performance team's (seed 001, C.2.2 and E.1).
        (SubmissionState.SUBMITTED, SubmissionState.QUERIED): _rule(Role.PERFORMANCE),
        (SubmissionState.SUBMITTED, SubmissionState.VALIDATED): _rule(Role.PERFORMANCE),
        (SubmissionState.QUERIED, SubmissionState.RESUBMITTED): _rule(Role.PERFORMANCE, owner=True),
        (SubmissionState.RESUBMITTED, SubmissionState.QUERIED): _rule(Role.PERFORMANCE),
        (SubmissionState.RESUBMITTED, SubmissionState.VALIDATED): _rule(Role.PERFORMANCE),
        (SubmissionState.VALIDATED, SubmissionState.QUERIED): _rule(Role.PERFORMANCE),
        (SubmissionState.VALIDATED, SubmissionState.PUBLISHED): _rule(Role.PERFORMANCE),
    },
    # Four-eyes: the performance team's checks are made by someone other than who entered or submitted.
    checks=(SubmissionState.VALIDATED, SubmissionState.PUBLISHED),
)

TARGET_MACHINE: StateMachine[TargetState] = StateMachine(
    "target",
    {
        (TargetState.DRAFT, TargetState.PROPOSED): _rule(Role.SERVICE_MANAGER, Role.PERFORMANCE, owner=True),
        (TargetState.PROPOSED, TargetState.DRAFT): _rule(
            Role.SERVICE_MANAGER, Role.PERFORMANCE, Role.DIRECTOR, Role.PORTFOLIO_HOLDER, owner=True
        ),
        # Approved by senior officers and councillors (seed 001, C.1).
        (TargetState.PROPOSED, TargetState.APPROVED): _rule(Role.DIRECTOR, Role.PORTFOLIO_HOLDER),
        (TargetState.APPROVED, TargetState.SUPERSEDED): _rule(Role.PERFORMANCE, Role.DIRECTOR, Role.PORTFOLIO_HOLDER),
    },
    # Four-eyes: whoever proposed a target does not approve it.
    checks=(TargetState.APPROVED,),
)

SERVICE_PLAN_MACHINE: StateMachine[ServicePlanState] = StateMachine(
    "service plan",
    {
        (ServicePlanState.DRAFT, ServicePlanState.QUALITY_REVIEW): _rule(
            Role.SERVICE_MANAGER, Role.PERFORMANCE, owner=True
        ),
        # Quality assurance by the corporate team (seed 001, Appendix D, step 4).
        (ServicePlanState.QUALITY_REVIEW, ServicePlanState.STRATEGIC_REVIEW): _rule(Role.PERFORMANCE),
        (ServicePlanState.QUALITY_REVIEW, ServicePlanState.DRAFT): _rule(Role.PERFORMANCE),
        # Heads of Service and CLT assess scope and ambition (step 5), then approve (steps 6-7).
        (ServicePlanState.STRATEGIC_REVIEW, ServicePlanState.APPROVED): _rule(Role.DIRECTOR),
        (ServicePlanState.STRATEGIC_REVIEW, ServicePlanState.QUALITY_REVIEW): _rule(Role.DIRECTOR),
        (ServicePlanState.STRATEGIC_REVIEW, ServicePlanState.DRAFT): _rule(Role.DIRECTOR),
        (ServicePlanState.APPROVED, ServicePlanState.PUBLISHED): _rule(Role.PERFORMANCE),
    },
)

INTERVENTION_MACHINE: StateMachine[InterventionState] = StateMachine(
    "KPI intervention",
    {
        # The performance team, the Head of Service or the KPI's owner sends the form for approval.
        (InterventionState.DRAFT, InterventionState.SUBMITTED): _rule(
            Role.PERFORMANCE, Role.SERVICE_MANAGER, owner=True
        ),
        # Approvals in order: Head of Service, Director, Portfolio Holder (seed 001, Appendix F);
        # whoever's turn it is may instead send the form back to draft, with a comment.
        (InterventionState.SUBMITTED, InterventionState.HEAD_OF_SERVICE_APPROVED): _rule(Role.SERVICE_MANAGER),
        (InterventionState.SUBMITTED, InterventionState.DRAFT): _rule(Role.SERVICE_MANAGER),
        (InterventionState.HEAD_OF_SERVICE_APPROVED, InterventionState.DIRECTOR_APPROVED): _rule(Role.DIRECTOR),
        (InterventionState.HEAD_OF_SERVICE_APPROVED, InterventionState.DRAFT): _rule(Role.DIRECTOR),
        (InterventionState.DIRECTOR_APPROVED, InterventionState.APPROVED): _rule(Role.PORTFOLIO_HOLDER),
        (InterventionState.DIRECTOR_APPROVED, InterventionState.DRAFT): _rule(Role.PORTFOLIO_HOLDER),
        # Closed when the KPI is back within tolerance, or withdrawn with a reason, from any open state.
        **{
            (state, end): _rule(Role.PERFORMANCE, Role.DIRECTOR)
            for end in (InterventionState.CLOSED, InterventionState.WITHDRAWN)
            for state in _OPEN_INTERVENTION_STATES
        },
    },
    # Four-eyes: whoever opened or submitted the form, or gave an earlier approval, does not approve it.
    checks=(
        InterventionState.HEAD_OF_SERVICE_APPROVED,
        InterventionState.DIRECTOR_APPROVED,
        InterventionState.APPROVED,
    ),
)


def submission_transition(
    current: SubmissionState, target_state: SubmissionState, roles: Iterable[Role], *, is_owner: bool
) -> SubmissionState:
    """Move a submission, or raise :class:`TransitionNotAllowed`."""
    return SUBMISSION_MACHINE.transition(current, target_state, roles, is_owner=is_owner)


def submission_move(
    current: SubmissionState,
    target_state: SubmissionState,
    roles: Iterable[Role],
    *,
    is_owner: bool,
    four_eyes: FourEyes,
) -> Move[SubmissionState]:
    """Move a submission with four-eyes: whoever entered or submitted it does not validate or publish it."""
    return SUBMISSION_MACHINE.move(current, target_state, roles, is_owner=is_owner, four_eyes=four_eyes)


def allowed_submission_transitions(
    current: SubmissionState, roles: Iterable[Role], *, is_owner: bool, four_eyes: FourEyes | None = None
) -> tuple[SubmissionState, ...]:
    return SUBMISSION_MACHINE.allowed(current, roles, is_owner=is_owner, four_eyes=four_eyes)


REVISION_RULE = _rule(Role.PERFORMANCE, owner=True)
"""Who may open a revision of a published value: the performance team or the owner."""

ENTRY_RULE = _rule(Role.PERFORMANCE, owner=True)
"""Who enters a KPI's values: its owner or backup owner, or the performance team on their behalf."""

EDITABLE_SUBMISSION_STATES = frozenset({SubmissionState.DRAFT, SubmissionState.QUERIED})
"""A submission's values change while it is with its owner: a draft, or queried by the performance team.
Submitted and validated values are with the performance team; a published one changes by revision."""


def may_enter_values(roles: Iterable[Role], *, is_owner: bool) -> bool:
    return ENTRY_RULE.permits(frozenset(roles), is_owner)


def submitted_state(current: SubmissionState) -> SubmissionState:
    """Where submitting takes a submission: a queried one is resubmitted (the answer to the query)."""
    return SubmissionState.RESUBMITTED if current is SubmissionState.QUERIED else SubmissionState.SUBMITTED


def start_submission_revision(
    current: SubmissionState, roles: Iterable[Role], *, is_owner: bool, reason: str
) -> SubmissionState:
    """Open a revision of a published value; returns the new revision's state (draft).

    A published value is changed only by a new revision with a reason; the old one is kept
    (product brief, monthly KPI cycle).
    """
    if current is not SubmissionState.PUBLISHED:
        raise TransitionNotAllowed(
            f"Only a published value is revised; a {current.value} submission is still being worked on.",
            current=current.value,
            requested="revision",
        )
    if not REVISION_RULE.permits(frozenset(roles), is_owner):
        raise TransitionNotAllowed(
            f"Only {or_list(REVISION_RULE.describe())} may revise a published value.",
            current=current.value,
            requested="revision",
            allowed_roles=REVISION_RULE.describe(),
        )
    if not reason.strip():
        raise DomainError("A revision of a published value needs a reason.", field="reason")
    return SubmissionState.DRAFT


def target_transition(
    current: TargetState, target_state: TargetState, roles: Iterable[Role], *, is_owner: bool = False
) -> TargetState:
    return TARGET_MACHINE.transition(current, target_state, roles, is_owner=is_owner)


def target_move(
    current: TargetState,
    target_state: TargetState,
    roles: Iterable[Role],
    *,
    four_eyes: FourEyes,
    is_owner: bool = False,
) -> Move[TargetState]:
    """Move a target with four-eyes: whoever proposed it does not approve it."""
    return TARGET_MACHINE.move(current, target_state, roles, is_owner=is_owner, four_eyes=four_eyes)


def revision_state_on_revise(target: TargetState) -> TargetRevisionState:
    """A revision of an approved target changes what counts, so it is approved as the target was
    (four-eyes, seed 001, C.1: targets are approved before they are implemented; a six-monthly stretch
    is a new target from a period); a revision of a target not yet approved is part of what will be."""
    return TargetRevisionState.PROPOSED if target is TargetState.APPROVED else TargetRevisionState.APPROVED


def target_revision_move(
    current: TargetRevisionState, to: TargetRevisionState, roles: Iterable[Role], *, four_eyes: FourEyes
) -> Move[TargetRevisionState]:
    """Approve or refuse a proposed revision: who may is who may approve a proposed target, or send it
    back; whoever proposed the revision does not approve it."""
    moves = {TargetRevisionState.APPROVED: TargetState.APPROVED, TargetRevisionState.REFUSED: TargetState.DRAFT}
    if current is not TargetRevisionState.PROPOSED or to not in moves:
        raise TransitionNotAllowed(
            f"A target revision that is {current.value} cannot become {to.value}: only a proposed revision "
            "is approved or refused.",
            current=current.value,
            requested=to.value,
            field="to",
        )
    move = target_move(TargetState.PROPOSED, moves[to], roles, four_eyes=four_eyes)
    return Move(to, move.note)


def allowed_target_transitions(
    current: TargetState, roles: Iterable[Role], *, is_owner: bool = False, four_eyes: FourEyes | None = None
) -> tuple[TargetState, ...]:
    return TARGET_MACHINE.allowed(current, roles, is_owner=is_owner, four_eyes=four_eyes)


def service_plan_transition(
    current: ServicePlanState,
    target_state: ServicePlanState,
    roles: Iterable[Role],
    *,
    is_owner: bool = False,
) -> ServicePlanState:
    return SERVICE_PLAN_MACHINE.transition(current, target_state, roles, is_owner=is_owner)


def allowed_service_plan_transitions(
    current: ServicePlanState, roles: Iterable[Role], *, is_owner: bool = False
) -> tuple[ServicePlanState, ...]:
    return SERVICE_PLAN_MACHINE.allowed(current, roles, is_owner=is_owner)


def intervention_transition(
    current: InterventionState, target_state: InterventionState, roles: Iterable[Role], *, is_owner: bool = False
) -> InterventionState:
    return INTERVENTION_MACHINE.transition(current, target_state, roles, is_owner=is_owner)


def allowed_intervention_transitions(
    current: InterventionState, roles: Iterable[Role], *, is_owner: bool = False, four_eyes: FourEyes | None = None
) -> tuple[InterventionState, ...]:
    return INTERVENTION_MACHINE.allowed(current, roles, is_owner=is_owner, four_eyes=four_eyes)
