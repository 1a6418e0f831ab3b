"""``pmf-api report``: make a report (any registered kind of job) in the shell, with a progress bar.

The job is recorded and audited as one asked for through the API (by the council's performance team,
named as the shell), then run here and now rather than by a worker; the same request of a kind that
dedupes gives the file made before.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from pmf_api.access.actor import Actor, Grant
from pmf_api.config import Settings
from pmf_api.domain.workflow import Role
from pmf_api.framework.organisations.repository import OrganisationRepository
from pmf_api.platform.db.session import create_engine, create_sessionmaker, unit_of_work
from pmf_api.platform.errors import PMFError
from pmf_api.reporting.jobs import runner
from pmf_api.reporting.jobs.models import FINISHED, JobState, ReportJob
from pmf_api.reporting.jobs.queue import InProcessQueue
from pmf_api.reporting.jobs.repository import ReportJobRepository
from pmf_api.reporting.jobs.service import request_job

SHELL_SUBJECT = "pmf-api:shell"


class ShellError(Exception):
    """What to print before exiting with 1."""


@dataclass(frozen=True)
class ShellOutcome:
    state: str
    error: str | None
    file_name: str | None
    media_type: str | None
    content: bytes | None


def shell_actor(organisation_id: Any) -> Actor:
    return Actor(
        organisation_id=organisation_id, subject=SHELL_SUBJECT, name="pmf-api report", grants=(Grant(Role.PERFORMANCE),)
    )


class ProgressBar:
    """A bar on stderr: redrawn in place on a terminal, a line per change otherwise (a log)."""

    WIDTH = 30

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.last: tuple[int, str | None] | None = None

    def __call__(self, percent: int, message: str | None) -> None:
        if (percent, message) == self.last:
            return
        self.last = (percent, message)
        filled = self.WIDTH * percent // 100
        line = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {percent:3d}%" + (f" {message}" if message else "")
        if self.stream.isatty():
            self.stream.write("\r\033[K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.last is not None and self.stream.isatty():
            self.stream.write("\n")
            self.stream.flush()


async def run_in_shell(
    settings: Settings,
    organisation_code: str,
    kind: str,
    parameters: Mapping[str, Any],
    on_progress: Callable[[int, str | None], None],
) -> ShellOutcome:
    """Record a job of ``kind`` for the council and run it here (or wait for the worker running the same request)."""
    runner.load_kinds(settings)
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    try:
        async with unit_of_work(sessionmaker) as session:
            organisation = await OrganisationRepository(session).find_by_code(organisation_code)
            if organisation is None:
                raise ShellError(f"No council with the code {organisation_code} (pass --organisation)")
            actor = shell_actor(organisation.id)
            try:
                job, _ = await request_job(session, actor, kind, parameters, queue=InProcessQueue())
            except PMFError as exc:
                where = "; ".join(f"{p.field or 'parameters'}: {p.message}" for p in exc.problems) or exc.detail
                raise ShellError(where) from None
            job_id = job.id
        claimed = await runner.claim(sessionmaker, settings, job_id=job_id)
        if claimed is not None:
            on_progress(0, "started")
            await runner.execute(sessionmaker, settings, claimed, on_progress)
        while True:  # done already, or a worker runs the same request: follow it
            async with unit_of_work(sessionmaker, writes=False) as session:
                found = await session.get(ReportJob, job_id, populate_existing=True)
                assert found is not None
                if found.state in FINISHED:
                    content = await ReportJobRepository(session).content(job_id)
                    return ShellOutcome(found.state, found.error, found.file_name, found.media_type, content)
                on_progress(found.progress, found.progress_message)
            await asyncio.sleep(0.5)
    finally:
        await engine.dispose()


__all__ = ["JobState", "ProgressBar", "ShellError", "ShellOutcome", "run_in_shell"]
