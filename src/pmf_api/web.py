"""What every router shares: the session and actor dependencies, ETags, pages and their links."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from functools import cache
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Header, Request, Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api import crud
from pmf_api.apikeys import service as api_keys
from pmf_api.auth.actor import Actor
from pmf_api.auth.tokens import authenticate_bearer
from pmf_api.config import Settings
from pmf_api.db.base import Entity
from pmf_api.db.repository import Page
from pmf_api.db.session import ReadSessions, mark_read_only, read_only, unit_of_work
from pmf_api.errors import NotAuthenticated, PreconditionFailed
from pmf_api.observability import current_request_id

T = TypeVar("T", bound=BaseModel)

_bearer = HTTPBearer(auto_error=False, description="A JWT from `pmf-api token` or your identity provider")


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SAFE_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response is sent (services only flush).

    GET and HEAD only read: on PostgreSQL they get a read-only session without BEGIN and COMMIT
    (see ``ReadSessions``), when the app has one for its current sessionmaker.
    """
    state = request.app.state
    sessionmaker = state.sessionmaker
    safe = request.method in SAFE_METHODS
    if safe:
        reads: ReadSessions | None = getattr(state, "read_sessions", None)
        if reads is not None and reads.source is sessionmaker:
            async with read_only(reads.maker) as session:
                yield session
            return
    async with unit_of_work(sessionmaker, writes=not safe) as session:
        if safe:
            mark_read_only(session)  # as strict as the autocommit path, so tests on SQLite catch a writing GET
        yield session


_api_key = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="A machine client's key from `POST /api/v1/api-keys`"
)


async def get_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)] = None,
) -> Actor:
    if credentials is None and api_key:
        # Machine clients send an API key instead of a bearer token (looked up, so only when sent).
        return await api_keys.authenticate(request.app.state.sessionmaker, api_key, current_request_id())
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated(detail="Send a bearer token in the Authorization header (or an X-API-Key)")
    state = request.app.state
    return await authenticate_bearer(state.settings, state.key_set, credentials.credentials, current_request_id())


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
    updated_since: AwareDatetime | None = Field(
        default=None,
        description="Only records changed at or after this time (ISO 8601 with offset); for incremental refresh",
    )
    include_archived: bool = Field(default=False, description="Include archived records")


PAGING_FIELDS = frozenset(ListParams.model_fields) | {"sort"}


def list_query(params: ListParams) -> crud.ListQuery:
    """A list's query parameters as the service takes them: every field beyond paging is a filter."""
    values = params.model_dump()
    return crud.ListQuery(
        filters={name: value for name, value in values.items() if name not in PAGING_FIELDS},
        updated_since=params.updated_since,
        include_archived=params.include_archived,
        sort=values.get("sort"),
        cursor=params.cursor,
        limit=params.limit,
    )


class PageOf(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page"
    )


def etag_of(entity: Entity) -> str:
    return etag_for(entity.id, entity.version)


def etag_for(id: uuid.UUID, version: int) -> str:
    return f'"{id.hex[:8]}-{version}"'


def still_current(if_none_match: str | None, tag: str) -> bool:
    """Whether ``If-None-Match`` names ``tag``: the client's copy is current (answer 304)."""
    return if_none_match is not None and tag in {t.strip() for t in if_none_match.split(",")}


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


IfNoneMatch = Annotated[str | None, Header(description="An ETag you hold; 304 if still current")]
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {304: {"description": "Not modified since the ETag you hold"}}


def not_modified(response: Response, entity: Entity, if_none_match: str | None) -> Response | None:
    """A 304 when the client's copy of ``entity`` is current; else None, with its ETag on ``response``."""
    tag = etag_of(entity)
    if still_current(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag})
    response.headers["ETag"] = tag
    return None


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


# Responses serialised once. A route that returns a model has FastAPI validate it again against its
# ``response_model`` before dumping it; these build the model once and send its JSON as the body.
# Routes keep ``response_model=`` for OpenAPI, and the bytes are the same (pydantic's JSON, by alias).


def json_response(model: BaseModel, response: Response, status_code: int = 200) -> Response:
    """``model`` as the JSON body, with the headers set on the route's ``response`` (ETag, Location)."""
    out = Response(content=model.model_dump_json(by_alias=True), status_code=status_code, media_type=JSON)
    out.headers.raw.extend(response.headers.raw)
    return out


JSON = "application/json"


@cache
def _items_adapter(read_model: type[T]) -> TypeAdapter[list[T]]:
    return TypeAdapter(list[read_model])  # type: ignore[valid-type]


@cache
def _page_model(read_model: type[T]) -> type[PageOf[T]]:
    return PageOf[read_model]  # type: ignore[valid-type]


def page_json_response(request: Request, response: Response, page: Page[Any], read_model: type[T]) -> Response:
    """A page of records as ``PageOf[read_model]``: every item validated from its row in one pass."""
    if page.next_cursor:
        next_url = request.url.include_query_params(cursor=page.next_cursor)
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    # A loaded row's attributes are in its __dict__: validating from those mappings skips an ORM
    # attribute descriptor per field per row (a large part of a page's cost). A read model with a
    # derived attribute (a property) is not satisfied by them and is validated from the objects.
    adapter = _items_adapter(read_model)
    try:
        items = adapter.validate_python([row if isinstance(row, dict) else row.__dict__ for row in page.items])
    except ValidationError:
        items = adapter.validate_python(page.items, from_attributes=True)
    body = _page_model(read_model).model_construct(items=items, next_cursor=page.next_cursor)
    return json_response(body, response)
