"""Corporate Plan -> priorities -> outcomes, and service plans (the golden thread, seed 001)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import Archivable, OrganisationOwned


class CorporatePlan(OrganisationOwned, Archivable):
    __tablename__ = "corporate_plan"

    title: Mapped[str] = mapped_column(String(200))
    start_year: Mapped[int]
    end_year: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="draft")
    description: Mapped[str | None] = mapped_column(Text, default=None)


class Priority(OrganisationOwned, Archivable):
    __tablename__ = "priority"
    __table_args__ = (UniqueConstraint("corporate_plan_id", "code"),)

    corporate_plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corporate_plan.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    position: Mapped[int] = mapped_column(default=0)


class Outcome(OrganisationOwned, Archivable):
    __tablename__ = "outcome"
    __table_args__ = (UniqueConstraint("priority_id", "code"),)

    priority_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("priority.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    # Local Government Outcomes Framework outcome and Best Value Duty themes (seed 001_ec6bae7b38cacc6f.txt)
    lgof_outcome: Mapped[str | None] = mapped_column(String(200), default=None)
    best_value_themes: Mapped[list[str]] = mapped_column(default=list)


class ServicePlan(OrganisationOwned, Archivable):
    """One service's plan for a financial year, in numbered versions (seed 001_ec6bae7b38cacc6f.txt,
    Appendix D).

    Its sections are D.1's: core service information, planned projects and initiatives, an optional
    SWOT, resources and risks. An approved version is frozen; a change is a new version that goes
    through the reviews again, and approving it supersedes the one before (``domain.service_plans``).
    """

    __tablename__ = "service_plan"
    __table_args__ = (UniqueConstraint("service_id", "financial_year", "version_number"),)

    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id"), index=True)
    financial_year: Mapped[str] = mapped_column(String(7), index=True)
    version_number: Mapped[int] = mapped_column(default=1, server_default="1")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    # Where its content came from: the version before (a new version) or last year's plan (D.2)
    copied_from_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service_plan.id"), default=None)
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    # {"purpose", "services", "customers", "statutory_duties", "partners"} (schemas.CoreInformation)
    core_information: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    # [{"title", "description", "outcome_id", "start_date", "due_date"}] (schemas.PlannedProject)
    projects: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    resources: Mapped[str | None] = mapped_column(Text, default=None)
    swot: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    risks: Mapped[str | None] = mapped_column(Text, default=None)


class ServicePlanReview(OrganisationOwned):
    """One step of a plan's review (seed 001, Appendix D.1 steps 3-7): who decided what, when, and why."""

    __tablename__ = "service_plan_review"

    service_plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_plan.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    reviewer: Mapped[str] = mapped_column(String(200))  # the reviewer's subject
    reviewer_name: Mapped[str | None] = mapped_column(String(200), default=None)
    reviewed_at: Mapped[datetime]
