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
  published``; each review may send the plan back.
* **KPI Intervention Form** (seed 001, Appendix F): approved in order by the Head of Service
  (``service_manager``), the Director and the Portfolio Holder, then closed when the KPI has recovered.

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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from pmf_api.domain.errors import DomainError, FourEyesRefused, TransitionNotAllowed


class Role(StrEnum):
    PERFORMANCE = "performance"
    DIRECTOR = "director"
    PORTFOLIO_HOLDER = "portfolio_holder"
    SERVICE_MANAGER = "service_manager"
    KPI_OWNER = "kpi_owner"
    VIEWER = "viewer"
    AUDITOR = "auditor"


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


class ServicePlanState(StrEnum):
    DRAFT = "draft"
    QUALITY_REVIEW = "quality_review"
    STRATEGIC_REVIEW = "strategic_review"
    APPROVED = "approved"
    PUBLISHED = "published"


class InterventionState(StrEnum):
    DRAFT = "draft"
    HEAD_OF_SERVICE_APPROVED = "head_of_service_approved"
    DIRECTOR_APPROVED = "director_approved"
    APPROVED = "approved"
    CLOSED = "closed"


State = TypeVar("State", bound=StrEnum)

OWNER = "owner of the item"
"""How the owner (who may act whatever their roles) is named in ``allowed_roles`` and messages."""


@dataclass(frozen=True, slots=True)
class TransitionRule:
    """Who may make one transition: any of ``roles``, or the item's owner when ``owner_may``."""

    roles: frozenset[Role]
    owner_may: bool = False

    def permits(self, roles: Iterable[Role], is_owner: bool) -> bool:
        return (self.owner_may and is_owner) or not self.roles.isdisjoint(roles)

    def describe(self) -> tuple[str, ...]:
        names = sorted(role.value for role in self.roles)
        return (*names, OWNER) if self.owner_may else tuple(names)


@dataclass(frozen=True, slots=True)
class FourEyes:
    """Who is asking (``actor``), who did the work a check would look at (``work``: what was done,
    and by whom), and whether the organisation lets one person check their own work (``relaxed``).

    People are told apart by the subject of their credentials (a token's ``sub``, an API key's name).
    """

    actor: str
    work: tuple[tuple[str, str | None], ...] = ()
    relaxed: bool = False

    @classmethod
    def of(cls, actor: str, *, relaxed: bool = False, **work: str | None) -> FourEyes:
        """``FourEyes.of(subject, entered=..., submitted=...)``: the work in the order given."""
        return cls(actor, tuple(work.items()), relaxed)

    def own_work(self) -> tuple[str, ...]:
        """What of the work the actor did themselves, e.g. ``("entered", "submitted")``."""
        return tuple(what for what, who in self.work if who is not None and who == self.actor)


@dataclass(frozen=True, slots=True)
class Move(Generic[State]):
    """The state a transition reaches, and the audit note it needs (when four-eyes was relaxed)."""

    state: State
    note: str | None = None


class StateMachine(Generic[State]):
    """A table of allowed transitions and the roles that may make each.

    ``checks`` are the states reached by checking someone else's work (validated, approved): four-eyes
    keeps whoever did that work from making those moves.
    """

    def __init__(
        self,
        subject: str,
        rules: Mapping[tuple[State, State], TransitionRule],
        checks: Iterable[State] = (),
    ) -> None:
        self.subject = subject
        self.rules = dict(rules)
        self.checks = frozenset(checks)

    def allowed(
        self, current: State, roles: Iterable[Role], *, is_owner: bool = False, four_eyes: FourEyes | None = None
    ) -> tuple[State, ...]:
        held = frozenset(roles)
        return tuple(
            to_state
            for (from_state, to_state), rule in self.rules.items()
            if from_state == current
            and rule.permits(held, is_owner)
            and self._refusal(current, to_state, four_eyes) is None
        )

    def describe(self) -> str:
        """The transitions and who may make each, one per line, in the order the table lists them
        (what the API's documentation of each workflow says)."""
        return "\n".join(
            f"- `{from_state.value}` -> `{to_state.value}`: {_or_list(rule.describe())}"
            for (from_state, to_state), rule in self.rules.items()
        )

    def _own_work(self, requested: State, four_eyes: FourEyes | None) -> tuple[str, ...]:
        if four_eyes is None or requested not in self.checks:
            return ()
        return four_eyes.own_work()

    def _refusal(self, current: State, requested: State, four_eyes: FourEyes | None) -> FourEyesRefused | None:
        own = self._own_work(requested, four_eyes)
        if not own or (four_eyes is not None and four_eyes.relaxed):
            return None
        return FourEyesRefused(
            f"Four-eyes: you {_and_list(own)} this {self.subject}, so someone else must move it to {requested.value}.",
            current=current.value,
            requested=requested.value,
            own_work=own,
        )

    def move(
        self,
        current: State,
        requested: State,
        roles: Iterable[Role],
        *,
        is_owner: bool = False,
        four_eyes: FourEyes | None = None,
    ) -> Move[State]:
        """The transition, with four-eyes: refused, or (relaxed) allowed with a note for the audit trail."""
        state = self.transition(current, requested, roles, is_owner=is_owner)
        refusal = self._refusal(current, requested, four_eyes)
        if refusal is not None:
            raise refusal
        own = self._own_work(requested, four_eyes)
        note = (
            f"Four-eyes relaxed by the organisation: moved to {requested.value} by the person who {_and_list(own)} it"
            if own
            else None
        )
        return Move(state, note)

    def transition(self, current: State, requested: State, roles: Iterable[Role], *, is_owner: bool = False) -> State:
        rule = self.rules.get((current, requested))
        if rule is None:
            reachable = sorted(to.value for (frm, to) in self.rules if frm == current)
            options = ", ".join(reachable) if reachable else "nothing: it is final"
            raise TransitionNotAllowed(
                f"A {self.subject} cannot move from {current.value} to {requested.value}; "
                f"from {current.value} it can move to {options}.",
                current=current.value,
                requested=requested.value,
            )
        if not rule.permits(frozenset(roles), is_owner):
            raise TransitionNotAllowed(
                f"Only {_or_list(rule.describe())} may move a {self.subject} from {current.value} "
                f"to {requested.value}.",
                current=current.value,
                requested=requested.value,
                allowed_roles=rule.describe(),
            )
        return requested


def _or_list(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _and_list(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


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
        # Approvals in order: Head of Service, Director, Portfolio Holder (seed 001, Appendix F).
        (InterventionState.DRAFT, InterventionState.HEAD_OF_SERVICE_APPROVED): _rule(Role.SERVICE_MANAGER),
        (InterventionState.HEAD_OF_SERVICE_APPROVED, InterventionState.DIRECTOR_APPROVED): _rule(Role.DIRECTOR),
        (InterventionState.DIRECTOR_APPROVED, InterventionState.APPROVED): _rule(Role.PORTFOLIO_HOLDER),
        # Each approver may send the form back for more work.
        (InterventionState.HEAD_OF_SERVICE_APPROVED, InterventionState.DRAFT): _rule(Role.DIRECTOR),
        (InterventionState.DIRECTOR_APPROVED, InterventionState.DRAFT): _rule(Role.PORTFOLIO_HOLDER),
        # Closed when the KPI is back within tolerance, or withdrawn as a temporary lapse.
        (InterventionState.APPROVED, InterventionState.CLOSED): _rule(Role.PERFORMANCE, Role.DIRECTOR),
        (InterventionState.DRAFT, InterventionState.CLOSED): _rule(Role.PERFORMANCE, Role.DIRECTOR),
    },
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
            f"Only {_or_list(REVISION_RULE.describe())} may revise a published value.",
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
    current: InterventionState, target_state: InterventionState, roles: Iterable[Role]
) -> InterventionState:
    return INTERVENTION_MACHINE.transition(current, target_state, roles)


def allowed_intervention_transitions(
    current: InterventionState, roles: Iterable[Role]
) -> tuple[InterventionState, ...]:
    return INTERVENTION_MACHINE.allowed(current, roles)
