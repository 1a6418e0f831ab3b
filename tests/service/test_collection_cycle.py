"""Use cases of the monthly cycle, called with a session and an actor (no HTTP): entering and
submitting values, the performance team's checks, what is owed, the scorecard and a bulk push."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.domain import Period, Rag, SubmissionState, TaskStatus
from pmf_api.domain.errors import TransitionNotAllowed
from pmf_api.domain.workflow import Role
from pmf_api.performance.bulk import service as bulk_service
from pmf_api.performance.bulk.parsing import Upload, UploadRow
from pmf_api.performance.collection import service as collection_service
from pmf_api.performance.status import service as status_service
from pmf_api.performance.submissions import service as submission_service
from pmf_api.performance.submissions.repository import SubmissionRepository
from pmf_api.platform.errors import Conflict, InvalidInput, PermissionDenied
from tests.service.builders import actor, approved_target, council, kpi

AS_OF = date(2026, 10, 20)
Values = submission_service.SubmissionValues


async def test_an_owner_enters_and_the_team_checks(session: AsyncSession) -> None:
    place = await council(session)
    made = await kpi(session, place)
    owner = actor(place.organisation_id, Role.KPI_OWNER, person_id=place.owner_id, subject="ola@example.gov.uk")
    saved = await submission_service.save_values(
        session, owner, made, "2026/27 P6", Values(value=Decimal("44.0")), as_of=AS_OF, submit=True
    )
    assert saved.outcome == "created" and saved.submission.state == SubmissionState.SUBMITTED
    # Submitted: with the performance team, not the owner's to change
    with pytest.raises(Conflict, match="with the performance team"):
        await submission_service.save_values(session, owner, made, "2026/27 P6", Values(value=Decimal(45)), as_of=AS_OF)
    with pytest.raises(TransitionNotAllowed):  # only the team validates
        await submission_service.transition(session, owner, saved.submission.id, SubmissionState.VALIDATED)
    with pytest.raises(InvalidInput, match="needs a message"):
        await submission_service.transition(session, place.team, saved.submission.id, SubmissionState.QUERIED)
    queried = await submission_service.transition(
        session, place.team, saved.submission.id, SubmissionState.QUERIED, message="Please add a comment"
    )
    # Queried: the owner's again, and submitting it resubmits it
    again = await submission_service.save_values(
        session,
        owner,
        made,
        "2026/27 P6",
        Values(value=Decimal(44), commentary="Depot closed"),
        as_of=AS_OF,
        submit=True,
    )
    assert again.submission.id == queried.id and again.submission.state == SubmissionState.RESUBMITTED
    thread = await submission_service.messages(session, place.team, queried.id)
    assert [m.kind for m in thread.items] == ["query"]


async def test_only_the_owner_or_the_team_enter_values(session: AsyncSession) -> None:
    place = await council(session)
    made = await kpi(session, place)
    viewer = actor(place.organisation_id, Role.VIEWER, person_id=uuid.uuid4())
    with pytest.raises(PermissionDenied, match="Only the owner or backup owner"):
        await submission_service.save_values(session, viewer, made, "2026/27 P6", Values(value=Decimal(1)), as_of=AS_OF)
    with pytest.raises(InvalidInput, match="has not ended yet"):
        await submission_service.save_values(
            session, place.team, made, "2026/27 P8", Values(value=Decimal(1)), as_of=AS_OF
        )


async def test_what_is_owed_and_the_scorecard_follow_the_values(session: AsyncSession) -> None:
    place = await council(session)
    on_track, behind = await kpi(session, place, code="A-ON"), await kpi(session, place, code="B-BEHIND")
    checker = actor(place.organisation_id, subject="checker@example.gov.uk")
    for made in (on_track, behind):
        await approved_target(session, place, made)
    tasks = await collection_service.list_tasks(session, place.team, Period.parse("2026/27 P6"), as_of=AS_OF)
    assert {row.kpi_code: row.status for row in tasks.items} == {
        "A-ON": TaskStatus.OVERDUE,
        "B-BEHIND": TaskStatus.OVERDUE,
    }
    for made, value in ((on_track, "52"), (behind, "40")):
        saved = await submission_service.save_values(
            session, place.team, made, "2026/27 P6", Values(value=Decimal(value), commentary="Month"), as_of=AS_OF
        )
        await submission_service.transition(session, place.team, saved.submission.id, SubmissionState.SUBMITTED)
        # Four-eyes: a colleague in the team validates what the officer entered.
        await submission_service.transition(session, checker, saved.submission.id, SubmissionState.VALIDATED)
    scorecard = await status_service.scorecard(
        session, place.team, status_service.ScorecardFilters(), "2026/27 P6", as_of=AS_OF
    )
    assert {item.kpi.code: item.evaluation.rag for item in scorecard.items} == {"A-ON": Rag.GREEN, "B-BEHIND": Rag.RED}
    red = await status_service.scorecard(
        session, place.team, status_service.ScorecardFilters(rag=Rag.RED), "2026/27 P6", as_of=AS_OF
    )
    assert [item.kpi.code for item in red.items] == ["B-BEHIND"]


async def test_a_bulk_push_reports_each_row_and_an_atomic_one_writes_nothing(session: AsyncSession) -> None:
    place = await council(session)
    made = await kpi(session, place, code="C-PUSH")
    rows = [
        UploadRow(2, {"kpi_code": "C-PUSH", "period": "2026/27 P5", "value": "41.5"}),
        UploadRow(3, {"kpi_code": "C-PUSH", "period": "2026/27 P6", "value": "4,5"}),
        UploadRow(4, {"kpi_code": "NOPE", "period": "2026/27 P6", "value": "1"}),
    ]
    upload = Upload("csv", rows, b"")
    atomic = await bulk_service.push(session, place.team, upload, bulk_service.BulkOptions(atomic=True), as_of=AS_OF)
    assert atomic.refused and atomic.body["summary"]["rejected"] == 2
    assert await SubmissionRepository(session).of_period(made.id, "2026/27 P5") is None
    report = await bulk_service.push(session, place.team, upload, bulk_service.BulkOptions(), as_of=AS_OF)
    assert [row["outcome"] for row in report.body["rows"]] == ["created", "rejected", "rejected"]
    assert report.body["rows"][1]["errors"][0]["pointer"] == "#/rows/1/value"
    stored = await SubmissionRepository(session).of_period(made.id, "2026/27 P5")
    assert stored is not None and stored.value == Decimal("41.5")
