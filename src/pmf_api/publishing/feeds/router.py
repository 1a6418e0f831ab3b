"""Routes for the feeds: the catalogue, and each feed's rows as JSON or CSV a page at a time.

Every registered feed (``catalogue``) is served at ``/api/v1/feeds/{name}``. Each feed known when
the app is built has its own route in the spec, with its own row model (``KpiValueFeedRow``), so a
client generated from the spec types its rows; ``/feeds/{name}`` answers the rest (404 for a feed
that does not exist). Power BI reads them with ``Web.Contents`` (README, "Power BI").
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.deps import CurrentActor
from pmf_api.platform.errors import NotFound
from pmf_api.platform.http.deps import AsOf, SessionDep
from pmf_api.platform.http.paging import JSON
from pmf_api.platform.http.problems import responses
from pmf_api.platform.schemas import IsoDate
from pmf_api.publishing.feeds import copying, reading, writing
from pmf_api.publishing.feeds.catalogue import FEEDS
from pmf_api.publishing.feeds.definitions import Feed, prepare_feed

router = APIRouter(tags=["Feeds"])

PREFIX = "/api/v1/feeds"

RangeStart = Annotated[
    IsoDate | None,
    Query(description="Only rows whose period ended on or after this date (Power BI's RangeStart), YYYY-MM-DD"),
]
RangeEnd = Annotated[
    IsoDate | None,
    Query(description="Only rows whose period ended on or before this date (Power BI's RangeEnd), YYYY-MM-DD"),
]
UpdatedSince = Annotated[
    str | None,
    Query(
        description="Only rows whose content changed at or after this time: an ISO 8601 date or time; without an "
        "offset it is UTC, and a bare date is UTC midnight",
        examples=["2026-10-05", "2026-10-05T09:00:00Z"],
    ),
]
Format = Annotated[
    Literal["json", "csv"] | None,
    Query(description="json (the default) or csv; `Accept: text/csv` asks for CSV too"),
]
Limit = Annotated[
    int,
    Query(
        ge=1,
        le=reading.MAX_LIMIT,
        description=f"Rows per page (1-{reading.MAX_LIMIT}, default {reading.DEFAULT_LIMIT})",
    ),
]
Cursor = Annotated[str | None, Query(description="Opaque cursor from the previous page (`next_cursor`, `Link`)")]


@router.get(
    "/feeds",
    summary="The feeds a machine client may read",
    response_model=writing.FeedCatalogue,
    description="Every feed with its columns (name, kind, description, whether it may be empty), its key, the "
    "columns `range_start`/`range_end` and `updated_since` filter, and its URL. Reading the catalogue needs no "
    "credentials; reading a feed does.",
    openapi_extra={"security": []},
)
async def list_feeds() -> writing.FeedCatalogue:
    return writing.FeedCatalogue(
        feeds=[writing.catalogue_entry(feed, f"{PREFIX}/{feed.name}") for feed in FEEDS.values()]
    )


def _wants_csv(request: Request, format: str | None) -> bool:
    if format is not None:
        return format == "csv"
    accept = request.headers.get("accept", "")
    return writing.CSV in accept and JSON not in accept


def next_link(request: Request, cursor: str) -> str:
    """The next page's URL: this one's query with the cursor, without a credential (``api_key`` is
    not repeated in a body or a header a log may keep); absolute from ``PMF_PUBLIC_BASE_URL`` when
    set, else relative, never from the request's ``Host``."""
    settings = getattr(request.app.state, "settings", None)
    base: str = (getattr(settings, "public_base_url", None) or "").rstrip("/")
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in {"cursor", "api_key"}]
    return f"{base}{request.url.path}?{urlencode([*query, ('cursor', cursor)])}"


async def serve_feed(
    feed: Feed,
    request: Request,
    session: AsyncSession,
    actor: Actor,
    as_of: Any,
    *,
    range_start: Any,
    range_end: Any,
    updated_since: str | None,
    format: str | None,
    limit: int,
    cursor: str | None,
) -> Response:
    reading.refuse_unknown(list(request.query_params.keys()))
    query = reading.feed_query(
        feed, range_start=range_start, range_end=range_end, updated_since=updated_since, limit=limit, cursor=cursor
    )
    # The feed's materialised rows are brought up to date in their own unit of work, before this
    # request's session reads anything.
    await prepare_feed(request.app.state.sessionmaker, feed, actor, as_of)
    link: str | None
    if _wants_csv(request, format):
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            body, cursor = await copying.copy_page(session, feed, actor, query)
        else:
            page = await reading.read_page(session, feed, actor, query)
            body, cursor = writing.csv_page(feed, page.rows), page.next_cursor
        link = None if cursor is None else next_link(request, cursor)
        response = Response(body, media_type=f"{writing.CSV}; charset=utf-8")
        response.headers["Content-Disposition"] = f'inline; filename="{feed.name}.csv"'
    else:
        page = await reading.read_page(session, feed, actor, query)
        link = None if page.next_cursor is None else next_link(request, page.next_cursor)
        response = Response(writing.json_page(feed, page.rows, page.next_cursor, link), media_type=JSON)
    if link is not None:
        response.headers["Link"] = f'<{link}>; rel="next"'
    return response


_DESCRIPTION = (
    "Rows in the order of the feed's key, `limit` at a time; the next page's URL is in the `Link` header "
    '(rel="next") and, in JSON, in `next_link` (with its cursor in `next_cursor`). `range_start` and '
    "`range_end` filter the period's end (Power BI incremental refresh); `updated_since` the time a row's "
    "content last changed. Text cells of the CSV that a spreadsheet would run as a formula start with an "
    "apostrophe; numbers are written as numbers."
)


def _feed_route(feed: Feed) -> None:
    async def endpoint(
        request: Request,
        session: SessionDep,
        actor: CurrentActor,
        today: AsOf,
        range_start: RangeStart = None,
        range_end: RangeEnd = None,
        updated_since: UpdatedSince = None,
        format: Format = None,
        limit: Limit = reading.DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Response:
        return await serve_feed(
            feed,
            request,
            session,
            actor,
            today,
            range_start=range_start,
            range_end=range_end,
            updated_since=updated_since,
            format=format,
            limit=limit,
            cursor=cursor,
        )

    name = f"read_{feed.name.replace('-', '_')}_feed"
    endpoint.__name__ = endpoint.__qualname__ = name
    router.add_api_route(
        f"/feeds/{feed.name}",
        endpoint,
        methods=["GET"],
        name=name,
        summary=f"Read the {feed.title} feed",
        description=f"{feed.description}\n\n{_DESCRIPTION}",
        response_model=writing.page_model(feed),
        responses={
            200: {"content": {writing.CSV: {"schema": {"type": "string", "description": "The rows as CSV"}}}},
            **responses(401, 403, 422),
        },
    )


for _feed in FEEDS.values():
    _feed_route(_feed)


@router.get("/feeds/{name}", include_in_schema=False)
async def read_feed(
    name: str,
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    today: AsOf,
    range_start: RangeStart = None,
    range_end: RangeEnd = None,
    updated_since: UpdatedSince = None,
    format: Format = None,
    limit: Limit = reading.DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    """Any registered feed (one registered after the app was built has no route of its own)."""
    feed = FEEDS.get(name)
    if feed is None:
        raise NotFound(detail=f"There is no feed named {name}: GET {PREFIX} lists them")
    return await serve_feed(
        feed,
        request,
        session,
        actor,
        today,
        range_start=range_start,
        range_end=range_end,
        updated_since=updated_since,
        format=format,
        limit=limit,
        cursor=cursor,
    )
