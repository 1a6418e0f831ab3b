"""Scrutiny challenges called as the quarterly report and the reminder round would (seeds 000 and 001,
Overview and Scrutiny Panels): the challenges of a quarter, the officer's reminders, the events, and
four-eyes relaxed by the organisation."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.assurance.notifications.quarterly_reminders import ScrutinyAnswers
from pmf_api.assurance.notifications.reminders import known_kinds, notifier
from pmf_api.assurance.scrutiny import reading
from pmf_api.assurance.scrutiny import service as scrutiny_service
from pmf_api.domain.errors import FourEyesRefused
from pmf_api.domain.workflow import Role
from pmf_api.framework.organisations.models import Organisation
from pmf_api.platform.audit import AuditEntry
from pmf_api.platform.errors import InvalidInput
from pmf_api.platform.events import OutboxEvent
from tests.service.builders import Council, actor, council, kpi

# 2025/26 Q3 runs from 1 October to 31 December 2025.
Q3_START, Q3_END = date(2025, 10, 1), date(2025, 12, 31)


def member(place: Council) -> Actor:
    return actor(place.organisation_id, Role.VIEWER, subject="cllr@example.gov.uk")


def officer(place: Council) -> Actor:
    return actor(place.organisation_id, Role.KPI_OWNER, person_id=place.owner_id, subject="ola@example.gov.uk")


async def raised(session: AsyncSession, place: Council, on: date, due_days: int = 14, **extra: Any) -> uuid.UUID:
    made = await kpi(session, place)
    data = {
        "title": f"Challenge of {on.isoformat()}",
        "panel": "Overview and Scrutiny Committee",
        "member_name": "Cllr Pat Green",
        "raised_on": on,
        "subject_type": "kpi",
        "subject_id": made.id,
        "questions": [{"text": "Why?", "assigned_to_id": place.owner_id, "due_on": on + timedelta(days=due_days)}],
        **extra,
    }
    view = await scrutiny_service.raise_challenge(session, member(place), data, as_of=on)
    return view.record.id


async def answer(session: AsyncSession, place: Council, challenge_id: uuid.UUID, on: date) -> None:
    view = await reading.load_challenge(session, place.team, challenge_id, as_of=on)
    await scrutiny_service.answer_question(
        session, officer(place), challenge_id, view.questions[0].id, "Because.", None, as_of=on
    )


async def test_the_quarterly_report_lists_challenges_raised_or_answered_in_the_quarter(session: AsyncSession) -> None:
    place = await council(session)
    other = await council(session, "SOUTHMERE")
    before = await raised(session, place, date(2025, 9, 20))  # raised in Q2, answered in Q3
    await answer(session, place, before, date(2025, 10, 3))
    during = await raised(session, place, date(2025, 11, 12))  # raised in Q3
    unanswered = await raised(session, place, date(2025, 9, 25))  # raised in Q2, never answered
    after = await raised(session, place, date(2026, 1, 5))  # raised in Q4
    await answer(session, place, after, date(2026, 1, 6))
    await raised(session, other, date(2025, 11, 1))  # another council's

    listed = await scrutiny_service.challenges_in_quarter(session, place.team, "2025/26", 3, as_of=Q3_END)
    assert [view.record.id for view in listed] == [before, during]
    assert listed[0].questions[0].answered_on == date(2025, 10, 3)
    q2 = await scrutiny_service.challenges_in_quarter(session, place.team, "2025/26", 2, as_of=Q3_END)
    assert [view.record.id for view in q2] == [before, unanswered]
    with pytest.raises(InvalidInput) as bad:
        await scrutiny_service.challenges_in_quarter(session, place.team, "2025/26", 5, as_of=Q3_END)
    assert bad.value.problems[0].field == "quarter"


async def test_the_assigned_officer_is_reminded_of_answers_due_soon_and_overdue(session: AsyncSession) -> None:
    place = await council(session)
    monday = date(2026, 11, 30)
    soon = await raised(session, place, monday, due_days=2)
    late = await raised(session, place, monday - timedelta(days=20), due_days=10)
    await raised(session, place, monday, due_days=30)  # not yet
    answered = await raised(session, place, monday - timedelta(days=20), due_days=5)
    await answer(session, place, answered, monday)  # answered: nothing to chase

    found = await ScrutinyAnswers().reminders(session, notifier(place.organisation_id), monday)
    assert {(r.person_id, r.kind, r.link) for r in found} == {
        (place.owner_id, "answer_due_soon", f"/api/v1/scrutiny-challenges/{soon}"),
        (place.owner_id, "answer_overdue", f"/api/v1/scrutiny-challenges/{late}"),
    }
    assert all(r.title.startswith("Overview and Scrutiny Committee: ") for r in found)
    assert {"answer_due_soon", "answer_overdue"} <= set(known_kinds())


async def test_raising_and_answering_tell_webhooks(session: AsyncSession) -> None:
    place = await council(session)
    challenge_id = await raised(session, place, date(2026, 1, 5))
    await answer(session, place, challenge_id, date(2026, 1, 6))
    events = await session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.organisation_id == place.organisation_id)
        .order_by(OutboxEvent.occurred_at)
    )
    assert [(e.event_type, e.subject["challenge_id"]) for e in events] == [
        ("challenge.raised", str(challenge_id)),
        ("challenge.answered", str(challenge_id)),
    ]


async def test_an_organisation_that_relaxes_four_eyes_records_it(session: AsyncSession) -> None:
    place = await council(session)
    challenge_id = await raised(session, place, date(2026, 1, 5))
    day = date(2026, 1, 6)
    view = await reading.load_challenge(session, place.team, challenge_id, as_of=day)
    question_id = view.questions[0].id
    # The officer answering is also on the performance team, which records the panel's decisions.
    both = actor(place.organisation_id, Role.PERFORMANCE, person_id=place.owner_id, subject="ola@example.gov.uk")
    await scrutiny_service.answer_question(session, both, challenge_id, question_id, "Mine.", None, as_of=day)
    with pytest.raises(FourEyesRefused):
        await scrutiny_service.accept_answer(session, both, challenge_id, question_id, None, None, as_of=day)

    organisation = await session.get(Organisation, place.organisation_id)
    assert organisation is not None
    organisation.settings = {"four_eyes": {"required": False}}
    await session.flush()
    closed = await scrutiny_service.accept_answer(session, both, challenge_id, question_id, None, None, as_of=day)
    assert closed.record.state == "closed"
    notes = list(
        await session.scalars(
            select(AuditEntry.note).where(AuditEntry.entity_id == question_id, AuditEntry.action == "accept")
        )
    )
    assert any(note and "Four-eyes relaxed" in note for note in notes), notes


async def test_reassigning_is_audited_with_its_reason(session: AsyncSession) -> None:
    place = await council(session)
    challenge_id = await raised(session, place, date(2026, 1, 5))
    day = date(2026, 1, 6)
    view = await reading.load_challenge(session, place.team, challenge_id, as_of=day)
    question_id = view.questions[0].id
    moved = await scrutiny_service.reassign_question(
        session,
        place.team,
        challenge_id,
        question_id,
        {"due_on": date(2026, 2, 1), "reason": "Needs Q3 data"},
        None,
        as_of=day,
    )
    assert moved.questions[0].due_on == date(2026, 2, 1)
    entries = list(
        await session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id == question_id, AuditEntry.action == "reassign")
        )
    )
    assert [(e.note, e.before["due_on"], e.after["due_on"]) for e in entries] == [
        ("Needs Q3 data", "2026-01-19", "2026-02-01")
    ]
