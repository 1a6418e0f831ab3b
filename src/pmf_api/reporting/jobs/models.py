"""A job of report generation: what was asked, how far it has got, and the file it made.

The file is kept in the database (no volume to mount: the two-command set-up still holds); a
report of 300 KPIs is a few megabytes. It is loaded only when asked for (``deferred``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, LargeBinary, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import OrganisationOwned, utcnow


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})


class ReportJob(OrganisationOwned):
    """One request to generate something (a report's file, a period's snapshot), and its outcome."""

    __tablename__ = "report_job"
    __table_args__ = (
        # A scheduled job (a month's or a quarter's snapshot) is made once per council and period
        UniqueConstraint("organisation_id", "schedule_key"),
        Index("ix_report_job_state_queued", "state", "requested_at"),
        Index("ix_report_job_dedupe", "organisation_id", "dedupe_key"),
    )

    kind: Mapped[str] = mapped_column(String(60))
    parameters: Mapped[dict[str, Any]] = mapped_column()
    # The same kind and parameters (canonical JSON, hashed) for a kind that dedupes; None otherwise
    dedupe_key: Mapped[str | None] = mapped_column(String(64), default=None)
    # "<kind>:<period>" for a job the schedule made; None for one a person asked for
    schedule_key: Mapped[str | None] = mapped_column(String(100), default=None)
    state: Mapped[str] = mapped_column(String(20), default=JobState.QUEUED.value)
    progress: Mapped[int] = mapped_column(default=0)
    progress_message: Mapped[str | None] = mapped_column(String(300), default=None)
    # Who asked, with the grants they held then: the worker acts as them
    requested_by: Mapped[str] = mapped_column(String(320))
    requested_by_name: Mapped[str] = mapped_column(String(200))
    requested_by_person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    requester_grants: Mapped[list[dict[str, Any]]] = mapped_column()
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    # A running job is leased to one worker; past the lease (the worker died) it is run again
    lease_token: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    # The file
    file_name: Mapped[str | None] = mapped_column(String(255), default=None)
    media_type: Mapped[str | None] = mapped_column(String(150), default=None)
    file_size: Mapped[int | None] = mapped_column(default=None)
    file_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, default=None, deferred=True)
