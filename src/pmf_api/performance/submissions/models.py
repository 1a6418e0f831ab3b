"""Monthly (quarterly, annual) submissions of KPI values, their query threads and revisions.

Seed 001_ec6bae7b38cacc6f.txt, C.2 and E.1: each period the owner reports the value, a comment
and a year-end forecast; the performance team validates or queries; validated values are
published. A published value changes only through a new revision with a reason.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import Base, Entity, OrganisationOwned, utcnow


class Submission(OrganisationOwned):
    """The current state of one KPI's value for one period."""

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("kpi_id", "period"),
        Index("ix_submission_org_year_state", "organisation_id", "financial_year", "state"),
        # A KPI's values over a span of periods: what every status and scorecard reads. Without it
        # PostgreSQL may intersect a KPI's rows with every row of the span, once per KPI (see
        # bench/README.md, bench_scorecard.py).
        Index("ix_submission_kpi_id_period_end", "kpi_id", "period_end"),
    )

    kpi_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("kpi.id"))
    period: Mapped[str] = mapped_column(String(16))
    financial_year: Mapped[str] = mapped_column(String(7))
    period_end: Mapped[date] = mapped_column(index=True)
    state: Mapped[str] = mapped_column(String(12), default="draft")
    value: Mapped[Decimal | None] = mapped_column(default=None)
    numerator: Mapped[Decimal | None] = mapped_column(default=None)
    denominator: Mapped[Decimal | None] = mapped_column(default=None)
    commentary: Mapped[str | None] = mapped_column(Text, default=None)
    owner_forecast: Mapped[Decimal | None] = mapped_column(default=None)
    # The sense-check flags of the latest save: [{"code", "severity", "message", "field"}]
    flags: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    revision: Mapped[int] = mapped_column(default=1)
    revision_reason: Mapped[str | None] = mapped_column(Text, default=None)
    entered_by: Mapped[str] = mapped_column(String(200))
    submitted_by: Mapped[str | None] = mapped_column(String(200), default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    # Timeliness is judged by the first submission: answering a query later does not make it late.
    first_submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    validated_by: Mapped[str | None] = mapped_column(String(200), default=None)
    validated_at: Mapped[datetime | None] = mapped_column(default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)


class SubmissionMessage(Base):
    """One message of a submission's query thread (a query, an answer, or a note)."""

    __tablename__ = "submission_message"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    submission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    author_subject: Mapped[str] = mapped_column(String(200))
    author_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PublishedValue(Entity):
    """A value as it was published; every publication of every revision is kept."""

    __tablename__ = "published_value"
    __table_args__ = (UniqueConstraint("submission_id", "revision"),)

    submission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int]
    value: Mapped[Decimal | None] = mapped_column(default=None)
    numerator: Mapped[Decimal | None] = mapped_column(default=None)
    denominator: Mapped[Decimal | None] = mapped_column(default=None)
    commentary: Mapped[str | None] = mapped_column(Text, default=None)
    # Whether the commentary goes out with the value as open data: it is written for colleagues, so
    # only when the performance team says so (publishing.open_data).
    commentary_public: Mapped[bool] = mapped_column(default=False, server_default=false())
    owner_forecast: Mapped[Decimal | None] = mapped_column(default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    published_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
