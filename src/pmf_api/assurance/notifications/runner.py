"""One notification round, run by `pmf-api notify` (a scheduler's job) or by the service itself.

A round: for each council, collect the day's digests; make the deliveries of new events; send the
digests and deliveries that are due. Rounds may overlap (two instances, a cron job beside the
built-in schedule): digests are unique per person and day, deliveries per event and subscription,
and sends are claimed with leases, so nothing is sent twice and a round cut short loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.assurance.notifications import delivery, digests
from pmf_api.config import Settings
from pmf_api.framework.organisations.repository import OrganisationRepository
from pmf_api.platform.db.session import DatabaseUnavailable, unit_of_work

logger = logging.getLogger("pmf_api.notifications")


@dataclass(frozen=True)
class RoundReport:
    digests_collected: int
    digests_sent: int
    digests_failed: int
    deliveries_made: int
    delivered: int
    deliveries_failed: int

    def __str__(self) -> str:
        return (
            f"digests: {self.digests_collected} collected, {self.digests_sent} sent, {self.digests_failed} failed; "
            f"webhooks: {self.deliveries_made} queued, {self.delivered} delivered, {self.deliveries_failed} failed"
        )


async def run_once(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime | None = None
) -> RoundReport:
    """One round at ``now`` (default: the clock)."""
    now = now or datetime.now(UTC)
    async with unit_of_work(sessionmaker, writes=False) as session:
        organisations = await OrganisationRepository(session).all_ids()
    collected = 0
    for organisation_id in organisations:
        try:
            async with unit_of_work(sessionmaker) as session:
                collected += await digests.collect(session, settings, organisation_id, now)
        except DatabaseUnavailable:
            raise
        except Exception:  # one council's bad data must not stop the others' reminders or any webhook
            logger.exception(
                "Collecting the digests of organisation %s failed; the next round retries", organisation_id
            )
    made = await delivery.fan_out(sessionmaker, now)
    sent, mail_failed = await digests.send_digests(sessionmaker, settings, now)
    delivered, hook_failed = await delivery.send_deliveries(sessionmaker, settings, now)
    return RoundReport(collected, sent, mail_failed, made, delivered, hook_failed)


@contextlib.asynccontextmanager
async def schedule(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> AsyncIterator[asyncio.Task[None] | None]:
    """Run rounds every ``PMF_NOTIFY_INTERVAL_SECONDS`` while the block runs, when
    ``PMF_NOTIFY_SCHEDULE`` is on (the service's lifespan uses it); a failed round is logged and
    the next one tries again."""
    if not settings.notify_schedule_enabled:
        yield None
        return

    async def loop() -> None:
        while True:
            try:
                report = await run_once(sessionmaker, settings)
                logger.info("Notification round: %s", report)
            except Exception:
                logger.exception("Notification round failed; the next one retries")
            await asyncio.sleep(settings.notify_interval_seconds)

    task = asyncio.create_task(loop(), name="pmf-notifications")
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
