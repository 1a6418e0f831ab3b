"""Webhook deliveries: from the outbox to each subscribed URL, signed, retried with backoff.

Each event becomes one delivery per active subscription to its type (made once: the event is
locked while its deliveries are made, and the pair is unique). Deliveries are claimed with a lease
(``platform.db.leases``), sent outside any transaction, and settled: delivered on a 2xx, else tried
again after an exponential backoff (``PMF_NOTIFY_RETRY_*``) until ``PMF_NOTIFY_MAX_ATTEMPTS``, then
failed. The delivery log keeps the last status and error; the API can redeliver.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.assurance.notifications.models import WebhookDelivery, WebhookSubscription
from pmf_api.assurance.notifications.repository import DeliveryRepository, EventRepository, SubscriptionRepository
from pmf_api.config import Settings
from pmf_api.domain.reminders import retry_delay_seconds
from pmf_api.platform import webhooks
from pmf_api.platform.db import leases
from pmf_api.platform.db.session import unit_of_work
from pmf_api.platform.errors import InvalidInput
from pmf_api.platform.events import OutboxEvent, payload

logger = logging.getLogger("pmf_api.notifications")
BATCH = 200
ERROR_CHARS = 500


async def fan_out(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Make the deliveries of events not yet fanned out; the number made."""
    made = 0
    while True:
        async with unit_of_work(sessionmaker) as session:
            events = await EventRepository(session).not_fanned_out(BATCH)
            subscriptions: dict[uuid.UUID, list[WebhookSubscription]] = {}
            for event in events:
                if event.organisation_id not in subscriptions:
                    subscriptions[event.organisation_id] = await SubscriptionRepository(session).active_of(
                        event.organisation_id
                    )
                for subscription in subscriptions[event.organisation_id]:
                    if event.event_type in subscription.event_types:
                        session.add(_delivery(event, subscription, now))
                        made += 1
            await session.flush()
            await EventRepository(session).mark_fanned_out([event.id for event in events], now)
        if len(events) < BATCH:
            return made


def _delivery(event: OutboxEvent, subscription: WebhookSubscription, now: datetime) -> WebhookDelivery:
    return WebhookDelivery(
        organisation_id=event.organisation_id,
        subscription_id=subscription.id,
        event_id=event.id,
        event_type=event.event_type,
        state="pending",
        attempts=0,
        # First tries go in the order the events happened (a claim takes the oldest due first).
        next_attempt_at=min(event.occurred_at, now),
    )


def body_of(event: OutboxEvent) -> bytes:
    return json.dumps(payload(event), separators=(",", ":"), sort_keys=True).encode()


async def _post(settings: Settings, subscription: WebhookSubscription, delivery_id: str, body: bytes) -> int:
    """Send one signed request; its status code. Raises on a refused URL or a network failure."""
    await webhooks.check_url(subscription.url, settings.webhook_allow_hosts)  # again: names may move
    signed = webhooks.headers(subscription.secret, delivery_id, int(time.time()), body)
    # Redirects are not followed (a public URL could redirect inside the network), and the answer's
    # body is never read: only its status matters, however much a receiver sends back.
    async with (
        httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False) as client,
        client.stream("POST", subscription.url, content=body, headers=signed) as response,
    ):
        return response.status_code


async def send_deliveries(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> tuple[int, int]:
    """Try every ready delivery once; (delivered, failed for good)."""
    delivered = failed = 0
    while True:
        async with unit_of_work(sessionmaker) as session:
            token, ids = await leases.claim(
                session, WebhookDelivery, now=now, lease_seconds=settings.notify_lease_seconds, limit=BATCH
            )
            claimed = await DeliveryRepository(session).claimed(ids)
        for delivery, subscription, event in claimed:
            outcome = await _attempt(settings, delivery, subscription, event)
            attempts = delivery.attempts + 1
            values: dict[str, object] = {"attempts": attempts, "last_attempt_at": now}
            if outcome.ok:
                values |= {"state": "delivered", "delivered_at": now, "last_error": None}
                delivered += 1
            elif attempts >= settings.notify_max_attempts or outcome.final:
                values |= {"state": "failed", "last_error": outcome.error}
                failed += 1
            else:
                wait = retry_delay_seconds(
                    attempts,
                    base_seconds=settings.notify_retry_base_seconds,
                    cap_seconds=settings.notify_retry_cap_seconds,
                )
                values |= {"next_attempt_at": now + timedelta(seconds=wait), "last_error": outcome.error}
            values["last_status_code"] = outcome.status
            async with unit_of_work(sessionmaker) as session:
                if not await leases.settle(session, WebhookDelivery, delivery.id, token, **values):
                    logger.warning("Lost the lease of webhook delivery %s; another worker has it", delivery.id)
        if len(ids) < BATCH:
            return delivered, failed


class _Outcome:
    def __init__(self, status: int | None = None, error: str | None = None, *, final: bool = False) -> None:
        self.status, self.error, self.final = status, error, final

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


async def _attempt(
    settings: Settings, delivery: WebhookDelivery, subscription: WebhookSubscription, event: OutboxEvent
) -> _Outcome:
    if not subscription.active:
        return _Outcome(None, "The subscription was deactivated", final=True)
    try:
        status = await _post(settings, subscription, str(delivery.id), body_of(event))
    except InvalidInput as exc:
        return _Outcome(None, exc.detail[:ERROR_CHARS])
    except httpx.HTTPError as exc:
        return _Outcome(None, f"{type(exc).__name__}: {exc}"[:ERROR_CHARS])
    if 200 <= status < 300:
        return _Outcome(status)
    return _Outcome(status, f"The receiver answered {status}")
