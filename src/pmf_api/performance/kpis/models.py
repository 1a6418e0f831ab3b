"""KPIs (operational performance indicators) and contextual outcome measures."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import Archivable, OrganisationOwned


class Kpi(OrganisationOwned, Archivable):
    __tablename__ = "kpi"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    definition: Mapped[str | None] = mapped_column(Text, default=None)
    why_it_matters: Mapped[str | None] = mapped_column(Text, default=None)
    unit: Mapped[str] = mapped_column(String(20))
    polarity: Mapped[str] = mapped_column(String(20))
    frequency: Mapped[str] = mapped_column(String(10), index=True)
    # How periods add up to the year to date: sum, average, latest, or ratio of sums
    aggregation: Mapped[str] = mapped_column(String(10))
    decimal_places: Mapped[int] = mapped_column(default=0)
    statutory: Mapped[bool] = mapped_column(default=False)
    # Published as open data for residents (seed 003_2a403038ecab8362.txt, "Transparency and
    # accountability"): off until someone who may edit KPIs says so.
    public: Mapped[bool] = mapped_column(default=False, server_default=false())
    source: Mapped[str | None] = mapped_column(String(300), default=None)
    numerator_label: Mapped[str | None] = mapped_column(String(200), default=None)
    denominator_label: Mapped[str | None] = mapped_column(String(200), default=None)
    # What a plausible monthly value looks like: values outside are flagged when submitted
    expected_min: Mapped[Decimal | None] = mapped_column(default=None)
    expected_max: Mapped[Decimal | None] = mapped_column(default=None)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None, index=True)
    backup_owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None, index=True)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id"), index=True)
    portfolio_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("portfolio.id"), default=None, index=True)
    outcome_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("outcome.id"), default=None, index=True)
    # When the KPI first had a target, and a value: from then on how it is judged (polarity, unit,
    # aggregation, frequency) is fixed (``domain.kpi.redefinition_problems``). Kept on the KPI so that
    # the KPI needs to know nothing of the targets and submissions that refer to it.
    first_target_at: Mapped[datetime | None] = mapped_column(default=None)
    first_value_at: Mapped[datetime | None] = mapped_column(default=None)
    # A calculated KPI's formula over other KPIs' values for the same period (``domain.formula``), in
    # its canonical form; its values are computed, never entered. ``formula_inputs`` holds the ids of
    # the KPIs it uses, so that a change to one finds the KPIs to recompute.
    formula: Mapped[str | None] = mapped_column(Text, default=None)
    formula_inputs: Mapped[list[str] | None] = mapped_column(default=None)
    on_missing_input: Mapped[str | None] = mapped_column(String(10), default=None)
    on_zero_divisor: Mapped[str | None] = mapped_column(String(10), default=None)


class ContextualMeasure(OrganisationOwned, Archivable):
    """An outcome measure with no target, only a preferred direction of travel (seed 000_a1d4643dc9bd64fe.txt)."""

    __tablename__ = "contextual_measure"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    unit: Mapped[str] = mapped_column(String(20))
    preferred_direction: Mapped[str] = mapped_column(String(20))
    frequency: Mapped[str] = mapped_column(String(10), default="annual")
    decimal_places: Mapped[int] = mapped_column(default=0)
    source: Mapped[str | None] = mapped_column(String(300), default=None)
    outcome_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("outcome.id"), default=None, index=True)
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service.id"), default=None, index=True)
