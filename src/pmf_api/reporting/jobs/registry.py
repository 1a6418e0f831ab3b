"""The kinds of job the service can run, each registered with its handler and its parameters.

The job system knows nothing of reports or snapshots: a feature registers a kind (``"report"``:
render a snapshot's report to a format; ``"snapshot"``: freeze a period) with an async handler that
receives a ``JobContext`` and returns the file it made (or nothing), and a pydantic model its
parameters must satisfy (a request with bad parameters is refused at ``#/parameters/...``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import Actor
from pmf_api.domain.periods import Frequency
from pmf_api.platform.db.session import unit_of_work


@dataclass(frozen=True)
class JobResult:
    """The file a job made."""

    content: bytes
    media_type: str
    filename: str


ProgressCallback = Callable[[int, str | None], Awaitable[None]]


@dataclass
class JobContext:
    """What a handler gets: the validated parameters, who asked (as an ``Actor`` with the grants they held
    when they asked: access checks run as them), sessions, and a way to say how far it has got."""

    job_id: uuid.UUID
    kind: str
    parameters: Any  # an instance of the kind's parameters model
    actor: Actor
    sessionmaker: async_sessionmaker[AsyncSession]
    report_progress: ProgressCallback = field(repr=False)

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.actor.organisation_id

    @property
    def person_id(self) -> uuid.UUID | None:
        return self.actor.person_id

    @asynccontextmanager
    async def unit_of_work(self, *, writes: bool = True) -> AsyncIterator[AsyncSession]:
        """One transaction, committed when the block ends (a handler that freezes a period writes in one)."""
        async with unit_of_work(self.sessionmaker, writes=writes) as session:
            yield session

    async def progress(self, percent: int, message: str | None = None) -> None:
        """Record how far the job has got (0-100) and what it is doing, committed at once so a
        ``GET`` of the job shows it; it also renews the worker's lease on the job."""
        await self.report_progress(max(0, min(100, int(percent))), message)


Handler = Callable[[JobContext], Awaitable[JobResult | None]]
MayRequest = Callable[[Actor], bool]
# Checks a request's parameters against the data as the requester sees it, when it is made (a 4xx then,
# not a failed job later), and returns them in canonical form (what dedupe compares).
Check = Callable[[AsyncSession, Actor, Any], Awaitable[BaseModel]]


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: Handler
    parameters_model: type[BaseModel]
    dedupe: bool = True
    may_request: MayRequest | None = None
    check: Check | None = None
    # Frequencies of the periods the schedule runs this kind for, with parameters {"period": "2025/26 Q2"}
    scheduled: tuple[Frequency, ...] = ()
    description: str = ""


_KINDS: dict[str, JobKind] = {}


def register_kind(
    name: str,
    handler: Handler,
    *,
    parameters_model: type[BaseModel],
    dedupe: bool = True,
    may_request: MayRequest | None = None,
    check: Check | None = None,
    scheduled: tuple[Frequency, ...] | tuple[str, ...] = (),
    description: str = "",
) -> JobKind:
    """Register (or replace) a kind of job.

    ``dedupe``: a request with the same kind and parameters from the same person as a job that is queued,
    running or succeeded gets that job back rather than a new one (right for a snapshot's report: the same
    snapshot gives the same file). ``may_request(actor)``: who may ask for it (default: anyone signed in;
    the handler's own access checks still run as the requester). ``check(session, actor, parameters)``:
    checks a request against the data when it is made and returns its canonical parameters.
    ``scheduled``: the schedule asks for this kind for each council once per ended period of these
    frequencies (``"monthly"``, ``"quarterly"``).
    """
    kind = JobKind(
        name=name,
        handler=handler,
        parameters_model=parameters_model,
        dedupe=dedupe,
        may_request=may_request,
        check=check,
        scheduled=tuple(Frequency(f) for f in scheduled),
        description=description,
    )
    _KINDS[name] = kind
    return kind


def unregister_kind(name: str) -> None:
    _KINDS.pop(name, None)


def get_kind(name: str) -> JobKind | None:
    return _KINDS.get(name)


def kinds() -> tuple[JobKind, ...]:
    return tuple(_KINDS.values())


def scheduled_kinds() -> tuple[JobKind, ...]:
    return tuple(kind for kind in _KINDS.values() if kind.scheduled)
