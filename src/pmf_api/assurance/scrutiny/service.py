"""Use cases of scrutiny challenges (seeds 000_a1d4643dc9bd64fe.txt and 001_ec6bae7b38cacc6f.txt,
Overview and Scrutiny Panels): raise one on a KPI, an action, a risk or a quarterly report, answer its
questions, accept an answer or follow it up, reassign a question, ask another; and the challenges of a
quarter, which the quarterly report lists (reading one, and the list, are ``reading``).

Who: scrutiny members hold the ``viewer`` role; they (and the performance team) raise challenges and
decide on answers. The officer a question is assigned to answers it, and nobody else does: the
performance team reassigns an open question (another officer, a new due date) rather than answer for
someone. Whoever answered does not accept or follow up their own answer (four-eyes, unless the
organisation relaxes it). The rules are ``domain.scrutiny``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_read, require_write
from pmf_api.assurance.risks.repository import RiskRepository
from pmf_api.assurance.scrutiny.models import ScrutinyChallenge, ScrutinyQuestion
from pmf_api.assurance.scrutiny.reading import ChallengeView, quarter_dates, views_of
from pmf_api.assurance.scrutiny.repository import ScrutinyChallengeRepository
from pmf_api.domain.errors import DomainError
from pmf_api.domain.scrutiny import (
    ChallengeKind,
    ChallengeState,
    QuestionState,
    SubjectType,
    challenge_state,
    check_due_on,
    check_question_added,
    check_question_count,
    check_question_text,
    check_reassignment,
    check_subject,
    question_move,
)
from pmf_api.framework.actions.repository import ActionRepository
from pmf_api.framework.organisations.repository import PersonRepository
from pmf_api.framework.organisations.service import four_eyes_required, get_organisation
from pmf_api.performance.kpis.repository import KpiRepository
from pmf_api.platform import audit, events
from pmf_api.platform.db.base import utcnow
from pmf_api.platform.db.repository import OwnedRepository
from pmf_api.platform.errors import Location, NotFound, PreconditionFailed, invalid

# What a challenge may be about, and the repository that says whether the record is the council's.
# A new subject is one entry here. Reports have no table yet (they come with the reports issue): a
# report is named by financial year and quarter.
SUBJECT_REPOSITORIES: dict[SubjectType, type[OwnedRepository[Any]]] = {
    SubjectType.KPI: KpiRepository,
    SubjectType.ACTION: ActionRepository,
    SubjectType.RISK: RiskRepository,
}


async def challenges_in_quarter(
    session: AsyncSession, actor: Actor, financial_year: str, quarter: int, *, as_of: date
) -> list[ChallengeView]:
    """The challenges a quarterly report lists: raised in the quarter, or with a question answered in
    it (seed 000: the quarterly reports go to the Overview and Scrutiny Panel, whose feedback goes to
    Cabinet with them), oldest first."""
    require_read(actor)
    first, last = await quarter_dates(session, actor, financial_year, quarter, location=Location.BODY)
    records = await ScrutinyChallengeRepository(session).of_quarter(actor.organisation_id, first, last)
    return await views_of(session, records, as_of)


# --- Raising ---------------------------------------------------------------------------------------


async def _check_subject(session: AsyncSession, actor: Actor, data: Mapping[str, Any]) -> SubjectType:
    subject_type = SubjectType(data["subject_type"])
    try:
        named = ("subject_id", "report_financial_year", "report_quarter", "report_title")
        check_subject(subject_type, *(data.get(name) for name in named))
    except DomainError as exc:
        raise invalid(exc.field or "subject_type", exc.message) from None
    if subject_type is SubjectType.REPORT:
        return subject_type
    repository = SUBJECT_REPOSITORIES.get(subject_type)
    if repository is None:
        raise invalid(
            "subject_type", f"Challenges on a {subject_type.value} cannot be raised yet: there is no register"
        )
    if not await repository(session).exists(actor, data["subject_id"]):
        raise invalid("subject_id", f"No {subject_type.value} with id {data['subject_id']} in this organisation")
    return subject_type


async def _check_person(session: AsyncSession, actor: Actor, person_id: uuid.UUID, field: str) -> None:
    if not await PersonRepository(session).exists(actor, person_id):
        raise invalid(field, f"No person with id {person_id} in this organisation")


async def _check_question(
    session: AsyncSession, actor: Actor, question: Mapping[str, Any], not_before: date, prefix: str = ""
) -> str:
    try:
        text = check_question_text(question.get("text") or "", field=f"{prefix}text")
        check_due_on(question["due_on"], not_before, field=f"{prefix}due_on")
    except DomainError as exc:
        raise invalid(exc.field or f"{prefix}text", exc.message) from None
    await _check_person(session, actor, question["assigned_to_id"], f"{prefix}assigned_to_id")
    return text


async def raise_challenge(
    session: AsyncSession, actor: Actor, data: Mapping[str, Any], *, as_of: date
) -> ChallengeView:
    """Record a panel's challenge and its questions, each assigned to an officer with a due date not
    before the day it was raised (``raised_on``: today unless given, never in the future)."""
    require_write(actor, Resource.scrutiny)
    raised_on: date = data.get("raised_on") or as_of
    if raised_on > as_of:
        raise invalid("raised_on", f"A challenge cannot be raised in the future ({raised_on.isoformat()})")
    kind = ChallengeKind(data.get("kind") or ChallengeKind.QUESTION)
    questions = list(data.get("questions") or [])
    try:
        check_question_count(kind, len(questions))
    except DomainError as exc:
        raise invalid("questions", exc.message) from None
    subject_type = await _check_subject(session, actor, data)
    if data.get("member_person_id") is not None:
        await _check_person(session, actor, data["member_person_id"], "member_person_id")
    texts = [
        await _check_question(session, actor, question, raised_on, prefix=f"questions.{index}.")
        for index, question in enumerate(questions)
    ]
    record = ScrutinyChallenge(
        organisation_id=actor.organisation_id,
        kind=kind.value,
        title=data["title"],
        state=ChallengeState.OPEN.value,
        panel=data["panel"],
        member_name=data["member_name"],
        member_person_id=data.get("member_person_id"),
        meeting=data.get("meeting"),
        meeting_date=data.get("meeting_date"),
        raised_on=raised_on,
        raised_by=actor.subject,
        raised_by_name=actor.name,
        subject_type=subject_type.value,
        subject_id=data.get("subject_id"),
        report_financial_year=data.get("report_financial_year"),
        report_quarter=data.get("report_quarter"),
        report_title=data.get("report_title"),
    )
    await audit.create(session, actor, record)
    await session.flush()
    rows = []
    for number, (question, text) in enumerate(zip(questions, texts, strict=True), start=1):
        row = ScrutinyQuestion(
            organisation_id=actor.organisation_id,
            challenge_id=record.id,
            number=number,
            text=text,
            assigned_to_id=question["assigned_to_id"],
            asked_on=raised_on,
            due_on=question["due_on"],
            state=QuestionState.OPEN.value,
        )
        await audit.create(session, actor, row)
        rows.append(row)
    await session.flush()
    await _emit(session, record, "challenge.raised", {"questions": len(rows), "by": actor.subject})
    return ChallengeView(record, rows, as_of)


async def _emit(session: AsyncSession, record: ScrutinyChallenge, event_type: str, data: dict[str, Any]) -> None:
    await events.emit(
        session,
        organisation_id=record.organisation_id,
        event_type=event_type,
        subject={"challenge_id": record.id, "subject_type": record.subject_type, "subject_id": record.subject_id},
        data={"title": record.title, "panel": record.panel, "state": record.state, **data},
    )


# --- Answering and deciding ------------------------------------------------------------------------


async def _question_of(
    session: AsyncSession, actor: Actor, challenge_id: uuid.UUID, question_id: uuid.UUID, expected_version: int | None
) -> tuple[ScrutinyChallenge, ScrutinyQuestion]:
    require_read(actor)
    repository = ScrutinyChallengeRepository(session)
    record = await repository.get(actor, challenge_id)
    question = await repository.question(record.id, question_id)
    if question is None:
        raise NotFound(detail=f"No question with id {question_id} in scrutiny challenge {challenge_id}")
    # The challenge's version covers its questions (its ETag): checked before anything is written.
    if expected_version is not None and expected_version != record.version:
        raise PreconditionFailed.if_match(
            f"You edited version {expected_version} but the challenge is now at version {record.version}"
        )
    return record, question


async def _settle(
    session: AsyncSession, actor: Actor, record: ScrutinyChallenge, action: str, note: str, as_of: date
) -> ChallengeView:
    """Derive the challenge's state from its questions, and move its version (its ETag covers them)."""
    questions = (await ScrutinyChallengeRepository(session).questions([record.id]))[record.id]
    state = challenge_state(QuestionState(q.state) for q in questions)
    changes: dict[str, Any] = {"state": state.value, "updated_at": utcnow()}
    changes["closed_on"] = as_of if state is ChallengeState.CLOSED else None
    await audit.update(session, actor, record, changes, None, action=action, note=note)
    await session.flush()
    return ChallengeView(record, questions, as_of)


async def answer_question(
    session: AsyncSession,
    actor: Actor,
    challenge_id: uuid.UUID,
    question_id: uuid.UUID,
    answer: str,
    expected_version: int | None,
    *,
    as_of: date,
) -> ChallengeView:
    """The assigned officer's answer."""
    record, question = await _question_of(session, actor, challenge_id, question_id, expected_version)
    is_assignee = actor.person_id is not None and actor.person_id == question.assigned_to_id
    move = question_move(
        QuestionState(question.state),
        QuestionState.ANSWERED,
        actor.roles,
        actor=actor.subject,
        is_assignee=is_assignee,
    )
    try:
        text = check_question_text(answer, field="answer", what="answer")
    except DomainError as exc:
        raise invalid("answer", exc.message) from None
    changes = {
        "state": move.state.value,
        "answer": text,
        "answered_by": actor.subject,
        "answered_by_name": actor.name,
        "answered_on": as_of,
        "answered_at": utcnow(),
    }
    await audit.update(session, actor, question, changes, None, action="answer")
    view = await _settle(session, actor, record, "answer", f"Question {question.number} answered", as_of)
    await _emit(session, record, "challenge.answered", {"question": question.number, "by": actor.subject})
    return view


async def _decision(
    session: AsyncSession,
    actor: Actor,
    question: ScrutinyQuestion,
    to: QuestionState,
    comment: str | None,
    as_of: date,
) -> tuple[dict[str, Any], str | None]:
    """The panel's decision on an answer, checked (who, from what state, four-eyes): the question's
    changes and the audit note; nothing is written yet."""
    relaxed = not four_eyes_required(await get_organisation(session, actor))
    move = question_move(
        QuestionState(question.state),
        to,
        actor.roles_over(None),  # organisation-wide roles: as raising a challenge needs
        actor=actor.subject,
        answered_by=question.answered_by,
        relaxed=relaxed,
    )
    changes = {
        "state": move.state.value,
        "decided_by": actor.subject,
        "decided_by_name": actor.name,
        "decided_on": as_of,
        "decision_comment": comment,
    }
    return changes, "; ".join(n for n in (comment, move.note) if n) or None


async def accept_answer(
    session: AsyncSession,
    actor: Actor,
    challenge_id: uuid.UUID,
    question_id: uuid.UUID,
    comment: str | None,
    expected_version: int | None,
    *,
    as_of: date,
) -> ChallengeView:
    """The panel accepts an answer (a scrutiny member, or the performance team recording it)."""
    record, question = await _question_of(session, actor, challenge_id, question_id, expected_version)
    changes, note = await _decision(session, actor, question, QuestionState.ACCEPTED, comment, as_of)
    await audit.update(session, actor, question, changes, None, action="accept", note=note)
    return await _settle(session, actor, record, "accept", f"Answer to question {question.number} accepted", as_of)


async def follow_up_answer(
    session: AsyncSession,
    actor: Actor,
    challenge_id: uuid.UUID,
    question_id: uuid.UUID,
    data: Mapping[str, Any],
    expected_version: int | None,
    *,
    as_of: date,
) -> ChallengeView:
    """The panel follows an answer up with a new question (to the same officer unless said), due on
    a new date not before today; the new question names the one it follows, so the chain is kept."""
    record, question = await _question_of(session, actor, challenge_id, question_id, expected_version)
    changes, note = await _decision(session, actor, question, QuestionState.FOLLOWED_UP, data.get("comment"), as_of)
    follow_up = {"assigned_to_id": question.assigned_to_id, **{k: v for k, v in data.items() if v is not None}}
    text = await _check_question(session, actor, follow_up, as_of)
    await audit.update(session, actor, question, changes, None, action="follow_up", note=note)
    row = ScrutinyQuestion(
        organisation_id=record.organisation_id,
        challenge_id=record.id,
        number=await ScrutinyChallengeRepository(session).next_number(record.id),
        follows_id=question.id,
        text=text,
        assigned_to_id=follow_up["assigned_to_id"],
        asked_on=as_of,
        due_on=follow_up["due_on"],
        state=QuestionState.OPEN.value,
    )
    await audit.create(session, actor, row)
    await session.flush()
    return await _settle(
        session, actor, record, "follow_up", f"Answer to question {question.number} followed up", as_of
    )


async def reassign_question(
    session: AsyncSession,
    actor: Actor,
    challenge_id: uuid.UUID,
    question_id: uuid.UUID,
    data: Mapping[str, Any],
    expected_version: int | None,
    *,
    as_of: date,
) -> ChallengeView:
    """The performance team gives an open question to another officer, or a new due date (not before
    today), with a reason: an officer who has left, or an answer that needs longer."""
    record, question = await _question_of(session, actor, challenge_id, question_id, expected_version)
    check_reassignment(QuestionState(question.state), actor.roles_over(None))
    changes: dict[str, Any] = {}
    if data.get("assigned_to_id") is not None:
        await _check_person(session, actor, data["assigned_to_id"], "assigned_to_id")
        changes["assigned_to_id"] = data["assigned_to_id"]
    if data.get("due_on") is not None:
        try:
            changes["due_on"] = check_due_on(data["due_on"], as_of)
        except DomainError as exc:
            raise invalid("due_on", exc.message) from None
    if not changes:
        raise invalid("assigned_to_id", "Give another officer (assigned_to_id), a new due date (due_on), or both")
    await audit.update(session, actor, question, changes, None, action="reassign", note=data.get("reason"))
    return await _settle(session, actor, record, "reassign", f"Question {question.number} reassigned", as_of)


async def add_question(
    session: AsyncSession,
    actor: Actor,
    challenge_id: uuid.UUID,
    data: Mapping[str, Any],
    expected_version: int | None,
    *,
    as_of: date,
) -> ChallengeView:
    """A task-and-finish review asks another question (by a member or the performance team), due
    not before today; a closed review opens again until it is answered."""
    require_write(actor, Resource.scrutiny)
    repository = ScrutinyChallengeRepository(session)
    record = await repository.get(actor, challenge_id)
    if expected_version is not None and expected_version != record.version:
        raise PreconditionFailed.if_match(
            f"You edited version {expected_version} but the challenge is now at version {record.version}"
        )
    number = await repository.next_number(record.id)
    check_question_added(ChallengeKind(record.kind), number - 1)
    text = await _check_question(session, actor, data, as_of)
    row = ScrutinyQuestion(
        organisation_id=record.organisation_id,
        challenge_id=record.id,
        number=number,
        text=text,
        assigned_to_id=data["assigned_to_id"],
        asked_on=as_of,
        due_on=data["due_on"],
        state=QuestionState.OPEN.value,
    )
    await audit.create(session, actor, row)
    await session.flush()
    return await _settle(session, actor, record, "ask", f"Question {number} asked", as_of)
