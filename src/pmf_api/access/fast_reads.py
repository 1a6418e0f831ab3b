"""Record reads (``GET /api/v1/kpis/{id}`` and the like) answered ahead of FastAPI's routing.

Reading records is the API's most frequent request: portals open records and list them, Power BI
and scripts poll them (with ``If-None-Match``). Through FastAPI a record costs about 0.8 ms of CPU
and a page of 50 about 1.6 ms, most of it in route matching, dependency solving and the ORM
(``bench/profile_api.py``), against 0.07 ms for a bare app. This layer answers the plain case
itself with the same service calls (:func:`pmf_api.access.records.get_values` and
:func:`pmf_api.access.records.list_values`: organisation fence, read permission, filters, keyset pages), the
same read models, ETags and ``Link`` headers, and hands everything else to the full route untouched:

* anything but ``GET`` on ``<prefix>/<records>`` (single-valued filters) or ``<prefix>/<records>/<id>``
  (a canonical id, no query string);
* requests without credentials, and an API key whose use is due to be recorded (once a minute:
  the full route writes ``last_used_at``); a key used within the minute is checked here, read
  over the driver like the record, so a revoked key is refused at once;
* every error (401, 403, 404...), so problems are written in one place, ``problems.py``;
* anything unexpected (logged), so a fault here costs speed, never an answer; a database out of
  reach is not logged here: the full route answers it (503) and logs it once.

``tests/api/test_hot_reads.py`` checks that both give the same status, headers and body.
Switched off with ``PMF_HOT_READS=false``.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import UnionType
from typing import Any, Union, get_args, get_origin
from urllib.parse import parse_qsl

from fastapi.security.utils import get_authorization_scheme_param
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from pmf_api.access import keys as api_keys
from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.access.tokens import authenticate_bearer
from pmf_api.platform.db.rows import DriverConnection, column_keys, driver_connection
from pmf_api.platform.db.session import is_unavailable
from pmf_api.platform.errors import PMFError
from pmf_api.platform.http.etag import etag_for, still_current
from pmf_api.platform.http.paging import JSON, ListParams, list_query, page_json_response
from pmf_api.platform.observability import current_request_id

logger = logging.getLogger("pmf_api.access.fast_reads")

_CANONICAL_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class RecordRead:
    spec: records.EntitySpec[Any]
    read_model: type[BaseModel]
    list_params: type[ListParams] | None  # None: lists stay with the full route
    one: bool  # GET .../{id} is answered here


_READS: dict[str, RecordRead] = {}


def register(
    path: str,
    spec: records.EntitySpec[Any],
    read_model: type[BaseModel],
    list_params: type[ListParams],
    *,
    one: bool = True,
) -> None:
    """Answer ``GET <prefix><path>`` and (``one``) ``GET <prefix><path>/{id}`` here where that is exact.

    A record is read here when its read model is made of the record's columns alone (a model with
    derived fields needs the ORM object); a page, when the fields that are not columns have
    defaults (what lists show, e.g. a submission's ``allowed_transitions``, null in lists) and its
    filters each take one value by their own name (the full route reads repeats its own way).
    """
    columns = column_keys(spec.model)
    fields = read_model.model_fields
    unaliased = all(f.alias is None and f.validation_alias is None for f in fields.values())
    single = one and unaliased and set(fields) <= columns
    listed = unaliased and all(name in columns or not f.is_required() for name, f in fields.items())
    plain_filters = all(
        f.alias is None and f.validation_alias is None and not _takes_several(f.annotation)
        for f in list_params.model_fields.values()
    )
    _READS[path] = RecordRead(spec, read_model, list_params if plain_filters and listed else None, single)


def _takes_several(annotation: Any) -> bool:
    """A list, set or tuple (or an optional one): FastAPI reads every repeat of such a parameter."""
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        return any(_takes_several(arg) for arg in get_args(annotation))
    kind = origin or annotation
    return isinstance(kind, type) and issubclass(kind, list | set | frozenset | tuple)


def registered() -> dict[str, RecordRead]:
    return dict(_READS)


class HotReads:
    """ASGI middleware: see the module's docstring. ``reads`` maps ``/kpis`` and the like (paths
    under ``prefix``) to what is read there."""

    def __init__(self, app: ASGIApp, prefix: str, reads: dict[str, RecordRead]) -> None:
        self.app = app
        self.reads = {prefix + path: read for path, read in reads.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not await self._answer(scope, receive, send):
            await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Send the answer and return True, or send nothing and return False (the full route answers)."""
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        page_of = self.reads.get(path)
        if page_of is not None:
            return page_of.list_params is not None and await self._guard(self._page, page_of, scope, receive, send)
        collection, _, id_text = path.rpartition("/")
        read = self.reads.get(collection)
        if read is None or not read.one or scope["query_string"] or not _CANONICAL_ID.match(id_text):
            return False
        return await self._guard(self._one, read, scope, uuid.UUID(id_text), send)

    @staticmethod
    async def _guard(answer: Callable[..., Awaitable[bool]], *args: Any) -> bool:
        try:
            return await answer(*args)
        except PMFError:
            return False  # the full route says what is wrong, in problems.py's words
        except Exception as exc:
            if is_unavailable(exc):
                return False  # the full route answers 503 (or succeeds on a fresh connection) and logs it
            logger.warning("read handed to the full route after an error", exc_info=True)
            return False

    async def _one(self, read: RecordRead, scope: Scope, id: uuid.UUID, send: Send) -> bool:
        headers = _headers(scope, b"if-none-match", *_CREDENTIALS)
        async with driver_connection(scope["app"].state.sessionmaker) as connection:
            actor = await _actor(scope, connection, headers)
            if actor is None:
                return False
            values = await records.get_values(connection, actor, read.spec, id)
        body = read.read_model.model_validate(values).model_dump_json(by_alias=True).encode()
        tag = etag_for(values["id"], values["version"])
        if still_current(headers[b"if-none-match"], tag):
            await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", tag.encode())]})
            await send({"type": "http.response.body", "body": b""})
            return True
        start = [
            (b"content-length", str(len(body)).encode()),
            (b"content-type", JSON.encode()),
            (b"etag", tag.encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": start})
        await send({"type": "http.response.body", "body": body})
        return True

    async def _page(self, read: RecordRead, scope: Scope, receive: Receive, send: Send) -> bool:
        assert read.list_params is not None
        pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)  # as Starlette
        query = dict(pairs)
        if len(query) != len(pairs):
            return False  # a repeated parameter: the full route decides which counts
        try:
            params = read.list_params.model_validate(query)
        except ValidationError:
            return False
        async with driver_connection(scope["app"].state.sessionmaker) as connection:
            actor = await _actor(scope, connection, _headers(scope, *_CREDENTIALS))
            if actor is None:
                return False
            page = await records.list_values(connection, actor, read.spec, list_query(params))
        headers = Response()  # the headers a route sets (the Link), as FastAPI gives a route its response
        del headers.headers["content-length"]
        response = page_json_response(Request(scope), headers, page, read.read_model)
        await response(scope, receive, send)
        return True


def _headers(scope: Scope, *names: bytes) -> dict[bytes, str | None]:
    """The first value of each of ``names`` (as Starlette's ``Headers.get``), None when absent."""
    found: dict[bytes, str | None] = dict.fromkeys(names)
    for name, value in scope["headers"]:
        if name in found and found[name] is None:
            found[name] = value.decode("latin-1")
    return found


_CREDENTIALS = (b"authorization", b"x-api-key")


async def _actor(scope: Scope, connection: DriverConnection, headers: dict[bytes, str | None]) -> Actor | None:
    """Who is asking, as ``web.get_actor`` decides it: a bearer token, else an API key. None when
    the full route must decide (no credentials, or a key whose use is due to be recorded)."""
    scheme, token = get_authorization_scheme_param(headers[b"authorization"])  # as FastAPI's HTTPBearer
    if scheme.lower() == "bearer" and token:
        state = scope["app"].state
        actor = await authenticate_bearer(state.settings, state.key_set, token, current_request_id())
        # A person not known current within the recheck time: the full route asks (and refuses)
        return actor if state.people.known_current(actor) else None
    key = headers[b"x-api-key"]
    if key:
        return await api_keys.authenticate_without_writing(connection, key, current_request_id())
    return None
