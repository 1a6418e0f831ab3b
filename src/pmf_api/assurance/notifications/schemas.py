"""Request and response shapes for webhook subscriptions, their deliveries and notification preferences."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict

from pmf_api.platform.events import EVENT_TYPES
from pmf_api.platform.http.paging import PageParams
from pmf_api.platform.schemas import InputModel, OutputModel, UpdateModel

Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
EventType = Annotated[str, StringConstraints(max_length=60)]

EVENT_TYPES_DESCRIPTION = "Events to send: " + ", ".join(f"`{kind}`" for kind in EVENT_TYPES)
SUBSCRIPTION_EXAMPLE: JsonDict = {
    "id": "6a1d2c3b-0000-4000-8000-000000000041",
    "url": "https://portal.northdale.gov.uk/hooks/pmf",
    "description": "Performance portal",
    "event_types": ["value.published", "value.queried"],
    "active": True,
    "created_by": "perf.lead@northdale.gov.uk",
    "version": 1,
    "created_at": "2026-11-30T09:00:00Z",
    "updated_at": "2026-11-30T09:00:00Z",
}


class SubscriptionCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {k: SUBSCRIPTION_EXAMPLE[k] for k in ("url", "description", "event_types")},
            ]
        }
    )

    url: Url = Field(description="https:// URL of the receiver; loopback, private and link-local hosts are refused")
    description: Description | None = Field(default=None, description="What the receiver is, for people")
    event_types: list[EventType] = Field(max_length=len(EVENT_TYPES) * 2, description=EVENT_TYPES_DESCRIPTION)
    active: bool = Field(default=True, description="An inactive subscription gets no new deliveries")


class SubscriptionUpdate(UpdateModel):
    url: Url | None = None
    description: Description | None = None
    event_types: list[EventType] | None = Field(default=None, max_length=len(EVENT_TYPES) * 2)
    active: bool | None = None

    nullable = frozenset({"description"})


class Subscription(OutputModel):
    """A subscription as listed: its secret is never shown again."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [SUBSCRIPTION_EXAMPLE]})

    url: str
    description: str | None
    event_types: list[str]
    active: bool
    created_by: str


class SubscriptionCreated(Subscription):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [{**SUBSCRIPTION_EXAMPLE, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}]},
    )

    secret: str = Field(
        description="Signs every delivery (Standard Webhooks: `webhook-signature` is `v1,` and the Base64 "
        "HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` keyed with the Base64-decoded part after "
        "`whsec_`). Shown only in this response"
    )


class SubscriptionList(PageParams):
    active: bool | None = Field(default=None, description="Only active (or inactive) subscriptions")


DeliveryState = Literal["pending", "delivered", "failed"]


class Delivery(OutputModel):
    """One event sent (or being sent) to one subscription."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "7b2e3d4c-0000-4000-8000-000000000051",
                    "subscription_id": SUBSCRIPTION_EXAMPLE["id"],
                    "event_id": "8c3f4e5d-0000-4000-8000-000000000061",
                    "event_type": "value.published",
                    "state": "pending",
                    "attempts": 2,
                    "next_attempt_at": "2026-11-30T09:04:00Z",
                    "last_attempt_at": "2026-11-30T09:02:00Z",
                    "last_status_code": 503,
                    "last_error": "The receiver answered 503",
                    "delivered_at": None,
                    "version": 1,
                    "created_at": "2026-11-30T09:00:00Z",
                    "updated_at": "2026-11-30T09:00:00Z",
                }
            ]
        },
    )

    subscription_id: uuid.UUID
    event_id: uuid.UUID = Field(description="The event (`id` in the body the receiver gets)")
    event_type: str
    state: DeliveryState = Field(description="`pending` (to be tried, or retried), `delivered`, `failed` (gave up)")
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None = Field(description="The receiver's last HTTP status (none: no answer)")
    last_error: str | None
    delivered_at: datetime | None


class DeliveryList(PageParams):
    state: DeliveryState | None = Field(default=None, description="Only deliveries in this state")


class Preferences(BaseModel):
    """A person's notification preferences (the defaults until they set their own)."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "person_id": "0b7e5b1c-0000-4000-8000-000000000021",
                    "email_enabled": True,
                    "digest_hour": 7,
                    "reminder_kinds": ["due_soon", "due_today", "overdue", "query_waiting", "approval_waiting"],
                    "updated_at": None,
                }
            ]
        },
    )

    person_id: uuid.UUID
    email_enabled: bool
    digest_hour: int = Field(description="The hour of the day (PMF_NOTIFY_TIMEZONE) from which the digest is sent")
    reminder_kinds: list[str] = Field(description="The reminders the digest includes")
    updated_at: datetime | None = Field(description="When the person last set them (none: the defaults)")


class PreferencesSet(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email_enabled": True, "digest_hour": 8, "reminder_kinds": ["overdue"]}]}
    )

    email_enabled: bool = Field(default=True, description="Whether reminders reach you by e-mail at all")
    digest_hour: int = Field(default=7, ge=0, le=23, description="From which hour of the day your digest is sent")
    reminder_kinds: list[Annotated[str, StringConstraints(max_length=40)]] | None = Field(
        default=None, max_length=50, description="The reminders you want (default: every kind)"
    )


class MyReminder(BaseModel):
    """One thing waiting for you: a line of your digest, read live."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "overdue",
                    "title": "WS01 Household waste recycled",
                    "detail": "2026/27 P6: overdue since 14 Oct 2026",
                    "link": "/api/v1/kpis/0b7e5b1c-0000-4000-8000-000000000009",
                }
            ]
        }
    )

    kind: str = Field(description="What it is about: a reminder kind, as in your preferences' `reminder_kinds`")
    title: str = Field(description="What it concerns: a KPI, a target, a form, a template")
    detail: str = Field(description="What is asked of you, and since when")
    link: str | None = Field(description="The API path of the record")


class MyReminderList(PageParams):
    kind: list[str] | None = Field(
        default=None, description="Only these kinds (repeat the parameter), e.g. `approval_waiting`"
    )
