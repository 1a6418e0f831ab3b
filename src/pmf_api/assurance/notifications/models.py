"""Notifications: webhook subscriptions and their deliveries, e-mail digests, and each person's
preferences (issue 11, section 4). Events come from the outbox (``pmf_api.platform.events``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import OrganisationOwned, utcnow


class WebhookSubscription(OrganisationOwned):
    """Where to send which events (a portal, Teams, Power Automate), signed with ``secret``."""

    __tablename__ = "webhook_subscription"

    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(200), default=None)
    # Kept to sign each delivery (Standard Webhooks: ``whsec_`` and Base64); shown once, at creation.
    secret: Mapped[str] = mapped_column(String(100))
    event_types: Mapped[list[str]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(200))


class _Attempted:
    """Columns of work that is tried, retried with backoff and claimed with a lease (``platform.db.leases``)."""

    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending, delivered/sent, failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_token: Mapped[str | None] = mapped_column(String(32), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    last_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class WebhookDelivery(_Attempted, OrganisationOwned):
    """One event for one subscription: made once (unique), tried until delivered or failed."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        Index("ix_webhook_delivery_ready", "state", "next_attempt_at"),
    )

    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_subscription.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbox_event.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(60))
    last_status_code: Mapped[int | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)


class EmailDigest(_Attempted, OrganisationOwned):
    """A person's one digest of one day (unique): written when collected, then sent (and retried)."""

    __tablename__ = "email_digest"
    __table_args__ = (
        UniqueConstraint("person_id", "digest_date"),
        Index("ix_email_digest_ready", "state", "next_attempt_at"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    digest_date: Mapped[date]
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    reminders: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class NotificationPreference(OrganisationOwned):
    """A person's choices: e-mail on or off, the hour their digest may go, which reminders they get."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("person_id"),)

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    email_enabled: Mapped[bool] = mapped_column(default=True)
    digest_hour: Mapped[int] = mapped_column(default=7)
    reminder_kinds: Mapped[list[str]] = mapped_column(default=list)
