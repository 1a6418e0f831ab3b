"""Budget monitoring and complaints counts per service: the finance half of the Joint Finance and
Performance Report (seed 003_2a403038ecab8362.txt)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import OrganisationOwned


class BudgetMonitoring(OrganisationOwned):
    """A service's budget monitoring for one month of the financial year, from the finance system.

    One row per service and month: a later import replaces it (audited as an update)."""

    __tablename__ = "budget_monitoring"
    __table_args__ = (UniqueConstraint("service_id", "period"),)

    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id"), index=True)
    period: Mapped[str] = mapped_column(String(20), index=True)
    # The month's last day: rows sort by it (a period's text does not sort as periods do)
    period_end: Mapped[date] = mapped_column()
    # The annual budget, spent to date, and the outturn forecast for the year, to the penny
    budget: Mapped[Decimal] = mapped_column()
    actual_to_date: Mapped[Decimal] = mapped_column()
    forecast_outturn: Mapped[Decimal] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text, default=None)


class ComplaintCount(OrganisationOwned):
    """A service's complaints in one quarter (seed 003: "complaints data is reported quarterly")."""

    __tablename__ = "complaint_count"
    __table_args__ = (UniqueConstraint("service_id", "period"),)

    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id"), index=True)
    period: Mapped[str] = mapped_column(String(20), index=True)
    period_end: Mapped[date] = mapped_column()
    received: Mapped[int] = mapped_column()
    upheld: Mapped[int] = mapped_column()
    responded_in_time: Mapped[int | None] = mapped_column(default=None)
