"""Action RAG check: does an update's RAG fit its progress, dates and status?

Each Corporate Plan action gets a quarterly update with a RAG and a comment, and the performance
team checks the comment and the RAG conform (seed 001_ec6bae7b38cacc6f.txt; product brief, quarterly
action cycle). The suggested RAG, by default:

* completed: Green;
* cancelled: its own RAG (there is nothing left to judge);
* past its due date and not completed: Red;
* on hold: Amber;
* not started: Amber once its start date has passed, Green before;
* in progress: compared with the progress expected by now (the share of the time from start to due
  date that has elapsed): Green unless it is at least ``amber_behind_points`` (default 10) percentage
  points behind, Amber up to ``red_behind_points`` (default 25) behind, Red beyond.

Without a progress figure an in-progress update cannot be judged, and its own RAG is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pmf_api.domain.errors import InvalidValue
from pmf_api.domain.rag import Rag

_HUNDRED = Decimal(100)


class ActionStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"


def schedule_problems(start_date: date | None, due_date: date | None) -> list[InvalidValue]:
    """What is wrong with an action's dates: it cannot be due before it starts."""
    if start_date is not None and due_date is not None and due_date < start_date:
        return [InvalidValue(f"The action is due ({due_date}) before it starts ({start_date}).", field="due_date")]
    return []


@dataclass(frozen=True, slots=True)
class ActionUpdate:
    status: ActionStatus
    rag: Rag
    start_date: date
    due_date: date
    progress_percent: Decimal | None = None

    def __post_init__(self) -> None:
        for problem in schedule_problems(self.start_date, self.due_date):
            raise problem
        if self.progress_percent is not None and not 0 <= self.progress_percent <= _HUNDRED:
            raise InvalidValue("Progress is a percentage from 0 to 100.", field="progress_percent")


@dataclass(frozen=True, slots=True)
class ActionRagConfig:
    amber_behind_points: Decimal = Decimal(10)
    red_behind_points: Decimal = Decimal(25)


@dataclass(frozen=True, slots=True)
class ActionRagCheck:
    consistent: bool
    suggested: Rag
    reason: str


def expected_progress(update: ActionUpdate, as_of: date) -> Decimal:
    """The percentage of the time from start to due date that has passed by ``as_of`` (0 to 100)."""
    if as_of <= update.start_date:
        return Decimal(0)
    if as_of >= update.due_date:
        return _HUNDRED
    elapsed = (as_of - update.start_date).days
    return _HUNDRED * elapsed / (update.due_date - update.start_date).days


def check_action_rag(update: ActionUpdate, as_of: date, config: ActionRagConfig = ActionRagConfig()) -> ActionRagCheck:
    """The RAG the update's facts suggest, whether its own RAG fits, and why."""
    suggested, reason = _suggest(update, as_of, config)
    return ActionRagCheck(suggested is update.rag, suggested, reason)


def _suggest(update: ActionUpdate, as_of: date, config: ActionRagConfig) -> tuple[Rag, str]:
    if update.status is ActionStatus.COMPLETED:
        return Rag.GREEN, "The action is completed."
    if update.status is ActionStatus.CANCELLED:
        return update.rag, "The action is cancelled, so the update's own RAG is accepted."
    if as_of > update.due_date:
        return Rag.RED, f"The action was due on {update.due_date:%d %B %Y} and is not completed."
    if update.status is ActionStatus.ON_HOLD:
        return Rag.AMBER, "The action is on hold."
    if update.status is ActionStatus.NOT_STARTED:
        if as_of > update.start_date:
            return Rag.AMBER, f"The action should have started on {update.start_date:%d %B %Y}."
        return Rag.GREEN, "The action is not due to start yet."
    if update.progress_percent is None:
        return update.rag, "No progress figure was given, so the update's own RAG is accepted."
    expected = expected_progress(update, as_of)
    behind = expected - update.progress_percent
    summary = f"{update.progress_percent}% done against {expected:.0f}% expected by now"
    if behind >= config.red_behind_points:
        return Rag.RED, f"{summary}: {config.red_behind_points} or more points behind."
    if behind >= config.amber_behind_points:
        return Rag.AMBER, f"{summary}: {config.amber_behind_points} or more points behind."
    return Rag.GREEN, f"{summary}: on track."
