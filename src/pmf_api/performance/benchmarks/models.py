"""Benchmarking: comparator groups of councils, our measures mapped to external metric ids, the
values published for each council, and our position among a group (seed 003_2a403038ecab8362.txt:
benchmarking with LG Inform and nearest neighbours; seed 002_100bfcfd0ab8e4e8.txt)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import Archivable, OrganisationOwned


class ComparatorGroup(OrganisationOwned, Archivable):
    """Councils we compare ourselves with, as ONS area codes (E07000xxx): the 15 CIPFA nearest
    neighbours, our geographical neighbours, all district councils, or a list of our own."""

    __tablename__ = "comparator_group"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    area_codes: Mapped[list[str]] = mapped_column()
    description: Mapped[str | None] = mapped_column(String(2000), default=None)


class MetricMapping(OrganisationOwned, Archivable):
    """One of our KPIs or contextual measures is the same measure as an external metric (an LG
    Inform metric id), so the values published for other councils compare with ours."""

    __tablename__ = "metric_mapping"
    __table_args__ = (
        UniqueConstraint("organisation_id", "metric_id"),
        CheckConstraint("(kpi_id IS NULL) <> (measure_id IS NULL)", name="kpi_or_measure"),
    )

    metric_id: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(100))
    kpi_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("kpi.id"), default=None, index=True)
    measure_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contextual_measure.id"), default=None, index=True)


class BenchmarkValue(OrganisationOwned):
    """A metric's published value for one council (area code) and period. A revised figure
    replaces it through the import, audited as an update."""

    __tablename__ = "benchmark_value"
    __table_args__ = (UniqueConstraint("organisation_id", "metric_id", "area_code", "period"),)

    metric_id: Mapped[str] = mapped_column(String(100), index=True)
    area_code: Mapped[str] = mapped_column(String(9))
    period: Mapped[str] = mapped_column(String(20))
    period_end: Mapped[date] = mapped_column()
    value: Mapped[Decimal] = mapped_column()


class BenchmarkPosition(OrganisationOwned):
    """Our position in a group for a mapped metric and period, kept for the feeds: worked out
    from the values (``domain.benchmarking``) whenever the feed is read, a row changed only when
    its figures do."""

    __tablename__ = "benchmark_position"
    __table_args__ = (UniqueConstraint("organisation_id", "group_id", "metric_id", "period"),)

    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("comparator_group.id"), index=True)
    metric_id: Mapped[str] = mapped_column(String(100))
    kpi_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("kpi.id"), default=None)
    measure_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contextual_measure.id"), default=None)
    period: Mapped[str] = mapped_column(String(20))
    period_end: Mapped[date] = mapped_column()
    our_value: Mapped[Decimal] = mapped_column()
    rank: Mapped[int] = mapped_column()
    compared: Mapped[int] = mapped_column()
    quartile: Mapped[int] = mapped_column()
    median: Mapped[Decimal] = mapped_column()
    best_quartile: Mapped[Decimal] = mapped_column()
    distance_to_best_quartile: Mapped[Decimal] = mapped_column()
    in_words: Mapped[str] = mapped_column(String(300))
