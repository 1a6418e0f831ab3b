"""The job system with kinds the tests register (tests/jobs_kinds.py): asking (audited, deduplicated,
parameters checked by the kind), running as the requester with progress, failing safely, a worker
that dies (its lease expires: run again, then failed), who may see a job, and the month-end and
quarter-end schedule that queues each period once."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import ScopeType
from pmf_api.domain.workflow import Role
from pmf_api.platform.audit import AuditEntry
from pmf_api.platform.db.session import unit_of_work
from pmf_api.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pmf_api.reporting.jobs import runner, schedule
from pmf_api.reporting.jobs import service as job_service
from pmf_api.reporting.jobs.models import ReportJob
from pmf_api.reporting.jobs.queue import InProcessQueue
from tests import jobs_kinds
from tests.conftest import Backend
from tests.service.builders import Council, actor, council

QUEUE = InProcessQueue()
Q2 = {"period": "2025/26 Q2", "format": "pdf"}


async def ask(
    maker: async_sessionmaker[AsyncSession], who: object, kind: str, parameters: dict[str, object]
) -> tuple[ReportJob, bool]:
    async with unit_of_work(maker) as session:
        return await job_service.request_job(session, who, kind, parameters, queue=QUEUE)  # type: ignore[arg-type]


async def load(maker: async_sessionmaker[AsyncSession], job: ReportJob) -> ReportJob:
    async with maker() as session:
        found = await session.get(ReportJob, job.id, populate_existing=True)
        assert found is not None
        return found


@pytest.fixture
async def place(connection_sessionmaker: async_sessionmaker[AsyncSession]) -> Council:
    async with unit_of_work(connection_sessionmaker) as session:
        return await council(session)


async def test_a_job_is_queued_audited_then_run_as_its_requester_with_its_progress_and_file(
    connection_sessionmaker: async_sessionmaker[AsyncSession], place: Council, backend: Backend
) -> None:
    maker = connection_sessionmaker
    manager = actor(place.organisation_id, Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=place.service_id)
    job, created = await ask(maker, manager, "test_echo", Q2)
    assert created and job.state == "queued" and job.progress == 0
    assert job.parameters == {
        "period": "2025/26 Q2",
        "format": "pdf",
        "report": "quarterly_report",
        "directorate": None,
    }
    async with maker() as session:
        audited = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity_id == job.id, AuditEntry.action == "create")
        )
    assert audited == 1

    jobs_kinds.SEEN_PROGRESS.clear()
    assert await runner.drain(maker, backend.settings) == 1
    assert jobs_kinds.SEEN_PROGRESS == [50]  # committed at once: another transaction saw it mid-run
    done = await load(maker, job)
    assert (done.state, done.progress, done.attempts, done.error) == ("succeeded", 100, 1, None)
    assert done.started_at is not None and done.finished_at is not None and done.lease_token is None
    async with maker() as session:
        finished, content = await job_service.job_file(session, manager, job.id)
    body = json.loads(content)
    assert body["subject"] == manager.subject and body["roles"] == ["service_manager"]  # run as the requester
    assert body["organisation_id"] == str(place.organisation_id)
    assert finished.file_name == "report 2025-26 Q2.json" and finished.media_type == "application/json"
    assert finished.file_size == len(content) and finished.file_sha256 == hashlib.sha256(content).hexdigest()
    assert await runner.drain(maker, backend.settings) == 0  # nothing left


async def test_the_same_request_gives_the_same_job_unless_the_kind_says_otherwise(
    connection_sessionmaker: async_sessionmaker[AsyncSession], place: Council, backend: Backend
) -> None:
    maker = connection_sessionmaker
    first, _ = await ask(maker, place.team, "test_echo", Q2)
    again, created = await ask(maker, place.team, "test_echo", {"format": "pdf", "period": "2025/26 Q2"})
    assert again.id == first.id and not created  # waiting
    await runner.drain(maker, backend.settings)
    done, created = await ask(maker, place.team, "test_echo", Q2)
    assert done.id == first.id and not created and done.state == "succeeded"  # done: the same file
    other, created = await ask(maker, place.team, "test_echo", {**Q2, "format": "html"})
    assert created and other.id != first.id
    elsewhere = await council_elsewhere(maker)
    theirs, created = await ask(maker, elsewhere.team, "test_echo", Q2)
    assert created and theirs.id != first.id  # another council's request is its own
    once, _ = await ask(maker, place.team, "test_once", Q2)
    twice, created = await ask(maker, place.team, "test_once", Q2)
    assert created and once.id != twice.id and twice.dedupe_key is None


async def council_elsewhere(maker: async_sessionmaker[AsyncSession]) -> Council:
    async with unit_of_work(maker) as session:
        return await council(session, "SOUTHMERE")


async def test_an_unknown_kind_and_bad_parameters_are_refused_where_they_are(
    connection_sessionmaker: async_sessionmaker[AsyncSession], place: Council
) -> None:
    with pytest.raises(InvalidInput) as unknown:
        await ask(connection_sessionmaker, place.team, "no_such_kind", {})
    assert unknown.value.problems[0].field == "kind" and "test_echo" in unknown.value.problems[0].message
    with pytest.raises(InvalidInput) as bad:
        await ask(connection_sessionmaker, place.team, "test_echo", {"period": "Q2", "format": "docx", "extra": 1})
    assert sorted(p.field for p in bad.value.problems) == ["parameters.extra", "parameters.format", "parameters.period"]
    viewer = actor(place.organisation_id, Role.VIEWER)
    with pytest.raises(PermissionDenied):
        await ask(connection_sessionmaker, viewer, "test_team_only", {})


async def test_a_handlers_failure_fails_the_job_with_a_message_safe_to_show(
    connection_sessionmaker: async_sessionmaker[AsyncSession], place: Council, backend: Backend
) -> None:
    maker = connection_sessionmaker
    boom, _ = await ask(maker, place.team, "test_boom", {})
    refused, _ = await ask(maker, place.team, "test_refused", {})
    assert await runner.drain(maker, backend.settings) == 2
    failed = await load(maker, boom)
    assert failed.state == "failed" and failed.finished_at is not None and failed.lease_token is None
    assert "hunter2" not in (failed.error or "") and str(boom.id) in (failed.error or "")
    said = await load(maker, refused)
    assert said.error == "2025/26 Q2 has no snapshot: freeze the quarter first"  # the service's own words
    async with maker() as session:
        with pytest.raises(Conflict, match="failed"):
            await job_service.job_file(session, place.team, boom.id)
    again, created = await ask(maker, place.team, "test_boom", {})
    assert created and again.id != boom.id  # a failed job is not the answer to asking again


async def test_no_file_until_done_and_none_when_the_kind_makes_none(
    connection_sessionmaker: async_sessionmaker[AsyncSession], place: Council, backend: Backend
) -> None:
    maker = connection_sessionmaker
    job, _ = await ask(maker, place.team, "test_nothing", {})
    async with maker() as session:
        with pytest.raises(Conflict, match="queued"):
            await job_service.job_file(session, place.team, job.id)
    await runner.drain(maker, backend.settings)
    async with maker() as session:
        with pytest.raises(NotFound, match="without making a file"):
            await job_service.job_file(session, place.team, job.id)


async def test_a_job_whose_worker_died_is_run_again_then_failed(
    connection_sessionmaker: async_sessionmaker[AsyncSession], place: Council, backend: Backend
) -> None:
    maker, settings = connection_sessionmaker, backend.settings
    job, _ = await ask(maker, place.team, "test_echo", {"period": "2025/26 Q3"})
    now = datetime.now(UTC)
    first = await runner.claim(maker, settings, now=now)
    assert first is not None and first.job_id == job.id
    assert await runner.claim(maker, settings, now=now) is None  # held: no other worker takes it
    lease = timedelta(seconds=settings.job_lease_seconds + 1)
    later = now
    for attempt in range(2, settings.job_max_attempts + 1):  # each worker dies in turn
        later += lease
        claimed = await runner.claim(maker, settings, now=later)
        assert claimed is not None and claimed.job_id == job.id
        assert (await load(maker, job)).attempts == attempt
    assert await runner.claim(maker, settings, now=later + lease) is None
    failed = await load(maker, job)
    assert failed.state == "failed" and "stopped without finishing" in (failed.error or "")
    # the first worker comes back: its result is dropped (its lease is gone), the job stays failed
    assert await runner.execute(maker, settings, first) == "succeeded"
    assert (await load(maker, job)).state == "failed"


async def test_a_job_is_seen_by_whoever_asked_and_the_performance_team_only(
    connection_sessionmaker: async_sessionmaker[AsyncSession], place: Council
) -> None:
    maker = connection_sessionmaker
    manager = actor(place.organisation_id, Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=place.service_id)
    director = actor(place.organisation_id, Role.DIRECTOR)
    mine, _ = await ask(maker, manager, "test_echo", Q2)
    team_job, _ = await ask(maker, place.team, "test_echo", {"period": "2025/26 Q1"})
    elsewhere = await council_elsewhere(maker)
    async with maker() as session:
        assert (await job_service.get_job(session, place.team, mine.id)).id == mine.id
        assert (await job_service.get_job(session, manager, mine.id)).id == mine.id
        with pytest.raises(PermissionDenied):
            await job_service.get_job(session, director, mine.id)
        with pytest.raises(NotFound):
            await job_service.get_job(session, elsewhere.team, mine.id)
        assert {j.id for j in await job_service.list_jobs(session, place.team)} >= {mine.id, team_job.id}
        assert [j.id for j in await job_service.list_jobs(session, manager)] == [mine.id]
        assert await job_service.list_jobs(session, elsewhere.team) == []


async def test_the_schedule_queues_each_months_and_quarters_snapshot_once_per_council(
    connection_sessionmaker: async_sessionmaker[AsyncSession], place: Council, backend: Backend
) -> None:
    maker, settings = connection_sessionmaker, backend.settings
    await council_elsewhere(maker)
    made = await schedule.enqueue_due(maker, settings, QUEUE, date(2025, 10, 14))
    async with maker() as session:
        ours = list(
            await session.scalars(
                select(ReportJob).where(
                    ReportJob.organisation_id == place.organisation_id, ReportJob.kind == "test_snapshot"
                )
            )
        )
    assert sorted(j.parameters["period"] for j in ours) == ["2025/26 P6", "2025/26 Q2"]
    assert all(j.requested_by == schedule.SCHEDULER_SUBJECT and j.schedule_key for j in ours)
    assert made >= 4  # both councils
    assert await schedule.enqueue_due(maker, settings, QUEUE, date(2025, 10, 14)) == 0  # exactly once
    assert await schedule.enqueue_due(maker, settings, QUEUE, date(2025, 10, 20)) == 0  # nothing new is due
    jobs_kinds.SCHEDULED_RUNS.clear()
    await runner.drain(maker, settings)
    assert {"2025/26 P6", "2025/26 Q2"} <= set(jobs_kinds.SCHEDULED_RUNS)
    assert await schedule.enqueue_due(maker, settings, QUEUE, date(2025, 11, 14)) >= 1  # October is due
