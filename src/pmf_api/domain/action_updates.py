"""Quarterly action updates: when a quarter's update may be given, how it is checked and accepted,
and the state of an action's milestones.

Each Corporate Plan action "will receive an update, RAG status, and an impact each quarter"; the
performance team "check that the comment and the RAG conform", and "any stakeholder who has not
completed their Actions adequately is then contacted" (seed 001_ec6bae7b38cacc6f.txt, "Corporate Plan
Actions"). So an update is **submitted** by the action's owner (or someone who may change the action),
then **accepted** by the performance team or **returned** with a comment asking for more, then
**resubmitted**, until accepted. Four-eyes: whoever submitted an update does not accept it.

The RAG check itself is ``domain.actions.check_action_rag``; its result is stored on the update as a
flag, never a refusal. It is judged as at the quarter's end, or today when the quarter is still running
(:func:`check_date`).

The machine lives here rather than in ``domain.workflow`` so the action-update rules sit together;
it is built with the same ``StateMachine`` helper.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pmf_api.domain.errors import DomainError, InvalidValue, TransitionNotAllowed
from pmf_api.domain.periods import DEFAULT_START_MONTH, Period
from pmf_api.domain.roles import Role
from pmf_api.domain.state_machine import FourEyes, Move, StateMachine, TransitionRule


class ActionUpdateState(StrEnum):
    SUBMITTED = "submitted"
    RETURNED = "returned"  # the performance team asks for more (with a comment)
    RESUBMITTED = "resubmitted"
    ACCEPTED = "accepted"


_SUBMITTERS = frozenset({Role.PERFORMANCE, Role.DIRECTOR, Role.SERVICE_MANAGER})
_CHECKERS = frozenset({Role.PERFORMANCE})

ACTION_UPDATE_MACHINE: StateMachine[ActionUpdateState] = StateMachine(
    "action update",
    {
        # The performance team checks the comment and the RAG conform (seed 001, Corporate Plan Actions).
        (ActionUpdateState.SUBMITTED, ActionUpdateState.ACCEPTED): TransitionRule(_CHECKERS),
        (ActionUpdateState.SUBMITTED, ActionUpdateState.RETURNED): TransitionRule(_CHECKERS),
        # The owner (or whoever may change the action) answers with a better update.
        (ActionUpdateState.RETURNED, ActionUpdateState.RESUBMITTED): TransitionRule(_SUBMITTERS, owner_may=True),
        (ActionUpdateState.RESUBMITTED, ActionUpdateState.ACCEPTED): TransitionRule(_CHECKERS),
        (ActionUpdateState.RESUBMITTED, ActionUpdateState.RETURNED): TransitionRule(_CHECKERS),
    },
    # Four-eyes: whoever submitted the update does not accept it.
    checks=(ActionUpdateState.ACCEPTED,),
)

AWAITING_ACCEPTANCE = frozenset({ActionUpdateState.SUBMITTED, ActionUpdateState.RESUBMITTED})
"""Updates with the performance team."""


def action_update_move(
    current: ActionUpdateState,
    requested: ActionUpdateState,
    roles: frozenset[Role],
    *,
    is_owner: bool,
    four_eyes: FourEyes,
    comment: str | None = None,
) -> Move[ActionUpdateState]:
    """Move an update; returning one asks for more, so it needs a comment saying what."""
    move = ACTION_UPDATE_MACHINE.move(current, requested, roles, is_owner=is_owner, four_eyes=four_eyes)
    if requested is ActionUpdateState.RETURNED and not (comment or "").strip():
        raise DomainError("Returning an update asks for more: say what, in a comment.", field="comment")
    return move


def require_editable(state: ActionUpdateState) -> None:
    """An accepted update is the quarter's record: it is not changed."""
    if state is ActionUpdateState.ACCEPTED:
        raise TransitionNotAllowed(
            "An accepted update is not changed; the performance team has accepted it as the quarter's record.",
            current=state.value,
            requested="edit",
            field=None,
        )


def quarter_of(financial_year: str, quarter: int) -> Period:
    """The quarter (1-4) of ``financial_year``; a bad index points at ``quarter``."""
    if not 1 <= quarter <= 4:
        raise InvalidValue(f"A quarter is 1, 2, 3 or 4, not {quarter}.", field="quarter")
    return Period.quarter(financial_year, quarter)


def require_started(period: Period, as_of: date, start_month: int = DEFAULT_START_MONTH) -> None:
    """An update is for a quarter that has started: nothing can be reported on one still to come."""
    starts = period.start_date(start_month)
    if as_of < starts:
        raise InvalidValue(
            f"{period} starts on {starts:%d %B %Y}: an update is given once its quarter has started.",
            field="quarter",
        )


def check_date(period: Period, as_of: date, start_month: int = DEFAULT_START_MONTH) -> date:
    """The day an update's RAG is judged as at: the quarter's end, or today while it is running."""
    return min(period.end_date(start_month), as_of)


# --- Milestones ---------------------------------------------------------------------------------


class MilestoneState(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


@dataclass(frozen=True, slots=True)
class Milestone:
    """A dated step of an action: ``completed_on`` is set exactly when it is completed."""

    title: str
    due_date: date
    state: MilestoneState = MilestoneState.NOT_STARTED
    completed_on: date | None = None

    def __post_init__(self) -> None:
        if self.state is MilestoneState.COMPLETED and self.completed_on is None:
            raise InvalidValue(f"Milestone '{self.title}' is completed: say when.", field="completed_on")
        if self.state is not MilestoneState.COMPLETED and self.completed_on is not None:
            raise InvalidValue(
                f"Milestone '{self.title}' has a completion date but is {self.state.value}.", field="state"
            )


def stated_milestone_state(state: str | None, completed_on: date | None) -> MilestoneState:
    """The state as given, or (older milestones, which had none) completed when it has a date."""
    if state is not None:
        return MilestoneState(state)
    return MilestoneState.COMPLETED if completed_on is not None else MilestoneState.NOT_STARTED


def is_late(milestone: Milestone, as_of: date) -> bool:
    """Past its due date and not completed, as of ``as_of``."""
    return milestone.state is not MilestoneState.COMPLETED and as_of > milestone.due_date


def completed_late(milestone: Milestone) -> bool:
    """Completed, but after its due date."""
    return milestone.completed_on is not None and milestone.completed_on > milestone.due_date


def late_count(milestones: tuple[Milestone, ...], as_of: date) -> int:
    return sum(1 for milestone in milestones if is_late(milestone, as_of))
