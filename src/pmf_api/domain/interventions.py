"""The KPI Intervention Form's rules (seed 001_ec6bae7b38cacc6f.txt, Appendix F).

The form is filled in "when Performance is below expectations and not considered a temporary lapse".
Opening it: on the escalation rule's recommendation (``escalation.needs_intervention``), or on the
performance team's judgement with a reason when the rule does not recommend one
(:func:`opening_basis`). One form is open per KPI at a time.

Its workflow is ``workflow.INTERVENTION_MACHINE``: ``draft -> submitted``, then the approvals in
order, Head of Service (``service_manager`` over the KPI's service), Director (``director`` of its
directorate), Portfolio Holder (``portfolio_holder`` of its portfolio) (:data:`APPROVAL_STEPS`).
Each approver may send it back to draft with a comment, and the approvals start again
(:func:`intervention_move`). Four-eyes: whoever opened or submitted the form, or gave one of its
earlier approvals, does not approve it (:func:`approval_four_eyes`), so three different people approve.

Cause and steps change only while the form is a draft (:data:`EDITABLE_STATES`). Progress is kept
for the periods after the opening one, at least three (:func:`progress_periods`,
:func:`check_progress_period`). It closes when the KPI is back within tolerance by
``escalation.may_close_intervention``, or is withdrawn with a reason (:func:`closing_state`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pmf_api.domain.errors import DomainError, TransitionNotAllowed
from pmf_api.domain.escalation import Decision
from pmf_api.domain.periods import Period
from pmf_api.domain.roles import Role
from pmf_api.domain.state_machine import FourEyes, Move, and_list
from pmf_api.domain.workflow import INTERVENTION_MACHINE, InterventionState

OPEN_STATES = frozenset(
    {
        InterventionState.DRAFT,
        InterventionState.SUBMITTED,
        InterventionState.HEAD_OF_SERVICE_APPROVED,
        InterventionState.DIRECTOR_APPROVED,
        InterventionState.APPROVED,
    }
)
EDITABLE_STATES = frozenset({InterventionState.DRAFT})
PROGRESS_PERIODS = 3
"""Periods of progress the form shows after the opening one, at least (Appendix F: Month 1 to 3)."""
MAX_PROGRESS_PERIODS = 12
"""Progress is kept for at most a year after the opening period."""
MIN_REASON_LENGTH = 3


class InterventionApproval(StrEnum):
    HEAD_OF_SERVICE = "head_of_service"
    DIRECTOR = "director"
    PORTFOLIO_HOLDER = "portfolio_holder"


class InterventionBasis(StrEnum):
    """Why a form was opened: the escalation rule recommended it, or the team judged it needed."""

    ESCALATION = "escalation"
    JUDGEMENT = "judgement"


class InterventionOutcome(StrEnum):
    """How a form ends: the KPI recovered, or it was withdrawn (a temporary lapse after all, say)."""

    RECOVERED = "recovered"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class ApprovalStep:
    """One approval of the form: who gives it (``role``), from which state, and the state it reaches."""

    approval: InterventionApproval
    role: Role
    awaits_in: InterventionState
    reaches: InterventionState


APPROVAL_STEPS: tuple[ApprovalStep, ...] = (
    ApprovalStep(
        InterventionApproval.HEAD_OF_SERVICE,
        Role.SERVICE_MANAGER,
        InterventionState.SUBMITTED,
        InterventionState.HEAD_OF_SERVICE_APPROVED,
    ),
    ApprovalStep(
        InterventionApproval.DIRECTOR,
        Role.DIRECTOR,
        InterventionState.HEAD_OF_SERVICE_APPROVED,
        InterventionState.DIRECTOR_APPROVED,
    ),
    ApprovalStep(
        InterventionApproval.PORTFOLIO_HOLDER,
        Role.PORTFOLIO_HOLDER,
        InterventionState.DIRECTOR_APPROVED,
        InterventionState.APPROVED,
    ),
)


def awaiting(state: InterventionState) -> ApprovalStep | None:
    """The approval a form in ``state`` waits for (None: not waiting for an approval)."""
    return next((step for step in APPROVAL_STEPS if step.awaits_in is state), None)


def approval_reached(state: InterventionState) -> ApprovalStep | None:
    """The approval that moves a form into ``state`` (None when ``state`` is not an approval)."""
    return next((step for step in APPROVAL_STEPS if step.reaches is state), None)


def opening_basis(decision: Decision, reason: str | None) -> InterventionBasis:
    """Open on the escalation rule's recommendation, or on judgement with a reason (field ``reason``)."""
    if decision.required:
        return InterventionBasis.ESCALATION
    if reason is not None and len(reason.strip()) >= MIN_REASON_LENGTH:
        return InterventionBasis.JUDGEMENT
    raise DomainError(
        "The escalation rule does not recommend an intervention ("
        + " ".join(decision.reasons)
        + "); to open one on the performance team's judgement, give a reason.",
        field="reason",
    )


def approval_four_eyes(
    actor: str,
    *,
    opened_by: str | None,
    submitted_by: str | None,
    approved_by: Iterable[str | None] = (),
    relaxed: bool = False,
) -> FourEyes:
    """Four-eyes for an approval: not by whoever opened or submitted the form, nor gave an earlier approval."""
    work = (("opened", opened_by), ("submitted", submitted_by), *(("approved", who) for who in approved_by))
    return FourEyes(actor, work, relaxed)


def intervention_move(
    current: InterventionState,
    requested: InterventionState,
    roles: Iterable[Role],
    *,
    four_eyes: FourEyes,
    is_owner: bool = False,
    comment: str | None = None,
    unanswered: Sequence[str] = (),
) -> Move[InterventionState]:
    """Submit, approve or send back a form. A form is submitted with its questions answered
    (``unanswered`` names those that are not: the cause, the steps); sending back needs a comment
    (field ``comment``); closing and withdrawing go through :func:`closing_state`."""
    if requested in (InterventionState.CLOSED, InterventionState.WITHDRAWN):
        raise DomainError("A form is closed or withdrawn by closing it, with its outcome.", field="to")
    move = INTERVENTION_MACHINE.move(current, requested, roles, is_owner=is_owner, four_eyes=four_eyes)
    if requested is InterventionState.SUBMITTED and unanswered:
        raise TransitionNotAllowed(
            f"Fill in the form's {and_list(tuple(unanswered))} before submitting it.",
            current=current.value,
            requested=requested.value,
            field=None,
        )
    sent_back = requested is InterventionState.DRAFT
    if sent_back and (comment is None or len(comment.strip()) < MIN_REASON_LENGTH):
        raise DomainError("Sending a form back needs a comment saying what to change.", field="comment")
    return move


def closing_state(
    current: InterventionState,
    outcome: InterventionOutcome,
    roles: Iterable[Role],
    *,
    closure: Decision | None,
    reason: str | None,
) -> InterventionState:
    """Close on recovery (only when ``closure``, ``escalation.may_close_intervention``'s decision,
    allows it) or withdraw with a reason (field ``reason``)."""
    end = InterventionState.CLOSED if outcome is InterventionOutcome.RECOVERED else InterventionState.WITHDRAWN
    INTERVENTION_MACHINE.transition(current, end, roles)
    if outcome is InterventionOutcome.WITHDRAWN:
        if reason is None or len(reason.strip()) < MIN_REASON_LENGTH:
            raise DomainError("Withdrawing a form needs a reason.", field="reason")
        return end
    if closure is None or not closure.required:
        why = " ".join(closure.reasons) if closure is not None else "It has no rated period yet."
        raise TransitionNotAllowed(
            f"The KPI is not back within tolerance by the closing rule: {why}",
            current=current.value,
            requested=end.value,
            field="outcome",
        )
    return end


def progress_periods(opened: Period, recorded: Sequence[Period] = ()) -> tuple[Period, ...]:
    """The periods the form shows progress for: the :data:`PROGRESS_PERIODS` after the opening one,
    and any later one with progress recorded, in order."""
    shown = {opened.shift(step) for step in range(1, PROGRESS_PERIODS + 1)}
    return tuple(sorted(shown.union(recorded)))


def check_progress_period(opened: Period, period: Period) -> None:
    """Progress is for a period of the KPI's frequency after the opening one, within a year (field ``period``)."""
    if period.frequency is not opened.frequency:
        raise DomainError(
            f"Progress is kept per {opened.frequency.value} period, as the KPI reports; {period} is not one.",
            field="period",
        )
    steps = period.periods_since(opened)
    if not 1 <= steps <= MAX_PROGRESS_PERIODS:
        raise DomainError(
            f"Progress is for the {MAX_PROGRESS_PERIODS} periods after {opened}, when the form was opened; "
            f"{period} is not one of them.",
            field="period",
        )
