"""The OData v4 routes, read-only, at ``/api/v1/odata``: the service document, ``$metadata``, each
feed's entity set and its ``$count``. Kept out of the OpenAPI spec (OData describes itself in
``$metadata``); README ("OData") documents them.

Every entity set reads ``feed.statement()`` (the feed's rows, fenced by its repository's read
rule with the actor's values) as a subquery, after ``prepare_feed``, as the feeds do.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from sqlalchemy import Select, func, select
from starlette.responses import Response

from pmf_api.access.deps import CurrentActor
from pmf_api.platform.http.deps import AsOf, SessionDep
from pmf_api.publishing.feeds.catalogue import FEEDS
from pmf_api.publishing.feeds.definitions import ColumnKind, Feed, prepare_feed
from pmf_api.publishing.odata.csdl import metadata_document
from pmf_api.publishing.odata.errors import ODATA_VERSION, MethodNotAllowed, NotFound, NotSupported, ODataError
from pmf_api.publishing.odata.filters import decimal_value
from pmf_api.publishing.odata.query import MAX_PAGE, Options, one_each, parse_options

ROOT = "/odata"
JSON_TYPE = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
XML_TYPE = "application/xml;charset=utf-8"
_MAXPAGESIZE = re.compile(r"(?:^|[,;\s])odata\.maxpagesize\s*=\s*\"?(\d{1,9})\"?", re.IGNORECASE)

router = APIRouter(include_in_schema=False)


def _feeds_by_set() -> dict[str, Feed]:
    return {feed.entity_set: feed for feed in FEEDS.values()}


def _base(request: Request) -> str:
    """Where links start: ``PMF_PUBLIC_BASE_URL`` when set, else nothing (links are relative to
    the host); never the request's ``Host``, which the caller chooses."""
    settings = getattr(request.app.state, "settings", None)
    return (getattr(settings, "public_base_url", None) or "").rstrip("/")


def _service_root(request: Request) -> str:
    path = request.url.path
    return f"{_base(request)}{path[: path.index(ROOT) + len(ROOT)]}"


def _json(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=_json_value)
    return Response(content, media_type=JSON_TYPE, headers={**ODATA_VERSION, **(headers or {})})


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)  # as every decimal the API sends: a JSON number
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


@router.get(ROOT)
@router.get(ROOT + "/")
async def service_document(request: Request, actor: CurrentActor) -> Response:
    """The entity sets this service has, one per feed."""
    root = _service_root(request)
    try:
        one_each(request.query_params.multi_items())
    except ODataError as error:
        return error.response()
    value = [
        {"name": name, "kind": "EntitySet", "url": name, "title": feed.title}
        for name, feed in sorted(_feeds_by_set().items())
    ]
    return _json({"@odata.context": f"{root}/$metadata", "value": value})


@router.get(ROOT + "/$metadata")
async def metadata(request: Request, actor: CurrentActor) -> Response:
    """The CSDL XML document every OData client reads first."""
    fmt = request.query_params.get("$format", "xml").split(";", 1)[0].strip().lower()
    if fmt not in ("xml", "application/xml"):
        return NotSupported("$metadata is served as XML (CSDL) only", target="$format").response()
    return Response(metadata_document(FEEDS.values()), media_type=XML_TYPE, headers=ODATA_VERSION)


@router.api_route(ROOT + "/$batch", methods=["GET", "POST"])
async def batch(actor: CurrentActor) -> Response:
    return NotSupported("$batch is not supported: send each request on its own").response()


@router.get(ROOT + "/{entity_set}")
async def entity_set(
    entity_set: str, request: Request, actor: CurrentActor, session: SessionDep, as_of: AsOf
) -> Response:
    """A page of the entity set's rows the actor may read, as the query options ask."""
    try:
        feed = _feed(entity_set)
        sub = feed.statement().subquery("feed")
        options = parse_options(feed, request.query_params.multi_items(), sub.c)
        await prepare_feed(request.app.state.sessionmaker, feed, actor, as_of)
        params = dict(feed.params(actor))
        page_size, applied = _page_size(request)
        sent = options.skiptoken
        remaining = None if options.top is None else max(options.top - sent, 0)
        limit = page_size if remaining is None else min(page_size, remaining)
        statement = _rows(sub, feed, options).offset(options.skip + sent).limit(limit + 1)
        rows = (await session.execute(statement, params)).all() if limit > 0 else []
        body: dict[str, Any] = {"@odata.context": _context(request, feed, options)}
        if options.count:
            body["@odata.count"] = await _count(session, sub, options, params)
        names = options.select
        body["value"] = [dict(zip(names, row, strict=True)) for row in rows[:limit]]
        if len(rows) > limit and (remaining is None or remaining > limit):
            body["@odata.nextLink"] = _next_link(request, sent + limit)
        headers = {"Preference-Applied": f"odata.maxpagesize={page_size}"} if applied else None
        return _json(body, headers)
    except ODataError as error:
        return error.response()


@router.get(ROOT + "/{entity_set}/$count")
async def entity_set_count(
    entity_set: str, request: Request, actor: CurrentActor, session: SessionDep, as_of: AsOf
) -> Response:
    """How many rows of the entity set the actor may read pass ``$filter`` (as plain text)."""
    try:
        feed = _feed(entity_set)
        sub = feed.statement().subquery("feed")
        options = parse_options(feed, request.query_params.multi_items(), sub.c)
        await prepare_feed(request.app.state.sessionmaker, feed, actor, as_of)
        total = await _count(session, sub, options, dict(feed.params(actor)))
        return Response(str(total), media_type="text/plain;charset=utf-8", headers=ODATA_VERSION)
    except ODataError as error:
        return error.response()


@router.get(ROOT + "/{entity_set}/{rest:path}")
async def entity_set_path(entity_set: str, rest: str, actor: CurrentActor) -> Response:
    try:
        _feed(entity_set)
    except ODataError as error:
        return error.response()
    return NotSupported(
        f"{entity_set}/{rest}: only the entity set itself and its $count are served", target=rest
    ).response()


@router.api_route(ROOT, methods=["POST", "PUT", "PATCH", "DELETE"])
@router.api_route(ROOT + "/{rest:path}", methods=["POST", "PUT", "PATCH", "DELETE"])
async def writes(request: Request) -> Response:
    """The OData service is read-only: every write answers 405, whoever asks."""
    return MethodNotAllowed(f"The OData service is read-only: {request.method} is not allowed").response(
        {"Allow": "GET"}
    )


def _feed(entity_set: str) -> Feed:
    if "(" in entity_set:
        raise NotSupported(
            f"{entity_set}: addressing one entity by its key is not supported; use $filter on the key",
            target=entity_set,
        )
    feed = _feeds_by_set().get(entity_set)
    if feed is None:
        raise NotFound(f"No entity set named {entity_set!r} (the service document lists them)", target=entity_set)
    return feed


def _page_size(request: Request) -> tuple[int, bool]:
    """Rows per page: ``Prefer: odata.maxpagesize=n`` clamped to 1..MAX_PAGE, else MAX_PAGE."""
    match = _MAXPAGESIZE.search(", ".join(request.headers.getlist("prefer")))
    if match is None:
        return MAX_PAGE, False
    return min(max(int(match.group(1)), 1), MAX_PAGE), True


def _rows(sub: Any, feed: Feed, options: Options) -> Select[Any]:
    statement = select(*(sub.c[name] for name in options.select))
    if options.where is not None:
        statement = statement.where(options.where)
    order = []
    for name, descending in options.order:
        column = feed.column(name)
        assert column is not None
        expression = decimal_value(sub.c[name]) if column.kind is ColumnKind.DECIMAL else sub.c[name]
        ordered = expression.desc() if descending else expression.asc()
        if column.nullable and name not in feed.key:
            # OData puts nulls first ascending and last descending; each database is told so (they
            # differ). Never on a column without nulls, whose index then still gives the order.
            ordered = ordered.nulls_last() if descending else ordered.nulls_first()
        order.append(ordered)
    return statement.order_by(*order)


async def _count(session: Any, sub: Any, options: Options, params: dict[str, Any]) -> int:
    statement = select(func.count()).select_from(sub)
    if options.where is not None:
        statement = statement.where(options.where)
    total: int = (await session.execute(statement, params)).scalar_one()
    return total


def _context(request: Request, feed: Feed, options: Options) -> str:
    selected = f"({','.join(options.select)})" if options.selected else ""
    return f"{_service_root(request)}/$metadata#{feed.entity_set}{selected}"


def _next_link(request: Request, sent: int) -> str:
    """The same request for the rows after the ``sent`` ones, absolute from ``PMF_PUBLIC_BASE_URL``
    when set, else relative to the host."""
    items: Sequence[tuple[str, str]] = [
        (name, value) for name, value in request.query_params.multi_items() if name.lower() != "$skiptoken"
    ]
    query = urlencode([*items, ("$skiptoken", str(sent))], quote_via=quote, safe="$,'()*:")
    return f"{_base(request)}{request.url.path}?{query}"
