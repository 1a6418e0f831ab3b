"""Report jobs through HTTP, with kinds the tests register (tests/jobs_kinds.py): ask (202 and a
Location), follow the job, fetch its file (409 before, 404 for another council's); bad parameters at
``#/parameters/...``, an unknown kind at ``#/kind``; and the service's own worker, started by its
lifespan, running a job while the client polls, on both databases."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import Actor, Grant, ScopeType
from pmf_api.domain.workflow import Role
from pmf_api.platform.db.session import unit_of_work
from pmf_api.reporting.jobs import runner
from pmf_api.reporting.jobs import service as job_service
from pmf_api.reporting.jobs.queue import PgQueuerQueue
from pmf_api.reporting.jobs.worker import run_worker
from tests import jobs_kinds  # noqa: F401  (registers the kinds)
from tests.api.conftest import Deployed, Org, TokenFactory, deploy
from tests.conftest import Backend

JOBS = "/api/v1/report-jobs"
ROOT = Path(__file__).resolve().parents[2]
Q2 = {"kind": "test_echo", "parameters": {"period": "2025/26 Q2", "format": "pdf"}}


def pointers(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return sorted(error["pointer"] for error in response.json()["errors"])


async def test_ask_follow_and_fetch_a_report_job(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    other_org: Org,
    backend: Backend,
    connection_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    h = auth()
    asked = await client.post(JOBS, json=Q2, headers=h)
    assert asked.status_code == 202, asked.text
    job = asked.json()
    assert asked.headers["location"] == f"{JOBS}/{job['id']}" == job["links"]["self"]
    assert (job["state"], job["progress"], job["file"], job["links"]["file"]) == ("queued", 0, None, None)
    assert job["requested_by"] == "tester@example.gov.uk" and job["scheduled"] is False

    early = await client.get(f"{JOBS}/{job['id']}/file", headers=h)
    assert early.status_code == 409 and "queued" in early.json()["detail"]
    again = await client.post(JOBS, json=Q2, headers=h)
    assert again.status_code == 200 and again.json()["id"] == job["id"]  # the same request: the same job

    assert await runner.drain(connection_sessionmaker, backend.settings) == 1  # a worker runs it
    done = (await client.get(f"{JOBS}/{job['id']}", headers=h)).json()
    assert (done["state"], done["progress"], done["attempts"]) == ("succeeded", 100, 1)
    assert done["links"]["file"] == f"{JOBS}/{job['id']}/file"
    file = await client.get(done["links"]["file"], headers=h)
    assert file.status_code == 200
    assert file.headers["content-type"] == "application/json"
    assert file.headers["content-disposition"] == (
        "attachment; filename=\"report 2025-26 Q2.json\"; filename*=UTF-8''report%202025-26%20Q2.json"
    )
    assert done["file"] == {
        "name": "report 2025-26 Q2.json",
        "media_type": "application/json",
        "size": len(file.content),
        "sha256": hashlib.sha256(file.content).hexdigest(),
    }
    assert json.loads(file.content)["parameters"]["period"] == "2025/26 Q2"

    listed = (await client.get(JOBS, headers=h)).json()
    assert [j["id"] for j in listed["items"]] == [job["id"]]
    audit = (await client.get("/api/v1/audit", params={"entity_type": "report_job"}, headers=h)).json()
    assert [entry["action"] for entry in audit["items"]] == ["create"]

    theirs = auth(organisation=other_org)
    assert (await client.get(f"{JOBS}/{job['id']}", headers=theirs)).status_code == 404
    assert (await client.get(f"{JOBS}/{job['id']}/file", headers=theirs)).status_code == 404
    assert (await client.get(JOBS, headers=theirs)).json()["items"] == []


async def test_bad_requests_are_refused_at_what_is_wrong(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    unknown = await client.post(JOBS, json={"kind": "no_such_kind", "parameters": {}}, headers=h)
    assert unknown.status_code == 422 and pointers(unknown) == ["#/kind"]
    bad = await client.post(
        JOBS, json={"kind": "test_echo", "parameters": {"period": "Q2", "format": "docx"}}, headers=h
    )
    assert bad.status_code == 422 and pointers(bad) == ["#/parameters/format", "#/parameters/period"]
    missing = await client.post(JOBS, json={"kind": "test_echo"}, headers=h)
    assert missing.status_code == 422 and pointers(missing) == ["#/parameters/period"]
    viewer = auth(Role.VIEWER)
    assert (await client.post(JOBS, json={"kind": "test_team_only"}, headers=viewer)).status_code == 403
    assert (await client.post(JOBS, json=Q2)).status_code == 401
    assert (await client.get(f"{JOBS}/00000000-0000-0000-0000-000000000000", headers=h)).status_code == 404


async def test_a_failed_job_says_why_without_internals(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    backend: Backend,
    connection_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    h = auth()
    job = (await client.post(JOBS, json={"kind": "test_boom"}, headers=h)).json()
    await runner.drain(connection_sessionmaker, backend.settings)
    failed = (await client.get(f"{JOBS}/{job['id']}", headers=h)).json()
    assert failed["state"] == "failed" and "hunter2" not in failed["error"] and job["id"] in failed["error"]
    file = await client.get(f"{JOBS}/{job['id']}/file", headers=h)
    assert file.status_code == 409 and file.headers["content-type"].startswith("application/problem+json")


async def test_a_queued_job_can_be_cancelled_and_is_then_never_run(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    backend: Backend,
    connection_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    h = auth()
    job = (await client.post(JOBS, json=Q2, headers=h)).json()
    assert (await client.post(f"{JOBS}/{job['id']}/cancel", headers=auth(Role.DIRECTOR))).status_code == 403
    cancelled = await client.post(f"{JOBS}/{job['id']}/cancel", headers=h)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert cancelled.json()["finished_at"] is not None
    assert await runner.drain(connection_sessionmaker, backend.settings) == 0
    again = await client.post(f"{JOBS}/{job['id']}/cancel", headers=h)
    assert again.status_code == 409 and "cancelled" in again.json()["detail"]
    assert (await client.get(f"{JOBS}/{job['id']}/file", headers=h)).status_code == 409
    asked_again = await client.post(JOBS, json=Q2, headers=h)
    assert asked_again.status_code == 202 and asked_again.json()["id"] != job["id"]  # a cancelled job is not reused
    audit = (await client.get("/api/v1/audit", params={"entity_type": "report_job"}, headers=h)).json()
    assert sorted(entry["action"] for entry in audit["items"]) == ["cancel", "create", "create"]


async def test_someone_elses_job_is_for_them_and_the_performance_team(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    manager = auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id="00000000-0000-0000-0000-000000000001")
    job = (await client.post(JOBS, json=Q2, headers=manager)).json()
    assert (await client.get(f"{JOBS}/{job['id']}", headers=manager)).status_code == 200
    assert (await client.get(f"{JOBS}/{job['id']}", headers=auth())).status_code == 200
    assert (await client.get(f"{JOBS}/{job['id']}", headers=auth(Role.DIRECTOR))).status_code == 403
    assert (await client.get(JOBS, headers=auth(Role.DIRECTOR))).json()["items"] == []


async def test_the_services_own_worker_runs_a_job_while_the_client_follows_it(deployed_url: str) -> None:
    async with deploy(deployed_url, job_workers=1, job_poll_seconds=0.05) as app:
        left = await app.client.post(JOBS, json={"kind": "test_nothing"}, headers=app.h)  # before a restart
        assert left.status_code == 202
        async with app.app.router.lifespan_context(app.app):
            asked = await app.client.post(JOBS, json=Q2, headers=app.h)
            assert asked.status_code == 202
            location = asked.headers["location"]
            state = asked.json()["state"]
            async with asyncio.timeout(15):
                while state not in ("succeeded", "failed"):
                    await asyncio.sleep(0.05)
                    state = (await app.client.get(location, headers=app.h)).json()["state"]
            assert state == "succeeded"
            file = await app.client.get(f"{location}/file", headers=app.h)
            assert file.status_code == 200 and json.loads(file.content)["subject"] == "s"
            async with asyncio.timeout(15):  # the job a restart left queued is run too
                state = ""
                while state != "succeeded":
                    state = (await app.client.get(left.headers["location"], headers=app.h)).json()["state"]
                    await asyncio.sleep(0.05)


async def pgqueuer_entries(app: Deployed) -> list[bytes]:
    async with app.app.state.engine.connect() as connection:
        return list((await connection.execute(text("SELECT payload FROM pgqueuer.pgqueuer ORDER BY id"))).scalars())


async def test_on_postgresql_a_pgqueuer_worker_runs_the_jobs(backend: Backend, deployed_url: str) -> None:
    """PMF_JOB_BACKEND=pgqueuer: the job's id is queued with its row (rolled back with it), and a worker, in
    this process and then as `pmf-api worker --burst` in another, runs it."""
    if backend.name != "postgresql":
        pytest.skip("PgQueuer is a PostgreSQL queue: the SQLite deployment runs its jobs in the service")
    async with deploy(deployed_url, job_backend="pgqueuer", job_poll_seconds=0.2) as app:
        asked = await app.client.post(JOBS, json=Q2, headers=app.h)
        assert asked.status_code == 202
        job_id = asked.json()["id"]
        assert await pgqueuer_entries(app) == [job_id.encode()]

        team = Actor(organisation_id=app.org.id, subject="s", name="n", grants=(Grant(Role.PERFORMANCE),))
        with pytest.raises(RuntimeError):
            async with unit_of_work(app.app.state.sessionmaker) as session:
                await job_service.request_job(session, team, "test_nothing", {}, queue=PgQueuerQueue())
                raise RuntimeError("the request fails after the job was queued")
        assert await pgqueuer_entries(app) == [job_id.encode()]  # rolled back with the job's row

        async with asyncio.timeout(60):
            assert await run_worker(app.settings, burst=True) == 1
        done = (await app.client.get(f"{JOBS}/{job_id}", headers=app.h)).json()
        assert done["state"] == "succeeded"
        assert await pgqueuer_entries(app) == []

        second = (await app.client.post(JOBS, json={"kind": "test_nothing"}, headers=app.h)).json()
        environment = {
            **os.environ,
            "PMF_DATABASE_URL": app.settings.database_url,
            "PMF_ENVIRONMENT": "test",
            "PMF_JOB_BACKEND": "pgqueuer",
            "PMF_JOB_MODULES": '["tests.jobs_kinds"]',
            "PMF_JOB_POLL_SECONDS": "0.2",
            "PMF_LOG_JSON": "false",
            "PYTHONPATH": str(ROOT),  # where tests.jobs_kinds is
        }
        worker = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("pmf-api")),
            "worker",
            "--burst",
            cwd=ROOT,
            env=environment,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(60):
            out, err = await worker.communicate()
        assert worker.returncode == 0, err.decode()
        assert "1 job(s) run" in out.decode()
        assert (await app.client.get(f"{JOBS}/{second['id']}", headers=app.h)).json()["state"] == "succeeded"


async def pmf_api(*arguments: str, database_url: str) -> tuple[int, str, str]:
    environment = {
        **os.environ,
        "PMF_DATABASE_URL": database_url,
        "PMF_ENVIRONMENT": "test",
        "PMF_JOB_MODULES": '["tests.jobs_kinds"]',
        "PYTHONPATH": str(ROOT),
    }
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("pmf-api")),
        *arguments,
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_pmf_api_report_makes_a_file_in_the_shell_with_a_progress_bar(deployed_url: str, tmp_path: Path) -> None:
    async with deploy(deployed_url) as app:
        output = tmp_path / "out" / "q2.json"
        arguments = ["report", "--organisation", "DEPLOYED", "--period", "2025/26 Q2", "--format", "csv"]
        arguments += ["--kind", "board_pack", "--directorate", "PLACE", "--output", str(output), "--job", "test_echo"]
        code, out, err = await pmf_api(*arguments, database_url=app.settings.database_url)
        assert code == 0, err
        assert f"Wrote {output}" in out
        assert "50% Half way" in err and "100% done" in err  # the bar, a line per step when not a terminal
        made = json.loads(output.read_bytes())
        assert made["parameters"] == {
            "period": "2025/26 Q2",
            "format": "csv",
            "report": "board_pack",
            "directorate": "PLACE",
        }
        listed = (await app.client.get(JOBS, headers=app.h)).json()["items"]  # recorded as a job, by the shell
        assert [(j["requested_by"], j["state"]) for j in listed] == [("pmf-api:shell", "succeeded")]

        code, _, err = await pmf_api(*arguments, database_url=app.settings.database_url)
        assert code == 0 and "50%" not in err  # the same request: the file made before
        assert len((await app.client.get(JOBS, headers=app.h)).json()["items"]) == 1

        bad = ["report", "--organisation", "DEPLOYED", "--period", "Q2", "--output", str(output), "--job", "test_echo"]
        code, _, err = await pmf_api(*bad, database_url=app.settings.database_url)
        assert code == 1 and "parameters.period" in err
        code, _, err = await pmf_api(*bad[:2], "NOWHERE", *bad[3:], database_url=app.settings.database_url)
        assert code == 1 and "No council with the code NOWHERE" in err
