"""As-reported snapshots: everything a report shows of a period, frozen once (issue 13, section 1)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import OrganisationOwned


class ReportSnapshot(OrganisationOwned):
    """A council's period as reported: one row, written once in one transaction and never changed,
    so the same snapshot always gives the same report. ``content`` is the JSON the report is built
    from (``reporting.snapshots.content``); ``content_hash`` is the SHA-256 of its canonical JSON."""

    __tablename__ = "report_snapshot"
    __table_args__ = (UniqueConstraint("organisation_id", "period"),)

    period: Mapped[str] = mapped_column(String(20))
    frequency: Mapped[str] = mapped_column(String(10))  # monthly (the board pack) or quarterly (the report)
    period_start: Mapped[date]
    period_end: Mapped[date] = mapped_column(index=True)
    frozen_at: Mapped[datetime]
    frozen_by: Mapped[str] = mapped_column(String(200))  # the subject who froze it
    frozen_by_name: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column()


@event.listens_for(ReportSnapshot, "before_update")
def _never_changed(_mapper: Any, _connection: Any, target: ReportSnapshot) -> None:
    """A snapshot is written once: a change to one is a programming error, refused at the flush."""
    raise RuntimeError(f"Snapshot {target.id} of {target.period} is as reported and is never changed")
