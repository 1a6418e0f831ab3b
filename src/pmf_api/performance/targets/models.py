"""Targets per KPI per financial year, with every revision kept (seed 001_ec6bae7b38cacc6f.txt, C.1.2)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import Entity, OrganisationOwned, utcnow


class Target(OrganisationOwned):
    """The target a KPI works to in one financial year; its values are those of the latest revision."""

    __tablename__ = "target"
    __table_args__ = (UniqueConstraint("kpi_id", "financial_year"),)

    kpi_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("kpi.id"), index=True)
    financial_year: Mapped[str] = mapped_column(String(7), index=True)
    target_type: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(12), default="draft")
    annual_target: Mapped[Decimal | None] = mapped_column(default=None)
    band_lower: Mapped[Decimal | None] = mapped_column(default=None)
    band_upper: Mapped[Decimal | None] = mapped_column(default=None)
    tolerance_kind: Mapped[str | None] = mapped_column(String(20), default=None)
    tolerance_value: Mapped[Decimal | None] = mapped_column(default=None)
    intervention_level: Mapped[Decimal | None] = mapped_column(default=None)
    profile: Mapped[list[str] | None] = mapped_column(default=None)
    revision_count: Mapped[int] = mapped_column(default=1)
    # Who proposed it for approval (four-eyes: they do not approve it); None while a draft.
    proposed_by: Mapped[str | None] = mapped_column(String(200), default=None)
    # The number of a revision of the approved target waiting for approval (None: none waits).
    pending_revision: Mapped[int | None] = mapped_column(default=None)

    @property
    def tolerance(self) -> dict[str, object] | None:
        return _tolerance(self.tolerance_kind, self.tolerance_value)


class TargetRevision(Entity):
    """One version of a target, effective from a period: mid-year stretches keep the earlier values."""

    __tablename__ = "target_revision"
    __table_args__ = (UniqueConstraint("target_id", "number"),)

    target_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("target.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    effective_from: Mapped[str] = mapped_column(String(16))
    annual_target: Mapped[Decimal | None] = mapped_column(default=None)
    band_lower: Mapped[Decimal | None] = mapped_column(default=None)
    band_upper: Mapped[Decimal | None] = mapped_column(default=None)
    tolerance_kind: Mapped[str | None] = mapped_column(String(20), default=None)
    tolerance_value: Mapped[Decimal | None] = mapped_column(default=None)
    intervention_level: Mapped[Decimal | None] = mapped_column(default=None)
    profile: Mapped[list[str] | None] = mapped_column(default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # ``approved``: it applies (a revision of a target not yet approved applies with it); ``proposed``:
    # a revision of an approved target, waiting for approval; ``refused``: sent back, never applied.
    state: Mapped[str] = mapped_column(String(12), default="approved", server_default="approved")
    decided_by: Mapped[str | None] = mapped_column(String(200), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decision_note: Mapped[str | None] = mapped_column(Text, default=None)

    @property
    def tolerance(self) -> dict[str, object] | None:
        return _tolerance(self.tolerance_kind, self.tolerance_value)


def _tolerance(kind: str | None, value: Decimal | None) -> dict[str, object] | None:
    return None if kind is None or value is None else {"kind": kind, "value": value}
