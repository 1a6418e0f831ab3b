"""Scrutiny challenges (seeds 000_a1d4643dc9bd64fe.txt and 001_ec6bae7b38cacc6f.txt, Overview and
Scrutiny Panels): tables of the question workflow and the checks, and properties of the derived state."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain import DomainError, FourEyesRefused, TransitionNotAllowed
from pmf_api.domain.roles import Role
from pmf_api.domain.scrutiny import (
    MAX_QUESTIONS,
    QUESTION_MACHINE,
    AnswerReminder,
    ChallengeKind,
    ChallengeState,
    QuestionState,
    SubjectType,
    answer_reminder,
    challenge_state,
    check_due_on,
    check_question_added,
    check_question_count,
    check_question_text,
    check_reassignment,
    check_subject,
    is_overdue,
    question_move,
)

Q = QuestionState
OFFICER = "officer@example.gov.uk"
MEMBER = "cllr@example.gov.uk"
TEAM = "team@example.gov.uk"


# --- The question workflow ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "to", "roles", "assignee", "answered_by", "actor"),
    [
        (Q.OPEN, Q.ANSWERED, {Role.KPI_OWNER}, True, None, OFFICER),  # the assigned officer answers
        (Q.OPEN, Q.ANSWERED, set(), True, None, OFFICER),  # whatever their roles
        (Q.OPEN, Q.ANSWERED, {Role.PERFORMANCE}, True, None, TEAM),  # the team, when assigned
        (Q.ANSWERED, Q.ACCEPTED, {Role.VIEWER}, False, OFFICER, MEMBER),  # the panel accepts
        (Q.ANSWERED, Q.FOLLOWED_UP, {Role.VIEWER}, False, OFFICER, MEMBER),
        (Q.ANSWERED, Q.ACCEPTED, {Role.PERFORMANCE}, False, OFFICER, TEAM),  # the team records it
    ],
)
def test_who_moves_a_question(
    current: Q, to: Q, roles: set[Role], assignee: bool, answered_by: str | None, actor: str
) -> None:
    move = question_move(current, to, roles, actor=actor, is_assignee=assignee, answered_by=answered_by)
    assert move.state is to and move.note is None


@pytest.mark.parametrize(
    ("current", "to", "roles", "assignee", "has_roles"),
    [
        (Q.OPEN, Q.ANSWERED, {Role.VIEWER}, False, True),  # a member does not answer (403)
        (Q.OPEN, Q.ANSWERED, {Role.SERVICE_MANAGER}, False, True),  # nor an officer not assigned
        (Q.OPEN, Q.ANSWERED, {Role.PERFORMANCE}, False, True),  # nor the team for someone else
        (Q.ANSWERED, Q.ACCEPTED, {Role.KPI_OWNER}, True, True),  # the officer does not accept
        (Q.ACCEPTED, Q.ANSWERED, {Role.PERFORMANCE}, True, False),  # an accepted question is final (409)
        (Q.FOLLOWED_UP, Q.ANSWERED, {Role.PERFORMANCE}, True, False),
        (Q.OPEN, Q.ACCEPTED, {Role.VIEWER}, False, False),  # nothing to accept yet
        (Q.ACCEPTED, Q.FOLLOWED_UP, {Role.VIEWER}, False, False),
    ],
)
def test_moves_refused(current: Q, to: Q, roles: set[Role], assignee: bool, has_roles: bool) -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        question_move(current, to, roles, actor=MEMBER, is_assignee=assignee, answered_by=OFFICER)
    assert bool(refused.value.allowed_roles) is has_roles


@pytest.mark.parametrize("to", [Q.ACCEPTED, Q.FOLLOWED_UP])
def test_whoever_answered_does_not_judge_their_own_answer(to: Q) -> None:
    with pytest.raises(FourEyesRefused) as refused:
        question_move(Q.ANSWERED, to, {Role.PERFORMANCE, Role.VIEWER}, actor=TEAM, answered_by=TEAM)
    assert refused.value.own_work == ("answered",)
    relaxed = question_move(Q.ANSWERED, to, {Role.PERFORMANCE}, actor=TEAM, answered_by=TEAM, relaxed=True)
    assert relaxed.state is to and relaxed.note is not None and "answered" in relaxed.note


def test_the_machine_describes_itself() -> None:
    described = QUESTION_MACHINE.describe()
    assert "`open` -> `answered`: owner of the item" in described
    assert "`answered` -> `accepted`: performance or viewer" in described


@pytest.mark.parametrize(
    ("state", "roles", "refused", "has_roles"),
    [
        (Q.OPEN, {Role.PERFORMANCE}, False, False),
        (Q.OPEN, {Role.VIEWER}, True, True),  # 403: the team's job
        (Q.OPEN, set(), True, True),
        (Q.ANSWERED, {Role.PERFORMANCE}, True, False),  # 409: nothing waits for an officer
        (Q.ACCEPTED, {Role.PERFORMANCE}, True, False),
        (Q.FOLLOWED_UP, {Role.PERFORMANCE}, True, False),
    ],
)
def test_the_team_reassigns_an_open_question(state: Q, roles: set[Role], refused: bool, has_roles: bool) -> None:
    if not refused:
        check_reassignment(state, roles)
        return
    with pytest.raises(TransitionNotAllowed) as error:
        check_reassignment(state, roles)
    assert bool(error.value.allowed_roles) is has_roles


# --- The challenge's state ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("questions", "state"),
    [
        ([], ChallengeState.OPEN),
        ([Q.OPEN], ChallengeState.OPEN),
        ([Q.ANSWERED], ChallengeState.ANSWERED),
        ([Q.ACCEPTED], ChallengeState.CLOSED),
        ([Q.ACCEPTED, Q.ANSWERED], ChallengeState.ANSWERED),
        ([Q.FOLLOWED_UP, Q.OPEN], ChallengeState.OPEN),  # the follow-up waits for its answer
        ([Q.FOLLOWED_UP, Q.ACCEPTED], ChallengeState.CLOSED),
        ([Q.ANSWERED, Q.OPEN, Q.ACCEPTED], ChallengeState.OPEN),
    ],
)
def test_a_challenge_state_derives_from_its_questions(questions: list[Q], state: ChallengeState) -> None:
    assert challenge_state(questions) is state


@given(st.lists(st.sampled_from(list(Q)), min_size=1))
def test_a_challenge_is_closed_exactly_when_no_question_waits(questions: list[Q]) -> None:
    state = challenge_state(questions)
    waiting = {Q.OPEN, Q.ANSWERED} & set(questions)
    assert (state is ChallengeState.CLOSED) == (not waiting)
    assert (state is ChallengeState.OPEN) == (Q.OPEN in questions)
    assert challenge_state(reversed(questions)) is state  # order does not matter


# --- Checks ---------------------------------------------------------------------------------------


def test_question_text_is_stripped_and_may_not_be_empty() -> None:
    assert check_question_text("  Why is the backlog growing?  ") == "Why is the backlog growing?"
    for empty in ("", "   ", "\n\t"):
        with pytest.raises(DomainError) as refused:
            check_question_text(empty)
        assert refused.value.field == "text"
    with pytest.raises(DomainError) as refused:
        check_question_text(" ", field="answer")
    assert refused.value.field == "answer"


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(-400, 400))
def test_an_answer_is_never_due_before_the_question_was_asked(raised: date, days: int) -> None:
    due = raised + timedelta(days=days)
    if days >= 0:
        assert check_due_on(due, raised) == due
    else:
        with pytest.raises(DomainError) as refused:
            check_due_on(due, raised)
        assert refused.value.field == "due_on"


@pytest.mark.parametrize(
    ("kind", "count", "refused"),
    [
        (ChallengeKind.QUESTION, 1, False),
        (ChallengeKind.QUESTION, 0, True),
        (ChallengeKind.QUESTION, 2, True),
        (ChallengeKind.TASK_AND_FINISH, 1, False),
        (ChallengeKind.TASK_AND_FINISH, 5, False),
        (ChallengeKind.TASK_AND_FINISH, 0, True),
        (ChallengeKind.TASK_AND_FINISH, MAX_QUESTIONS, False),
        (ChallengeKind.TASK_AND_FINISH, MAX_QUESTIONS + 1, True),
    ],
)
def test_how_many_questions_a_challenge_asks(kind: ChallengeKind, count: int, refused: bool) -> None:
    if refused:
        with pytest.raises(DomainError) as error:
            check_question_count(kind, count)
        assert error.value.field == "questions"
    else:
        check_question_count(kind, count)


def test_a_review_asks_more_questions_and_a_plain_question_does_not() -> None:
    check_question_added(ChallengeKind.TASK_AND_FINISH, 3)
    check_question_added(ChallengeKind.TASK_AND_FINISH, MAX_QUESTIONS - 1)
    with pytest.raises(DomainError) as full:
        check_question_added(ChallengeKind.TASK_AND_FINISH, MAX_QUESTIONS)
    assert full.value.field == "text"
    with pytest.raises(TransitionNotAllowed) as plain:
        check_question_added(ChallengeKind.QUESTION, 1)
    assert plain.value.allowed_roles == ()  # 409: the challenge's kind, not the asker, is at fault


ID = uuid.uuid4()


@pytest.mark.parametrize(
    ("subject_type", "subject_id", "year", "quarter", "field"),
    [
        (SubjectType.KPI, ID, None, None, None),
        (SubjectType.ACTION, ID, None, None, None),
        (SubjectType.RISK, ID, None, None, None),
        (SubjectType.REPORT, None, "2025/26", 2, None),
        (SubjectType.REPORT, ID, "2025/26", 2, "subject_id"),
        (SubjectType.REPORT, None, None, 2, "report_financial_year"),
        (SubjectType.REPORT, None, "2025/26", None, "report_quarter"),
        (SubjectType.KPI, None, None, None, "subject_id"),
        (SubjectType.KPI, ID, "2025/26", None, "report_financial_year"),
        (SubjectType.ACTION, ID, None, 3, "report_quarter"),
        (SubjectType.RISK, ID, None, None, "report_title"),
    ],
)
def test_a_subject_is_named_by_id_or_by_its_report_quarter(
    subject_type: SubjectType, subject_id: uuid.UUID | None, year: str | None, quarter: int | None, field: str | None
) -> None:
    title = "Corporate Performance Report" if field == "report_title" else None
    if field is None:
        check_subject(
            subject_type, subject_id, year, quarter, "Q2 report" if subject_type is SubjectType.REPORT else None
        )
    else:
        with pytest.raises(DomainError) as refused:
            check_subject(subject_type, subject_id, year, quarter, title)
        assert refused.value.field == field


# --- Overdue and reminders ------------------------------------------------------------------------

MONDAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("state", "due", "overdue", "reminder"),
    [
        (Q.OPEN, MONDAY - timedelta(days=1), True, AnswerReminder.OVERDUE),
        (Q.OPEN, MONDAY, False, AnswerReminder.DUE_SOON),  # due today
        (Q.OPEN, MONDAY + timedelta(days=3), False, AnswerReminder.DUE_SOON),  # Thursday: 3 working days
        (Q.OPEN, MONDAY + timedelta(days=4), False, None),  # Friday: 4 working days
        (Q.ANSWERED, MONDAY - timedelta(days=9), False, None),  # answered: nothing to chase
        (Q.ACCEPTED, MONDAY - timedelta(days=9), False, None),
    ],
)
def test_overdue_answers_and_reminders(state: Q, due: date, overdue: bool, reminder: AnswerReminder | None) -> None:
    assert is_overdue(state, due, MONDAY) is overdue
    assert answer_reminder(state, due, MONDAY) is reminder


@given(st.sampled_from(list(Q)), st.integers(-60, 60))
def test_only_an_open_question_reminds_and_overdue_is_the_reminder_of_a_passed_date(state: Q, days: int) -> None:
    due = MONDAY + timedelta(days=days)
    reminder = answer_reminder(state, due, MONDAY)
    if state is not Q.OPEN:
        assert reminder is None
    assert (reminder is AnswerReminder.OVERDUE) == is_overdue(state, due, MONDAY)
