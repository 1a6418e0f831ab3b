"""Closed periods and the restatement log (issue 13, item 2).

A close locks the values of every KPI period within its period; reopening keeps the row with who
reopened it, when and why, and closing again makes a new row. A restatement is a value of a closed
period published after the close: what was reported, what it became, when and why.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import OrganisationOwned


class PeriodClose(OrganisationOwned):
    """One closing of a period (a month, a quarter or a year) of an organisation."""

    __tablename__ = "period_close"
    __table_args__ = (
        # One close in force per period: ``locks_period`` is the period while closed, NULL once reopened
        # (NULLs do not clash), so two people closing at once cannot both succeed.
        UniqueConstraint("organisation_id", "locks_period"),
        Index("ix_period_close_org_closed_at", "organisation_id", "closed_at"),
    )

    period: Mapped[str] = mapped_column(String(16))
    financial_year: Mapped[str] = mapped_column(String(7))
    period_end: Mapped[date] = mapped_column()
    state: Mapped[str] = mapped_column(String(10), default="closed")
    locks_period: Mapped[str | None] = mapped_column(String(16), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    # The values not yet validated when it closed: [{"kpi_id", "kpi_code", "period", "state"}]
    unvalidated_at_close: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    closed_by: Mapped[str] = mapped_column(String(200))
    closed_by_name: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[datetime] = mapped_column()
    reopened_by: Mapped[str | None] = mapped_column(String(200), default=None)
    reopened_by_name: Mapped[str | None] = mapped_column(String(200), default=None)
    reopened_at: Mapped[datetime | None] = mapped_column(default=None)
    reopen_reason: Mapped[str | None] = mapped_column(Text, default=None)


class Restatement(OrganisationOwned):
    """A value of a closed period published after the close: the restatement log's row."""

    __tablename__ = "restatement"
    __table_args__ = (Index("ix_restatement_org_restated_at", "organisation_id", "restated_at"),)

    close_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("period_close.id"), index=True)
    kpi_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("kpi.id"), index=True)
    kpi_code: Mapped[str] = mapped_column(String(40))
    kpi_title: Mapped[str] = mapped_column(String(300))
    period: Mapped[str] = mapped_column(String(16))
    submission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column()
    reported_value: Mapped[Decimal | None] = mapped_column(default=None)
    reported_at: Mapped[datetime | None] = mapped_column(default=None)
    restated_value: Mapped[Decimal | None] = mapped_column(default=None)
    restated_at: Mapped[datetime] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    restated_by: Mapped[str] = mapped_column(String(200))
    restated_by_name: Mapped[str] = mapped_column(String(200))


__all__ = ["PeriodClose", "Restatement"]
