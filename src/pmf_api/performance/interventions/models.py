"""KPI Intervention Forms and their progress (seed 001_ec6bae7b38cacc6f.txt, Appendix F).

What the form holds at opening (the KPI, month, portfolio holder, KPI holder, target, tolerance and
actual) is kept as it was then; progress rows hold the team's note and "further intervention
required?", while their target and actual are read from the published values when the form is shown.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import Entity, OrganisationOwned, utcnow


class Intervention(OrganisationOwned):
    """One KPI Intervention Form."""

    __tablename__ = "intervention"
    __table_args__ = (
        # One open form per KPI: set to the KPI while the form is open, cleared when it closes
        # (both databases let many rows hold NULL under a unique constraint).
        UniqueConstraint("open_kpi_id"),
        Index("ix_intervention_org_open_opened", "organisation_id", "is_open", "opened_on"),
    )

    kpi_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("kpi.id"), index=True)
    open_kpi_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("kpi.id"), default=None)
    is_open: Mapped[bool] = mapped_column(default=True)
    state: Mapped[str] = mapped_column(String(30), default="draft")
    # Where the KPI sat when the form was opened: the portal lists forms by these.
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id"), index=True)
    directorate_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("directorate.id"), default=None, index=True)
    portfolio_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("portfolio.id"), default=None, index=True)
    # As at opening (Appendix F's header), kept as they were.
    period: Mapped[str] = mapped_column(String(16))
    kpi_code: Mapped[str] = mapped_column(String(40))
    kpi_title: Mapped[str] = mapped_column(String(300))
    portfolio_holder: Mapped[str | None] = mapped_column(String(200), default=None)  # a name
    kpi_holder: Mapped[str | None] = mapped_column(String(200), default=None)  # a name
    target: Mapped[Decimal | None] = mapped_column(default=None)
    intervention_level: Mapped[Decimal | None] = mapped_column(default=None)
    actual: Mapped[Decimal | None] = mapped_column(default=None)
    rag: Mapped[str | None] = mapped_column(String(10), default=None)
    # Why it was opened: on the escalation rule (its reasons), or on judgement (the team's reason).
    basis: Mapped[str] = mapped_column(String(12))
    opening_reasons: Mapped[list[str]] = mapped_column(default=list)
    opening_reason: Mapped[str | None] = mapped_column(Text, default=None)
    opened_on: Mapped[date] = mapped_column(index=True)
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_by_name: Mapped[str] = mapped_column(String(200))
    # The form's own text, editable while it is a draft.
    cause: Mapped[str | None] = mapped_column(Text, default=None)
    steps: Mapped[str | None] = mapped_column(Text, default=None)
    submitted_by: Mapped[str | None] = mapped_column(String(200), default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    # Approvals of the current round (cleared when the form is sent back): subject, name and when.
    head_of_service_by: Mapped[str | None] = mapped_column(String(200), default=None)
    head_of_service_name: Mapped[str | None] = mapped_column(String(200), default=None)
    head_of_service_at: Mapped[datetime | None] = mapped_column(default=None)
    director_by: Mapped[str | None] = mapped_column(String(200), default=None)
    director_name: Mapped[str | None] = mapped_column(String(200), default=None)
    director_at: Mapped[datetime | None] = mapped_column(default=None)
    portfolio_holder_by: Mapped[str | None] = mapped_column(String(200), default=None)
    portfolio_holder_name: Mapped[str | None] = mapped_column(String(200), default=None)
    portfolio_holder_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_back_comment: Mapped[str | None] = mapped_column(Text, default=None)
    outcome: Mapped[str | None] = mapped_column(String(12), default=None)
    closing_reason: Mapped[str | None] = mapped_column(Text, default=None)
    closed_by: Mapped[str | None] = mapped_column(String(200), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class InterventionProgress(Entity):
    """The team's account of one period after opening: a note and "further intervention required?"."""

    __tablename__ = "intervention_progress"
    __table_args__ = (UniqueConstraint("intervention_id", "period"),)

    intervention_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("intervention.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(16))
    period_end: Mapped[date]
    note: Mapped[str | None] = mapped_column(Text, default=None)
    further_intervention_required: Mapped[bool | None] = mapped_column(default=None)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
