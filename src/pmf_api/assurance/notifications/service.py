"""Use cases of notifications through the API: webhook subscriptions and their delivery log (the
performance team's), and each person's own notification preferences."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_write
from pmf_api.assurance.notifications import quarterly_reminders  # noqa: F401  (registers the quarter's sources)
from pmf_api.assurance.notifications import reminders as reminder_sources
from pmf_api.assurance.notifications.models import NotificationPreference, WebhookDelivery, WebhookSubscription
from pmf_api.assurance.notifications.reminders import Reminder, known_kinds
from pmf_api.assurance.notifications.repository import (
    DeliveryRepository,
    PreferenceRepository,
    SubscriptionRepository,
)
from pmf_api.framework.organisations.repository import PersonRepository
from pmf_api.platform import audit, webhooks
from pmf_api.platform.audit import AuditEntry
from pmf_api.platform.db.pages import ListQuery, Page
from pmf_api.platform.errors import FieldProblem, PermissionDenied, PreconditionFailed, refuse
from pmf_api.platform.events import EVENT_TYPES

DEFAULT_DIGEST_HOUR = 7


# --- Webhook subscriptions ----------------------------------------------------------------------


@dataclass(frozen=True)
class CreatedSubscription:
    subscription: WebhookSubscription
    secret: str


def _check_event_types(event_types: Sequence[str]) -> list[str]:
    problems = [
        FieldProblem(f"event_types.{index}", f"Unknown event type {kind!r}; known: {', '.join(EVENT_TYPES)}")
        for index, kind in enumerate(event_types)
        if kind not in EVENT_TYPES
    ]
    if not event_types:
        problems.append(FieldProblem("event_types", "Name at least one event type"))
    refuse(problems)
    return list(dict.fromkeys(event_types))


def _audited(subscription: WebhookSubscription) -> dict[str, Any]:
    """The subscription as the audit trail keeps it: never its secret."""
    return {k: v for k, v in audit.snapshot(subscription).items() if k != "secret"}


async def _record(
    session: AsyncSession, actor: Actor, action: str, subscription: WebhookSubscription, before: dict[str, Any] | None
) -> None:
    await session.flush()
    session.add(
        AuditEntry(
            **audit.entry_values(
                actor, action, subscription.__tablename__, subscription.id, before, _audited(subscription)
            )
        )
    )


async def create_subscription(
    session: AsyncSession, actor: Actor, allow_hosts: Sequence[str], data: Mapping[str, Any]
) -> CreatedSubscription:
    """Subscribe a URL to event types; the secret that signs its deliveries is returned this once."""
    require_write(actor, Resource.webhook)
    await webhooks.check_url(data["url"], allow_hosts)
    secret = webhooks.new_secret()
    subscription = WebhookSubscription(
        organisation_id=actor.organisation_id,
        url=data["url"],
        description=data.get("description"),
        secret=secret,
        event_types=_check_event_types(data["event_types"]),
        active=data.get("active", True),
        created_by=actor.subject,
    )
    session.add(subscription)
    await _record(session, actor, "create", subscription, None)
    return CreatedSubscription(subscription, secret)


async def get_subscription(session: AsyncSession, actor: Actor, id: uuid.UUID) -> WebhookSubscription:
    require_write(actor, Resource.webhook)
    return await SubscriptionRepository(session).get(actor, id)


async def list_subscriptions(session: AsyncSession, actor: Actor, query: ListQuery) -> Page[WebhookSubscription]:
    require_write(actor, Resource.webhook)
    return await SubscriptionRepository(session).page(actor, query)


async def update_subscription(
    session: AsyncSession,
    actor: Actor,
    allow_hosts: Sequence[str],
    id: uuid.UUID,
    changes: Mapping[str, Any],
    expected_version: int | None,
) -> WebhookSubscription:
    subscription = await get_subscription(session, actor, id)
    if expected_version is not None and expected_version != subscription.version:
        raise PreconditionFailed.if_match(
            f"You edited version {expected_version} but the subscription is now at version {subscription.version}"
        )
    changes = dict(changes)
    if "url" in changes:
        await webhooks.check_url(changes["url"], allow_hosts)
    if "event_types" in changes:
        changes["event_types"] = _check_event_types(changes["event_types"])
    before = _audited(subscription)
    for key, value in changes.items():
        setattr(subscription, key, value)
    if session.is_modified(subscription):
        await _record(session, actor, "update", subscription, before)
    return subscription


# --- Deliveries ---------------------------------------------------------------------------------


async def list_deliveries(
    session: AsyncSession,
    actor: Actor,
    subscription_id: uuid.UUID,
    *,
    state: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[WebhookDelivery]:
    """A page of a subscription's delivery log, newest first."""
    subscription = await get_subscription(session, actor, subscription_id)
    return await DeliveryRepository(session).of_subscription(subscription.id, state=state, cursor=cursor, limit=limit)


async def get_delivery(session: AsyncSession, actor: Actor, id: uuid.UUID) -> WebhookDelivery:
    require_write(actor, Resource.webhook)
    return await DeliveryRepository(session).get(actor, id)


async def redeliver(session: AsyncSession, actor: Actor, id: uuid.UUID, now: datetime | None = None) -> WebhookDelivery:
    """Send a delivery again from the first try (a failed one, or a delivered one the receiver lost)."""
    delivery = await get_delivery(session, actor, id)
    changes = {
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now or datetime.now(UTC),
        "lease_token": None,
        "lease_until": None,
        "last_error": None,
    }
    await audit.update(session, actor, delivery, changes, None, action="redeliver")
    return delivery


# --- Preferences --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preferences:
    person_id: uuid.UUID
    email_enabled: bool
    digest_hour: int
    reminder_kinds: list[str]
    updated_at: datetime | None


def _person_of(actor: Actor, what: str = "Notification preferences belong") -> uuid.UUID:
    if actor.person_id is None:
        raise PermissionDenied(
            detail=f"{what} to a person: this credential (an API key, or a token that speaks for no person) has none"
        )
    return actor.person_id


async def my_reminders(
    session: AsyncSession, actor: Actor, as_of: date, kinds: Collection[str] | None = None
) -> list[Reminder]:
    """What waits for the person ``actor`` speaks for on ``as_of``: the reminders their digest gathers
    (values due or overdue, queries to answer, approvals and sign-offs waiting), live, whatever their
    e-mail preferences; only the sources that give one of ``kinds`` are asked."""
    person_id = _person_of(actor, "Reminders belong")
    notifier = reminder_sources.notifier(actor.organisation_id)
    found: list[Reminder] = []
    for source in reminder_sources.sources():
        if kinds is None or set(source.kinds) & set(kinds):
            found += [r for r in await source.reminders(session, notifier, as_of) if r.person_id == person_id]
    wanted = [r for r in found if kinds is None or r.kind in kinds]
    return list({(r.kind, r.title, r.detail): r for r in wanted}.values())


def _view(person_id: uuid.UUID, found: NotificationPreference | None) -> Preferences:
    if found is None:
        return Preferences(person_id, True, DEFAULT_DIGEST_HOUR, known_kinds(), None)
    return Preferences(person_id, found.email_enabled, found.digest_hour, list(found.reminder_kinds), found.updated_at)


def preferences_of(found: NotificationPreference | None, person_id: uuid.UUID) -> Preferences:
    """A person's preferences, the defaults when they have set none (every kind, e-mail on, 07:00)."""
    return _view(person_id, found)


async def my_preferences(session: AsyncSession, actor: Actor) -> Preferences:
    person_id = _person_of(actor)
    return _view(person_id, await PreferenceRepository(session).of_person(actor.organisation_id, person_id))


async def set_my_preferences(session: AsyncSession, actor: Actor, data: Mapping[str, Any]) -> Preferences:
    """Replace the caller's own preferences (fields not sent take their defaults)."""
    person_id = _person_of(actor)
    await PersonRepository(session).get(actor, person_id, lock=False)
    kinds = known_kinds()
    sent = data.get("reminder_kinds")
    chosen = kinds if sent is None else list(dict.fromkeys(sent))
    refuse(
        [
            FieldProblem(f"reminder_kinds.{index}", f"Unknown reminder kind {kind!r}; known: {', '.join(kinds)}")
            for index, kind in enumerate(sent or ())
            if kind not in kinds
        ]
    )
    values = {
        "email_enabled": data.get("email_enabled", True),
        "digest_hour": data.get("digest_hour") if data.get("digest_hour") is not None else DEFAULT_DIGEST_HOUR,
        "reminder_kinds": chosen,
    }
    found = await PreferenceRepository(session).of_person(actor.organisation_id, person_id)
    if found is None:
        found = NotificationPreference(organisation_id=actor.organisation_id, person_id=person_id, **values)
        await audit.create(session, actor, found)
    else:
        await audit.update(session, actor, found, values, None)
    return _view(person_id, found)
