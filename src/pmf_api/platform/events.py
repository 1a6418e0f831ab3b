"""The outbox: events written in the same transaction as the change they tell of.

A feature calls :func:`emit` beside its write; the event row commits with the write or not at all,
so an event exists exactly when its change does. Notifications (``pmf_api.assurance.notifications``)
read the outbox later and deliver each event to the webhooks subscribed to its type; nothing here
sends anything, so any layer may emit.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import Base, json_value, utcnow

# The events a webhook may subscribe to (issue 11, section 4). A feature emitting a new type adds it here.
EVENT_TYPES: tuple[str, ...] = (
    "value.submitted",
    "value.queried",
    "value.published",
    "intervention.opened",
    "intervention.approved",
    "report.published",
    "action_update.submitted",
    "action_update.returned",
    "action_update.accepted",
    "service_plan.approved",
    "service_plan.published",
    "contextual_value.published",
    "risk.escalated",
    "challenge.raised",
    "challenge.answered",
    "period.closed",
    "period.reopened",
)


class OutboxEvent(Base):
    """One event, as it will be sent: its type, what it is about (``subject``) and its data."""

    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_event_fanned_out_at", "fanned_out_at", "occurred_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(60))
    subject: Mapped[dict[str, Any]] = mapped_column(default=dict)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When its webhook deliveries were made (None: not yet): the deliverer's bookmark.
    fanned_out_at: Mapped[datetime | None] = mapped_column(default=None)


async def emit(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    event_type: str,
    subject: dict[str, Any],
    data: dict[str, Any],
) -> None:
    """Add an event to the outbox in the caller's transaction (it commits or rolls back with it).

    ``subject`` names what the event is about (``{"kpi_id": ..., "period": ...}``), ``data`` what a
    receiver needs to act without calling back; both become JSON (ids, decimals and dates as text).
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {event_type!r}: add it to pmf_api.platform.events.EVENT_TYPES")
    session.add(
        OutboxEvent(
            organisation_id=organisation_id,
            event_type=event_type,
            subject=_json(subject),
            data=_json(data),
        )
    )
    await session.flush()


def _json(values: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _json(value)
        if isinstance(value, dict)
        else [json_value(v) for v in value]
        if isinstance(value, list | tuple)
        else json_value(value)
        for key, value in values.items()
    }


def payload(event: OutboxEvent) -> dict[str, Any]:
    """The JSON body a receiver gets (Standard Webhooks' shape: ``type``, ``timestamp``, ``data``)."""
    return {
        "id": str(event.id),
        "type": event.event_type,
        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "organisation_id": str(event.organisation_id),
        "subject": event.subject,
        "data": event.data,
    }
