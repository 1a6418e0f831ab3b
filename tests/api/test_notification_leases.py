"""Workers that overlap never send one delivery twice; a worker that stops mid-send loses nothing.

The app runs as deployed (its own engine and connections, committing), so on PostgreSQL concurrent
rounds really contend for rows (``FOR UPDATE SKIP LOCKED``) and on SQLite for the write lock.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from pmf_api.assurance.notifications.delivery import fan_out
from pmf_api.assurance.notifications.models import WebhookDelivery
from pmf_api.assurance.notifications.runner import run_once
from pmf_api.platform import events
from pmf_api.platform.db import leases
from pmf_api.platform.db.session import unit_of_work
from tests.api.conftest import Deployed, deploy
from tests.api.receivers import webhook_receiver
from tests.conftest import make_settings

EVENTS = 12


async def _events(app: Deployed, url: str) -> None:
    r = await app.client.post(
        "/api/v1/webhook-subscriptions", json={"url": url, "event_types": ["value.published"]}, headers=app.h
    )
    assert r.status_code == 201, r.text
    async with unit_of_work(app.app.state.sessionmaker) as session:
        for number in range(EVENTS):
            await events.emit(
                session,
                organisation_id=app.org.id,
                event_type="value.published",
                subject={"number": number},
                data={"value": number},
            )


async def test_overlapping_rounds_send_each_delivery_once(deployed_url: str) -> None:
    with webhook_receiver() as receiver:
        async with deploy(deployed_url, webhook_allow_hosts=["127.0.0.1"]) as app:
            await _events(app, receiver.url)
            now = datetime.now(UTC)
            reports = await asyncio.gather(*(run_once(app.app.state.sessionmaker, app.settings, now) for _ in range(3)))
    assert sum(report.deliveries_made for report in reports) == EVENTS
    assert sum(report.delivered for report in reports) == EVENTS
    assert len(receiver.requests) == EVENTS
    assert len({request.headers["webhook-id"] for request in receiver.requests}) == EVENTS


async def test_a_worker_that_stops_mid_send_is_covered_when_its_lease_expires(deployed_url: str) -> None:
    with webhook_receiver() as receiver:
        async with deploy(deployed_url, webhook_allow_hosts=["127.0.0.1"], notify_lease_seconds=300) as app:
            await _events(app, receiver.url)
            maker, settings = app.app.state.sessionmaker, app.settings
            now = datetime.now(UTC)
            assert await fan_out(maker, now) == EVENTS
            # A worker claims every delivery, then stops before sending any.
            async with unit_of_work(maker) as session:
                _, claimed = await leases.claim(session, WebhookDelivery, now=now, lease_seconds=300, limit=100)
            assert len(claimed) == EVENTS
            # Within its lease nobody else sends them; after it, the next round does.
            within = await run_once(maker, settings, now + timedelta(seconds=299))
            assert within.delivered == 0 and receiver.requests == []
            after = await run_once(maker, settings, now + timedelta(seconds=301))
    assert after.delivered == EVENTS
    assert len(receiver.requests) == EVENTS


async def test_the_service_runs_rounds_itself_when_its_schedule_is_on(deployed_url: str) -> None:
    assert make_settings(deployed_url).notify_schedule_enabled is False  # off in tests unless turned on
    with webhook_receiver() as receiver:
        async with deploy(
            deployed_url, webhook_allow_hosts=["127.0.0.1"], notify_schedule=True, notify_interval_seconds=0.2
        ) as app:
            await _events(app, receiver.url)
            async with app.app.router.lifespan_context(app.app):
                for _ in range(100):
                    if len(receiver.requests) >= EVENTS:
                        break
                    await asyncio.sleep(0.1)
    assert len(receiver.requests) == EVENTS
