"""Routes for notifications: webhook subscriptions and their delivery log, and your own preferences."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from pmf_api.access.deps import CurrentActor
from pmf_api.assurance.notifications import schemas
from pmf_api.assurance.notifications import service as notification_service
from pmf_api.platform.db.pages import ListQuery, page_of_list
from pmf_api.platform.http.deps import AsOf, SessionDep, SettingsDep
from pmf_api.platform.http.etag import IfMatch, expected_version, with_etag
from pmf_api.platform.http.paging import PageOf, page_response
from pmf_api.platform.http.problems import responses
from pmf_api.platform.webhooks import TOLERANCE_SECONDS

router = APIRouter(tags=["Notifications"])

SIGNING = (
    "Each delivery is a POST of the event as JSON (`id`, `type`, `timestamp`, `organisation_id`, `subject`, "
    "`data`) signed as [Standard Webhooks](https://www.standardwebhooks.com) says: `webhook-id` (the "
    "delivery's id, the same on every retry: drop one you have seen), `webhook-timestamp` (Unix seconds) and "
    "`webhook-signature`: `v1,` then the Base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{raw body}`, "
    "keyed with the Base64-decoded part of the secret after `whsec_`. Compare in constant time and refuse a "
    f"timestamp more than {TOLERANCE_SECONDS} seconds from your clock. Any 2xx answer is success; anything "
    "else (or no answer) is retried with exponential backoff, then the delivery is marked failed."
)


@router.post(
    "/webhook-subscriptions",
    summary="Subscribe a receiver to events (the signing secret is shown once)",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.SubscriptionCreated,
    responses=responses(400, 401, 403, 413, 422),
    description="Performance team only. The URL must be https to a public address (loopback, private and "
    "link-local hosts are refused unless `PMF_WEBHOOK_ALLOW_HOSTS` names them).\n\n" + SIGNING,
)
async def create_webhook_subscription(
    body: schemas.SubscriptionCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    settings: SettingsDep,
) -> schemas.SubscriptionCreated:
    created = await notification_service.create_subscription(
        session, actor, settings.webhook_allow_hosts, body.model_dump()
    )
    with_etag(response, created.subscription)
    response.headers["Location"] = str(request.url_for("get_webhook_subscription", id=created.subscription.id))
    listed = schemas.Subscription.model_validate(created.subscription)
    return schemas.SubscriptionCreated(**listed.model_dump(), secret=created.secret)


@router.get(
    "/webhook-subscriptions",
    summary="List webhook subscriptions (never their secrets)",
    response_model=PageOf[schemas.Subscription],
    responses=responses(401, 403, 422),
)
async def list_webhook_subscriptions(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.SubscriptionList, Query()],
) -> PageOf[schemas.Subscription]:
    filters = {} if params.active is None else {"active": params.active}
    query = ListQuery(filters=filters, cursor=params.cursor, limit=params.limit)
    page = await notification_service.list_subscriptions(session, actor, query)
    return page_response(request, response, page, schemas.Subscription.model_validate)


@router.get(
    "/webhook-subscriptions/{id}",
    summary="Read a webhook subscription",
    name="get_webhook_subscription",
    response_model=schemas.Subscription,
    responses=responses(401, 403, 404),
)
async def get_webhook_subscription(
    id: uuid.UUID, response: Response, session: SessionDep, actor: CurrentActor
) -> schemas.Subscription:
    subscription = await notification_service.get_subscription(session, actor, id)
    with_etag(response, subscription)
    return schemas.Subscription.model_validate(subscription)


@router.patch(
    "/webhook-subscriptions/{id}",
    summary="Change a webhook subscription (its URL, events, or whether it is active)",
    response_model=schemas.Subscription,
    responses=responses(400, 401, 403, 404, 412, 413, 422),
)
async def update_webhook_subscription(
    id: uuid.UUID,
    body: schemas.SubscriptionUpdate,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> schemas.Subscription:
    subscription = await notification_service.update_subscription(
        session,
        actor,
        settings.webhook_allow_hosts,
        id,
        body.model_dump(exclude_unset=True),
        expected_version(if_match, id),
    )
    with_etag(response, subscription)
    return schemas.Subscription.model_validate(subscription)


@router.get(
    "/webhook-subscriptions/{id}/deliveries",
    summary="The delivery log of a webhook subscription, newest first",
    response_model=PageOf[schemas.Delivery],
    responses=responses(401, 403, 404, 422),
)
async def list_webhook_deliveries(
    id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.DeliveryList, Query()],
) -> PageOf[schemas.Delivery]:
    page = await notification_service.list_deliveries(
        session, actor, id, state=params.state, cursor=params.cursor, limit=params.limit
    )
    return page_response(request, response, page, schemas.Delivery.model_validate)


@router.post(
    "/webhook-deliveries/{id}/redeliver",
    summary="Send a webhook delivery again",
    response_model=schemas.Delivery,
    responses=responses(401, 403, 404),
    description="The delivery goes back to `pending` with its tries reset; the next notification round sends "
    "it, with the same `webhook-id`.",
)
async def redeliver_webhook(
    id: uuid.UUID, response: Response, session: SessionDep, actor: CurrentActor
) -> schemas.Delivery:
    delivery = await notification_service.redeliver(session, actor, id)
    with_etag(response, delivery)
    return schemas.Delivery.model_validate(delivery)


@router.get(
    "/me/notification-preferences",
    summary="Read your notification preferences",
    response_model=schemas.Preferences,
    responses=responses(401, 403),
    description="A credential that speaks for no person (an API key) has none: 403.",
)
async def get_my_notification_preferences(session: SessionDep, actor: CurrentActor) -> schemas.Preferences:
    found = await notification_service.my_preferences(session, actor)
    return schemas.Preferences.model_validate(found)


@router.put(
    "/me/notification-preferences",
    summary="Set your notification preferences",
    response_model=schemas.Preferences,
    responses=responses(400, 401, 403, 413, 422),
    description="Replaces your preferences; a field left out takes its default. One digest a day at most, "
    "from `digest_hour`, with the reminder kinds you choose.",
)
async def set_my_notification_preferences(
    body: schemas.PreferencesSet, session: SessionDep, actor: CurrentActor
) -> schemas.Preferences:
    found = await notification_service.set_my_preferences(session, actor, body.model_dump())
    return schemas.Preferences.model_validate(found)


@router.get(
    "/me/reminders",
    summary="A list of what waits for you today",
    response_model=PageOf[schemas.MyReminder],
    responses=responses(401, 403, 422),
    description=(
        "The reminders your daily digest gathers, live: values due soon, due today or overdue (as owner, "
        "backup owner or head of service), queries waiting for your answer, approvals waiting for you "
        "(targets and their revisions, service plans, KPI Intervention Forms) and Data Quality Templates to "
        "sign; whatever your e-mail preferences. Ordered by kind, then title. A "
        "credential that speaks for no person (an API key) has none: 403."
    ),
)
async def list_my_reminders(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    today: AsOf,
    params: Annotated[schemas.MyReminderList, Query()],
) -> PageOf[schemas.MyReminder]:
    found = await notification_service.my_reminders(session, actor, today, params.kind)
    items = sorted(
        (schemas.MyReminder(kind=r.kind, title=r.title, detail=r.detail, link=r.link) for r in found),
        key=_reminder_key,
    )
    page = page_of_list(items, _reminder_key, order="kind", cursor=params.cursor, limit=params.limit)
    return page_response(request, response, page, lambda item: item)


def _reminder_key(reminder: schemas.MyReminder) -> str:
    return f"{reminder.kind}\x00{reminder.title}\x00{reminder.detail}"
