"""The kpi-values feed's rows, materialised: one per KPI per period, refreshed when a KPI's inputs change.

Evaluating 36 periods of every KPI on each read would cost seconds; the rows are kept here instead,
with each KPI's digest of what they were computed from (``FeedKpiDigest``), and brought up to date
by the feed's ``prepare`` for the KPIs whose digest moved (``kpi_value_rows.refresh``). A row's
``updated_at`` moves only when its content does (``content_hash``), so ``updated_since`` gives
Power BI exactly the rows that changed.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import Base


class FeedKpiValue(Base):
    __tablename__ = "feed_kpi_value"
    __table_args__ = (
        Index("ix_feed_kpi_value_organisation_id_period_end", "organisation_id", "period_end"),
        Index("ix_feed_kpi_value_organisation_id_updated_at", "organisation_id", "updated_at"),
    )

    kpi_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    period_start: Mapped[date] = mapped_column(primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    period_end: Mapped[date]
    period: Mapped[str] = mapped_column(String(16))
    financial_year: Mapped[str] = mapped_column(String(7))
    kpi_code: Mapped[str] = mapped_column(String(40))
    kpi_title: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(20))
    polarity: Mapped[str] = mapped_column(String(20))
    frequency: Mapped[str] = mapped_column(String(10))
    decimal_places: Mapped[int]
    service_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    service_name: Mapped[str | None] = mapped_column(String(200))
    directorate_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    directorate_name: Mapped[str | None] = mapped_column(String(200))
    portfolio_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    portfolio_name: Mapped[str | None] = mapped_column(String(200))
    priority_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    priority_title: Mapped[str | None] = mapped_column(String(300))
    outcome_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    outcome_title: Mapped[str | None] = mapped_column(String(300))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    owner_name: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[Decimal | None]
    value_display: Mapped[str | None] = mapped_column(String(40))
    target: Mapped[Decimal | None]
    target_display: Mapped[str | None] = mapped_column(String(40))
    intervention_level: Mapped[Decimal | None]
    rag: Mapped[str | None] = mapped_column(String(10))
    rag_basis: Mapped[str] = mapped_column(String(10))
    ytd_value: Mapped[Decimal | None]
    ytd_target: Mapped[Decimal | None]
    ytd_rag: Mapped[str | None] = mapped_column(String(10))
    direction: Mapped[str | None] = mapped_column(String(20))
    direction_against_last_year: Mapped[str | None] = mapped_column(String(20))
    spc_variation: Mapped[str | None] = mapped_column(String(20))
    spc_assurance: Mapped[str | None] = mapped_column(String(20))
    forecast_outturn: Mapped[Decimal | None]
    forecast_rag: Mapped[str | None] = mapped_column(String(10))
    commentary: Mapped[str | None] = mapped_column(Text)
    submission_state: Mapped[str | None] = mapped_column(String(12))
    value_state: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class FeedKpiDigest(Base):
    """What a KPI's feed rows were computed from (a SHA-256 of its inputs and the day): rows are
    computed again only when it moves."""

    __tablename__ = "feed_kpi_digest"

    kpi_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    digest: Mapped[str] = mapped_column(String(64))
