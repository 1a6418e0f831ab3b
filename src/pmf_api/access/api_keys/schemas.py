"""Request and response shapes for API keys. A key's secret appears in one response only: its creation."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from pmf_api.access.actor import ScopeType
from pmf_api.domain.workflow import Role
from pmf_api.platform.http.paging import PageParams
from pmf_api.platform.schemas import InputModel, Name, OutputModel

KEY_EXAMPLE: JsonDict = {
    "id": "5a0c4a53-0000-4000-8000-000000000031",
    "name": "Waste system nightly push",
    "prefix": "pmf_Q2x9VfLk",
    "role": "performance",
    "scope": "service",
    "scope_id": "0b7e5b1c-0000-4000-8000-000000000004",
    "created_by": "perf.lead@northdale.gov.uk",
    "last_used_at": "2026-10-02T02:00:07Z",
    "revoked_at": None,
    "revoked_by": None,
    "version": 1,
    "created_at": "2026-10-01T09:00:00Z",
    "updated_at": "2026-10-01T09:00:00Z",
}


class ApiKeyCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Waste system nightly push",
                    "role": "performance",
                    "scope": "service",
                    "scope_id": "0b7e5b1c-0000-4000-8000-000000000004",
                }
            ]
        }
    )

    name: Name = Field(description="What the key is for, so people can tell keys apart")
    role: Role = Field(description="The role the key acts with; pushing values needs `performance` over the KPIs")
    scope: ScopeType = Field(default=ScopeType.ORGANISATION, description="Where the role applies, as for a grant")
    scope_id: uuid.UUID | None = Field(default=None, description="The directorate, service or portfolio of `scope`")


class ApiKey(OutputModel):
    """A key as listed: its prefix identifies it; the key itself is never shown again."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [KEY_EXAMPLE]})

    name: str
    prefix: str = Field(description="The first characters of the key, to recognise it")
    role: Role
    scope: ScopeType
    scope_id: uuid.UUID | None
    created_by: str
    last_used_at: datetime | None = Field(description="Last request made with the key (to the minute)")
    revoked_at: datetime | None
    revoked_by: str | None


class ApiKeyCreated(ApiKey):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [{**KEY_EXAMPLE, "key": "pmf_Q2x9VfLk...(43 more characters)"}]},
    )

    key: str = Field(
        description="The key: send it as `X-API-Key`. Shown only in this response; store it in a secret store"
    )


class ApiKeyList(PageParams):
    include_revoked: bool = Field(default=False, description="Include revoked keys")
