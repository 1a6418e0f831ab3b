"""Corporate Plan -> priorities -> outcomes, and service plans (the golden thread, seed 001)."""

from __future__ import annotations

import uuid
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
    """One per service per financial year (seed 001_ec6bae7b38cacc6f.txt, Appendix D)."""

    __tablename__ = "service_plan"
    __table_args__ = (UniqueConstraint("service_id", "financial_year"),)

    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id"), index=True)
    financial_year: Mapped[str] = mapped_column(String(7), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    resources: Mapped[str | None] = mapped_column(Text, default=None)
    swot: Mapped[dict[str, Any] | None] = mapped_column(default=None)
