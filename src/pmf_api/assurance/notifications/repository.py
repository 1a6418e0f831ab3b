"""Queries of webhook subscriptions, deliveries, digests and preferences, fenced by organisation."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.assurance.notifications.models import (
    EmailDigest,
    NotificationPreference,
    WebhookDelivery,
    WebhookSubscription,
)
from pmf_api.platform.db.pages import Page, paginate
from pmf_api.platform.db.repository import OwnedRepository
from pmf_api.platform.events import OutboxEvent

DELIVERY_ORDER = {"created_at": WebhookDelivery.created_at}


class SubscriptionRepository(OwnedRepository[WebhookSubscription]):
    model = WebhookSubscription
    what = "webhook subscription"
    sortable = {"created_at": WebhookSubscription.created_at, "updated_at": WebhookSubscription.updated_at}
    default_sort = "created_at"

    async def active_of(self, organisation_id: uuid.UUID) -> list[WebhookSubscription]:
        return list(
            await self.session.scalars(
                select(WebhookSubscription)
                .where(WebhookSubscription.organisation_id == organisation_id, WebhookSubscription.active.is_(True))
                .order_by(WebhookSubscription.created_at)
            )
        )


class DeliveryRepository(OwnedRepository[WebhookDelivery]):
    model = WebhookDelivery
    what = "webhook delivery"
    sortable = {"created_at": WebhookDelivery.created_at, "updated_at": WebhookDelivery.updated_at}
    default_sort = "-created_at"

    async def of_subscription(
        self, subscription_id: uuid.UUID, *, state: str | None, cursor: str | None, limit: int
    ) -> Page[WebhookDelivery]:
        """A page of a subscription's deliveries, newest first."""
        statement = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
        if state is not None:
            statement = statement.where(WebhookDelivery.state == state)
        return await paginate(
            self.session,
            statement,
            WebhookDelivery,
            sort="-created_at",
            sortable=DELIVERY_ORDER,
            cursor=cursor,
            limit=limit,
        )

    async def claimed(self, ids: Iterable[uuid.UUID]) -> list[tuple[WebhookDelivery, WebhookSubscription, OutboxEvent]]:
        """Claimed deliveries with their subscription and event (the notifier reads across councils)."""
        wanted = list(ids)
        if not wanted:
            return []
        rows = await self.session.execute(
            select(WebhookDelivery, WebhookSubscription, OutboxEvent)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.id.in_(wanted))
            .order_by(WebhookDelivery.next_attempt_at)
        )
        return [(row[0], row[1], row[2]) for row in rows]


class EventRepository:
    """The outbox as the notifier reads it: events not yet turned into deliveries."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def not_fanned_out(self, limit: int) -> list[OutboxEvent]:
        """The oldest events without deliveries yet, locked (PostgreSQL: others skip them)."""
        return list(
            await self.session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.fanned_out_at.is_(None))
                .order_by(OutboxEvent.occurred_at, OutboxEvent.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )

    async def mark_fanned_out(self, ids: list[uuid.UUID], at: datetime) -> None:
        if ids:
            await self.session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(ids))
                .values(fanned_out_at=at)
                .execution_options(synchronize_session=False)
            )


class DigestRepository(OwnedRepository[EmailDigest]):
    model = EmailDigest
    what = "e-mail digest"

    async def existing(self, organisation_id: uuid.UUID, day: date) -> set[uuid.UUID]:
        """The people who already have a digest for ``day`` (made, sent or failed: never a second)."""
        rows = await self.session.scalars(
            select(EmailDigest.person_id).where(
                EmailDigest.organisation_id == organisation_id, EmailDigest.digest_date == day
            )
        )
        return set(rows)

    async def claimed(self, ids: Iterable[uuid.UUID]) -> list[EmailDigest]:
        wanted = list(ids)
        if not wanted:
            return []
        return list(await self.session.scalars(select(EmailDigest).where(EmailDigest.id.in_(wanted))))


class PreferenceRepository(OwnedRepository[NotificationPreference]):
    model = NotificationPreference
    what = "notification preference"

    async def of_person(self, organisation_id: uuid.UUID, person_id: uuid.UUID) -> NotificationPreference | None:
        found: NotificationPreference | None = await self.session.scalar(
            select(NotificationPreference).where(
                NotificationPreference.organisation_id == organisation_id,
                NotificationPreference.person_id == person_id,
            )
        )
        return found

    async def of_people(
        self, organisation_id: uuid.UUID, people: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, NotificationPreference]:
        wanted = sorted(set(people))
        if not wanted:
            return {}
        rows = await self.session.scalars(
            select(NotificationPreference).where(
                NotificationPreference.organisation_id == organisation_id,
                NotificationPreference.person_id.in_(wanted),
            )
        )
        return {row.person_id: row for row in rows}
