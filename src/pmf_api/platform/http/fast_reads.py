"""Record reads (``GET /api/v1/kpis/{id}`` and the like) answered ahead of FastAPI's routing, for
the routes that opt in.

Reading records is the API's most frequent request: portals open records and list them, Power BI
and scripts poll them (with ``If-None-Match``). Through FastAPI's routing, dependency solving and
the ORM a record costs several times what a bare app does (bench/README.md has the figures). A
route opts in with :func:`register` (``access.record_routes.add_crud_routes(fast_read=True)``),
giving the very functions its full route calls (``access.records.get_values`` and
``list_values``: the repository's read rule, the read permission, the filters and keyset pages),
and this middleware answers the plain case with them, over the database driver, with the same
read models, ETags and ``Link`` headers. Who is asking is decided by the function the app passes
in (``access.authentication.identify_for_fast_read``, which calls what ``CurrentActor`` calls).

Everything else goes to the full route, untouched:

* anything but ``GET`` on ``<prefix>/<records>`` (single-valued filters) or ``<prefix>/<records>/<id>``
  (a canonical id, no query string);
* a request whose credentials the full route must look at (none, an API key whose use is due to
  be recorded, a person not found current lately);
* every error (401, 403, 404...), so problems are written in one place, ``problems.py``;
* anything unexpected (logged), so a fault here costs speed, never an answer; a database out of
  reach is not logged here: the full route answers it (503) and logs it once.

``tests/api/test_fast_reads.py`` checks that both give the same status, headers and body.
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

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from pmf_api.platform.db.pages import ListQuery, Page
from pmf_api.platform.db.repository import OwnedRepository
from pmf_api.platform.db.rows import DriverConnection, column_keys, driver_connection
from pmf_api.platform.db.session import is_unavailable
from pmf_api.platform.errors import PMFError
from pmf_api.platform.http.etag import etag_for, still_current
from pmf_api.platform.http.paging import JSON, ListParams, list_query, page_json_response

logger = logging.getLogger("pmf_api.platform.http.fast_reads")

_CANONICAL_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

ReadOne = Callable[[DriverConnection, Any, uuid.UUID], Awaitable[dict[str, Any]]]
ReadPage = Callable[[DriverConnection, Any, ListQuery], Awaitable[Page[dict[str, Any]]]]
# Who is asking (the app's state, the Authorization and X-API-Key headers, a driver connection):
# an actor, or None when the full route must decide.
Identify = Callable[[Any, str | None, str | None, DriverConnection], Awaitable[Any | None]]


@dataclass(frozen=True)
class FastRead:
    """What a route that opted in answers here, and with which functions (its full route's own)."""

    repository: type[OwnedRepository[Any]]  # whose records (and read rule) they are
    read_model: type[BaseModel]
    one: ReadOne | None  # GET <path>/{id}
    page: ReadPage | None  # GET <path>?filters
    list_params: type[ListParams] | None


_ROUTES: dict[str, FastRead] = {}


def register(
    path: str,
    repository: type[OwnedRepository[Any]],
    read_model: type[BaseModel],
    *,
    one: ReadOne | None = None,
    page: ReadPage | None = None,
    list_params: type[ListParams] | None = None,
) -> None:
    """Answer ``GET <prefix><path>/{id}`` (with ``one``) and ``GET <prefix><path>`` (with ``page``)
    here. Refused (ValueError) when that could not be exact: a single record's read model must be
    made of the record's ``columns`` alone (a derived field needs the ORM object); a page's fields
    that are not columns must have defaults (what lists show, e.g. a submission's
    ``allowed_transitions``, null in lists), and its filters each take one value by their own name.
    """
    columns = column_keys(repository.model)
    fields = read_model.model_fields
    if any(f.alias is not None or f.validation_alias is not None for f in fields.values()):
        raise ValueError(f"{read_model.__name__} has aliased fields: {path} cannot be read fast")
    if one is not None and not set(fields) <= columns:
        raise ValueError(f"{read_model.__name__} has fields that are not columns: {path}/{{id}} cannot be read fast")
    if page is not None:
        if list_params is None or any(name not in columns and f.is_required() for name, f in fields.items()):
            raise ValueError(f"{read_model.__name__} needs fields that are not columns: {path} cannot be listed fast")
        if any(
            f.alias is not None or f.validation_alias is not None or _takes_several(f.annotation)
            for f in list_params.model_fields.values()
        ):
            raise ValueError(f"{list_params.__name__} has filters that take several values: {path} is not fast")
    _ROUTES[path] = FastRead(repository, read_model, one, page, list_params)


def _takes_several(annotation: Any) -> bool:
    """A list, set or tuple (or an optional one): FastAPI reads every repeat of such a parameter."""
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        return any(_takes_several(arg) for arg in get_args(annotation))
    kind = origin or annotation
    return isinstance(kind, type) and issubclass(kind, list | set | frozenset | tuple)


def registered() -> dict[str, FastRead]:
    return dict(_ROUTES)


class FastReads:
    """ASGI middleware: see the module's docstring. ``reads`` maps ``/kpis`` and the like (paths
    under ``prefix``) to what is read there; ``identify`` says who is asking."""

    def __init__(self, app: ASGIApp, prefix: str, reads: dict[str, FastRead], identify: Identify) -> None:
        self.app = app
        self.reads = {prefix + path: read for path, read in reads.items()}
        self.identify = identify

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not await self._answer(scope, receive, send):
            await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Send the answer and return True, or send nothing and return False (the full route answers)."""
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        listed = self.reads.get(path)
        if listed is not None:
            return listed.page is not None and await self._guard(self._page, listed, scope, receive, send)
        collection, _, id_text = path.rpartition("/")
        read = self.reads.get(collection)
        if read is None or read.one is None or scope["query_string"] or not _CANONICAL_ID.match(id_text):
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

    async def _reader(self, scope: Scope, connection: DriverConnection, headers: dict[bytes, str | None]) -> Any:
        return await self.identify(scope["app"].state, headers[b"authorization"], headers[b"x-api-key"], connection)

    async def _one(self, read: FastRead, scope: Scope, id: uuid.UUID, send: Send) -> bool:
        assert read.one is not None
        headers = _headers(scope, b"if-none-match", *_CREDENTIALS)
        async with driver_connection(scope["app"].state.sessionmaker) as connection:
            reader = await self._reader(scope, connection, headers)
            if reader is None:
                return False
            values = await read.one(connection, reader, id)
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

    async def _page(self, read: FastRead, scope: Scope, receive: Receive, send: Send) -> bool:
        assert read.page is not None and read.list_params is not None
        pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)  # as Starlette
        query = dict(pairs)
        if len(query) != len(pairs):
            return False  # a repeated parameter: the full route decides which counts
        try:
            params = read.list_params.model_validate(query)
        except ValidationError:
            return False
        async with driver_connection(scope["app"].state.sessionmaker) as connection:
            reader = await self._reader(scope, connection, _headers(scope, *_CREDENTIALS))
            if reader is None:
                return False
            page = await read.page(connection, reader, list_query(params))
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
