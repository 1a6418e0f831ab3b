"""Values of contextual outcome measures: published figures with their source, no target, no RAG."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import OrganisationOwned


class ContextualValue(OrganisationOwned):
    """One period's published value of a contextual measure (seed 000_a1d4643dc9bd64fe.txt).

    One value per measure and period: a revised figure (ONS revises its estimates) replaces it,
    through the bulk import, audited as an update."""

    __tablename__ = "contextual_value"
    __table_args__ = (UniqueConstraint("measure_id", "period"),)

    measure_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contextual_measure.id"), index=True)
    period: Mapped[str] = mapped_column(String(20))
    # The period's last day: values sort by it (a period's text does not sort as periods do)
    period_end: Mapped[date] = mapped_column()
    value: Mapped[Decimal] = mapped_column()
    source: Mapped[str] = mapped_column(String(300))
    published_on: Mapped[date] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text, default=None)
