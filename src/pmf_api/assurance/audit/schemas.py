"""Response shapes and filters for the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pmf_api.platform.http.paging import ListParams
from pmf_api.platform.schemas import IsoDateTime


class AuditEntry(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "a0d1c2e3-0000-4000-8000-000000000001",
                    "at": "2026-05-12T10:15:00Z",
                    "actor_subject": "perf.officer@northdale.example.gov.uk",
                    "actor_name": "Priya Shah",
                    "request_id": "0f6c2a9e8b1d4c37a5e2f90d1b6c8e47",
                    "correlation_id": "portal-7f3a",
                    "entity_type": "kpi",
                    "entity_id": "0b7e5b1c-0000-4000-8000-000000000009",
                    "action": "update",
                    "before": {"title": "Missed bins"},
                    "after": {"title": "Missed bins per 100,000 collections"},
                    "note": None,
                }
            ]
        },
    )

    id: uuid.UUID
    at: datetime
    actor_subject: str
    actor_name: str
    request_id: str | None = Field(description="This service's id of the request (its X-Request-ID response header)")
    correlation_id: str | None = Field(
        default=None, description="The client's own X-Request-ID for the request, when it sent a plain one"
    )
    entity_type: str
    entity_id: uuid.UUID
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None = None


class AuditList(ListParams):
    sort: Literal["at", "-at"] = "-at"
    entity_type: str | None = Field(default=None, description="e.g. kpi, target, action, service")
    entity_id: uuid.UUID | None = None
    actor: str | None = Field(default=None, description="The subject of the token that made the change")
    action: str | None = Field(default=None, description="create, update, archive, restore, revise, transition")
    since: IsoDateTime | None = Field(default=None, description="Entries at or after this time (ISO 8601 with offset)")
    until: IsoDateTime | None = Field(default=None, description="Entries before this time (ISO 8601 with offset)")
