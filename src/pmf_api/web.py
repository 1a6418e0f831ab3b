"""What every router shares: the session and actor dependencies, ETags, pages and their links."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Header, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.auth.actor import Actor
from pmf_api.auth.tokens import verify_token
from pmf_api.config import Settings
from pmf_api.db.base import Entity
from pmf_api.db.repository import Page
from pmf_api.db.session import unit_of_work
from pmf_api.errors import NotAuthenticated, PreconditionFailed
from pmf_api.observability import current_request_id

T = TypeVar("T", bound=BaseModel)

_bearer = HTTPBearer(auto_error=False, description="A JWT from `pmf-api token` or your identity provider")


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response is sent (services only flush)."""
    async with unit_of_work(request.app.state.sessionmaker) as session:
        yield session


async def get_actor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Actor:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated(detail="Send a bearer token in the Authorization header")
    return verify_token(request.app.state.settings, credentials.credentials, current_request_id())


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
CurrentActor = Annotated[Actor, Depends(get_actor)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


class ListParams(BaseModel):
    """Paging and change-tracking parameters every list takes; features add their own filters.

    Unknown query parameters are refused, so a misspelt filter never silently returns everything.
    """

    model_config = ConfigDict(extra="forbid")

    cursor: str | None = Field(default=None, description="Opaque cursor from the previous page's `next_cursor`")
    limit: int = Field(default=50, ge=1, le=500, description="Items per page (1-500)")
    updated_since: datetime | None = Field(
        default=None,
        description="Only records changed at or after this time (ISO 8601 with offset); for incremental refresh",
    )
    include_archived: bool = Field(default=False, description="Include archived records")


class PageOf(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page"
    )


def etag_of(entity: Entity) -> str:
    return f'"{entity.id.hex[:8]}-{entity.version}"'


_ETAG = re.compile(r'^(?:W/)?"[0-9a-f]{8}-(\d+)"$')


def expected_version(if_match: str | None, entity_id: uuid.UUID | None = None) -> int | None:
    """The version named by ``If-Match``; None when absent or ``*`` (last write wins)."""
    if if_match is None or if_match.strip() == "*":
        return None
    for candidate in (c.strip() for c in if_match.split(",")):
        found = _ETAG.match(candidate)
        if found and (entity_id is None or candidate.strip('W/"').startswith(entity_id.hex[:8])):
            return int(found.group(1))
    raise PreconditionFailed(detail=f"If-Match {if_match} names no version of this record")


IfMatch = Annotated[
    str | None,
    Header(description="The ETag you read; a stale one gets 412 and nothing is changed"),
]


def with_etag(response: Response, entity: Entity) -> None:
    response.headers["ETag"] = etag_of(entity)


def page_response(
    request: Request,
    response: Response,
    page: Page[Any],
    convert: Callable[[Any], T],
) -> PageOf[T]:
    if page.next_cursor:
        next_url = request.url.include_query_params(cursor=page.next_cursor)
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    items: Sequence[T] = [convert(item) for item in page.items]
    return PageOf[T](items=list(items), next_cursor=page.next_cursor)
