"""E-mail digests: one a person a day, gathering every reminder the sources give them.

Collecting writes each person's digest for the day (unique per person and day, so running the
round twice, or on two instances, never makes a second); sending claims digests with a lease and
mails them, retrying with backoff while the SMTP server is down. A person's preferences decide
whether they get mail, from which hour of their day (``PMF_NOTIFY_TIMEZONE``), and which kinds.
"""

from __future__ import annotations

import html
import logging
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.assurance.notifications import quarterly_reminders  # noqa: F401  (registers the quarter's sources)
from pmf_api.assurance.notifications import reminders as reminder_sources
from pmf_api.assurance.notifications.models import EmailDigest
from pmf_api.assurance.notifications.reminders import Reminder
from pmf_api.assurance.notifications.repository import DigestRepository, PreferenceRepository
from pmf_api.assurance.notifications.service import preferences_of
from pmf_api.config import Settings
from pmf_api.domain.reminders import retry_delay_seconds
from pmf_api.framework.organisations.repository import Contact, contacts
from pmf_api.platform import mail
from pmf_api.platform.db import leases
from pmf_api.platform.db.session import unit_of_work

logger = logging.getLogger("pmf_api.notifications")
BATCH = 100

HEADINGS = {
    "overdue": "Overdue",
    "due_today": "Due today",
    "due_soon": "Due soon",
    "query_waiting": "Queries waiting for your answer",
    "approval_waiting": "Waiting for your approval",
    "template_to_sign": "Data Quality Templates to sign",
    "objective_review": "Objectives to review",
}


def local_now(settings: Settings, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(settings.notify_timezone))


async def collect(session: AsyncSession, settings: Settings, organisation_id: uuid.UUID, now: datetime) -> int:
    """Write today's digest of each person with reminders who has none yet; the number written."""
    local = local_now(settings, now)
    as_of = local.date()
    actor = reminder_sources.notifier(organisation_id)
    found: dict[uuid.UUID, list[Reminder]] = {}
    for source in reminder_sources.sources():
        for reminder in await source.reminders(session, actor, as_of):
            found.setdefault(reminder.person_id, []).append(reminder)
    already = await DigestRepository(session).existing(organisation_id, as_of)
    people = await contacts(session, organisation_id, (p for p in found if p not in already))
    preferences = await PreferenceRepository(session).of_people(organisation_id, people)
    written = 0
    for person_id, person in people.items():
        chosen = preferences_of(preferences.get(person_id), person_id)
        wanted = _distinct([r for r in found[person_id] if r.kind in chosen.reminder_kinds])
        if not chosen.email_enabled or local.hour < chosen.digest_hour or not wanted:
            continue
        digest = _digest(organisation_id, person, as_of, wanted, now)
        try:
            async with session.begin_nested():
                session.add(digest)
        except IntegrityError:  # another worker wrote it first: theirs stands
            continue
        written += 1
    return written


def _distinct(found: Sequence[Reminder]) -> list[Reminder]:
    return list({(r.kind, r.title, r.detail): r for r in found}.values())


def _digest(
    organisation_id: uuid.UUID, person: Contact, day: date, found: list[Reminder], now: datetime
) -> EmailDigest:
    text, markup = render(person, day, found)
    count = len(found)
    return EmailDigest(
        organisation_id=organisation_id,
        person_id=person.id,
        digest_date=day,
        recipient=person.email,
        subject=f"Performance reminders for {day:%d %B %Y}: {count} item{'s' if count != 1 else ''}",
        text_body=text,
        html_body=markup,
        reminders=[{"kind": r.kind, "title": r.title, "detail": r.detail, "link": r.link} for r in found],
        state="pending",
        attempts=0,
        next_attempt_at=now,
    )


def _grouped(found: list[Reminder]) -> list[tuple[str, list[Reminder]]]:
    order = [*HEADINGS, *sorted({r.kind for r in found} - set(HEADINGS))]
    return [
        (HEADINGS.get(kind, kind.replace("_", " ").capitalize()), [r for r in found if r.kind == kind])
        for kind in order
        if any(r.kind == kind for r in found)
    ]


def render(person: Contact, day: date, found: list[Reminder]) -> tuple[str, str]:
    """The digest as plain text and as simple, accessible HTML (headings and lists; no colour, no images)."""
    groups = _grouped(found)
    lines = [f"Dear {person.name},", "", f"Your performance reminders for {day:%A %d %B %Y}:", ""]
    for heading, items in groups:
        lines += [heading, "-" * len(heading)]
        lines += [f"* {r.title}: {r.detail}" for r in items]
        lines.append("")
    lines.append("You can choose which reminders you get, and when, in your notification preferences.")
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>Performance reminders for {day:%d %B %Y}</title></head><body>",
        f"<p>Dear {html.escape(person.name)},</p>",
        f"<p>Your performance reminders for {day:%A %d %B %Y}:</p>",
    ]
    for heading, items in groups:
        parts.append(f"<h2>{html.escape(heading)}</h2><ul>")
        parts += [f"<li><strong>{html.escape(r.title)}</strong>: {html.escape(r.detail)}</li>" for r in items]
        parts.append("</ul>")
    parts.append("<p>You can choose which reminders you get, and when, in your notification preferences.</p>")
    parts.append("</body></html>")
    return "\n".join(lines) + "\n", "\n".join(parts) + "\n"


async def send_digests(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> tuple[int, int]:
    """Mail every ready digest once; (sent, failed for good). Without SMTP settings nothing is tried:
    digests wait until a server is configured."""
    if not mail.mail_configured(settings):
        return 0, 0
    sent = failed = 0
    while True:
        async with unit_of_work(sessionmaker) as session:
            token, ids = await leases.claim(
                session, EmailDigest, now=now, lease_seconds=settings.notify_lease_seconds, limit=BATCH
            )
            claimed = await DigestRepository(session).claimed(ids)
        for digest in claimed:
            attempts = digest.attempts + 1
            values: dict[str, object] = {"attempts": attempts, "last_attempt_at": now}
            try:
                await mail.send(settings, _mail(digest))
            except mail.MailError as exc:
                if attempts >= settings.notify_max_attempts:
                    values |= {"state": "failed", "last_error": str(exc)}
                    failed += 1
                else:
                    wait = retry_delay_seconds(
                        attempts,
                        base_seconds=settings.notify_retry_base_seconds,
                        cap_seconds=settings.notify_retry_cap_seconds,
                    )
                    values |= {"next_attempt_at": now + timedelta(seconds=wait), "last_error": str(exc)}
                logger.warning("Digest %s not sent (try %d): %s", digest.id, attempts, exc)
            else:
                values |= {"state": "sent", "sent_at": now, "last_error": None}
                sent += 1
            async with unit_of_work(sessionmaker) as session:
                await leases.settle(session, EmailDigest, digest.id, token, **values)
        if len(ids) < BATCH:
            return sent, failed


def _mail(digest: EmailDigest) -> mail.Mail:
    return mail.Mail(
        to=digest.recipient,
        subject=digest.subject,
        text=digest.text_body,
        html=digest.html_body,
        message_id=f"<digest-{digest.id}@pmf-api>",
    )
