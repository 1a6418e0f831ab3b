"""Scrutiny challenges: the rules of a panel's question and its answer.

Overview and Scrutiny panels "identify areas of the Council's work that need to be scrutinised and
challenge performance", and "may choose to convene task and finish groups to investigate a specific
performance issue" (seed 000_a1d4643dc9bd64fe.txt and seed 001_ec6bae7b38cacc6f.txt, "Overview and
Scrutiny Panels"); "the relevant Overview and Scrutiny Panel can also ask that information about
performance be provided and explained" (seed 000). Here a **challenge** is raised by a panel on a
subject (a KPI, an action, a risk or a quarterly report) and holds **questions**: one for a plain
``question``, one or more for a ``task_and_finish`` review.

Each question is assigned to an officer with a due date (not before the day the challenge was
raised). Its workflow is :data:`QUESTION_MACHINE`: ``open -> answered`` by the assigned officer (the
item's owner) and nobody else: the answer is theirs to give, so the performance team does not answer
for someone else; it reassigns an open question instead (another officer, a new due date:
:func:`check_reassignment`). Then ``answered -> accepted`` or ``answered -> followed_up`` by the panel
side (a scrutiny member holds the ``viewer`` role; the performance team may record the panel's
decision). A follow-up is a new open question that names the one it follows, so the chain is kept.
Four-eyes: whoever answered does not accept or follow up their own answer. The challenge's state
derives from its questions (:func:`challenge_state`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from pmf_api.domain.errors import InvalidValue, TransitionNotAllowed
from pmf_api.domain.reminders import working_days_between
from pmf_api.domain.roles import Role
from pmf_api.domain.state_machine import FourEyes, Move, StateMachine, TransitionRule

MAX_QUESTIONS = 50
"""A task-and-finish review asks several questions; more than this in one request is a mistake."""

DUE_SOON_WORKING_DAYS = 3
"""An answer due within this many working days is "due soon" in the assigned officer's digest."""


class ChallengeKind(StrEnum):
    QUESTION = "question"  # one question from a panel meeting
    TASK_AND_FINISH = "task_and_finish"  # a review by a task and finish group: several questions


class SubjectType(StrEnum):
    """What a challenge is about: a KPI, an action, a risk, or a quarterly report."""

    KPI = "kpi"
    ACTION = "action"
    RISK = "risk"
    REPORT = "report"


class QuestionState(StrEnum):
    OPEN = "open"  # assigned to an officer, waiting for the answer
    ANSWERED = "answered"  # answered, waiting for the panel's decision
    ACCEPTED = "accepted"  # the panel accepted the answer
    FOLLOWED_UP = "followed_up"  # the panel asked a follow-up question (a new open question)


class ChallengeState(StrEnum):
    OPEN = "open"  # a question waits for its answer
    ANSWERED = "answered"  # every question is answered; an answer waits for the panel's decision
    CLOSED = "closed"  # every answer was accepted (or followed up, and the follow-ups accepted)


class AnswerReminder(StrEnum):
    """Reminder kinds of the assigned officer's digest (``assurance.notifications.reminders``)."""

    DUE_SOON = "answer_due_soon"
    OVERDUE = "answer_overdue"


_PANEL_SIDE = frozenset({Role.VIEWER, Role.PERFORMANCE})

QUESTION_MACHINE: StateMachine[QuestionState] = StateMachine(
    "scrutiny question",
    {
        # The assigned officer answers (the owner), and nobody on their behalf.
        (QuestionState.OPEN, QuestionState.ANSWERED): TransitionRule(frozenset(), owner_may=True),
        # The panel side decides: scrutiny members (viewers), or the performance team recording it.
        (QuestionState.ANSWERED, QuestionState.ACCEPTED): TransitionRule(_PANEL_SIDE),
        (QuestionState.ANSWERED, QuestionState.FOLLOWED_UP): TransitionRule(_PANEL_SIDE),
    },
    # Four-eyes: whoever answered does not judge their own answer.
    checks=(QuestionState.ACCEPTED, QuestionState.FOLLOWED_UP),
)


def question_move(
    current: QuestionState,
    requested: QuestionState,
    roles: Iterable[Role],
    *,
    actor: str,
    is_assignee: bool = False,
    answered_by: str | None = None,
    relaxed: bool = False,
) -> Move[QuestionState]:
    """Move a question, or raise ``TransitionNotAllowed`` (``FourEyesRefused`` when ``actor`` answered it)."""
    four_eyes = FourEyes.of(actor, relaxed=relaxed, answered=answered_by)
    return QUESTION_MACHINE.move(current, requested, roles, is_owner=is_assignee, four_eyes=four_eyes)


REASSIGN_RULE = TransitionRule(frozenset({Role.PERFORMANCE}))
"""Who reassigns an open question (another officer, a new due date): the performance team."""


def check_reassignment(state: QuestionState, roles: Iterable[Role]) -> None:
    """Only an open question is reassigned, and only by the performance team."""
    if state is not QuestionState.OPEN:
        raise TransitionNotAllowed(
            f"A {state.value} question is not reassigned: only an open question waits for an officer.",
            current=state.value,
            requested="reassigned",
        )
    if not REASSIGN_RULE.permits(frozenset(roles), False):
        raise TransitionNotAllowed(
            "Only the performance team reassigns a scrutiny question.",
            current=state.value,
            requested="reassigned",
            allowed_roles=REASSIGN_RULE.describe(),
        )


def challenge_state(questions: Iterable[QuestionState]) -> ChallengeState:
    """Open while a question waits for its answer, answered while an answer waits for the panel,
    closed when every answer is accepted or followed up (a follow-up is itself a question)."""
    states = set(questions)
    if not states or QuestionState.OPEN in states:
        return ChallengeState.OPEN
    if QuestionState.ANSWERED in states:
        return ChallengeState.ANSWERED
    return ChallengeState.CLOSED


def check_question_text(text: str, field: str = "text", what: str = "question") -> str:
    """The question (or answer) itself, stripped; empty text asks (or answers) nothing."""
    stripped = text.strip()
    if not stripped:
        raise InvalidValue(f"Write the {what}: it may not be empty.", field=field)
    return stripped


def check_due_on(due_on: date, not_before: date, field: str = "due_on") -> date:
    """A question's due date: not before the day it was raised (or followed up)."""
    if due_on < not_before:
        raise InvalidValue(
            f"The answer cannot be due on {due_on.isoformat()}, before the question was asked "
            f"({not_before.isoformat()}).",
            field=field,
        )
    return due_on


def check_question_count(kind: ChallengeKind, count: int, field: str = "questions") -> None:
    """A plain question is one question; a task-and-finish review asks one or more (at most 50)."""
    if count < 1:
        raise InvalidValue("A challenge asks at least one question.", field=field)
    if kind is ChallengeKind.QUESTION and count > 1:
        raise InvalidValue(
            f"A challenge of kind question asks one question, not {count}: raise a task_and_finish review "
            "to ask several.",
            field=field,
        )
    if count > MAX_QUESTIONS:
        raise InvalidValue(f"A review asks at most {MAX_QUESTIONS} questions at once, not {count}.", field=field)


def check_subject(
    subject_type: SubjectType,
    subject_id: object | None,
    report_financial_year: str | None,
    report_quarter: int | None,
    report_title: str | None = None,
) -> None:
    """A report is named by its financial year and quarter (no id: reports are not records yet);
    every other subject by its record's id."""
    if subject_type is SubjectType.REPORT:
        if subject_id is not None:
            raise InvalidValue(
                "A report is named by report_financial_year and report_quarter, not an id.", field="subject_id"
            )
        if report_financial_year is None:
            raise InvalidValue("Name the report's financial year, e.g. 2025/26.", field="report_financial_year")
        if report_quarter is None:
            raise InvalidValue("Name the report's quarter, 1 to 4.", field="report_quarter")
        return
    if subject_id is None:
        raise InvalidValue(f"Name the {subject_type.value} challenged by its id.", field="subject_id")
    given = [
        name
        for name, value in (
            ("report_financial_year", report_financial_year),
            ("report_quarter", report_quarter),
            ("report_title", report_title),
        )
        if value is not None
    ]
    if given:
        field = given[0]
        raise InvalidValue(
            f"Only a report is named by a financial year, quarter and title, not a {subject_type.value}.", field=field
        )


def check_question_added(kind: ChallengeKind, asked: int) -> None:
    """A task-and-finish review asks more questions as it goes (at most 50 in all); a plain question
    does not grow: its answer is followed up instead (a state of the challenge, not of the input)."""
    if kind is ChallengeKind.QUESTION:
        raise TransitionNotAllowed(
            "A challenge of kind question asks one question: follow up its answer, or raise a task_and_finish review.",
            current=kind.value,
            requested="another question",
        )
    if asked >= MAX_QUESTIONS:
        raise InvalidValue(f"A review asks at most {MAX_QUESTIONS} questions; this one has {asked}.", field="text")


def is_overdue(state: QuestionState, due_on: date, as_of: date) -> bool:
    """An open question whose due date has passed."""
    return state is QuestionState.OPEN and due_on < as_of


def answer_reminder(
    state: QuestionState, due_on: date, as_of: date, soon_working_days: int = DUE_SOON_WORKING_DAYS
) -> AnswerReminder | None:
    """What the assigned officer is reminded of on ``as_of``: an open question overdue, or due within
    ``soon_working_days`` working days (today included); nothing once it is answered."""
    if state is not QuestionState.OPEN:
        return None
    if due_on < as_of:
        return AnswerReminder.OVERDUE
    if working_days_between(as_of, due_on) <= soon_working_days:
        return AnswerReminder.DUE_SOON
    return None
