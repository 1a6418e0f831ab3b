"""An API key sent in the URL (``?api_key=...``), for clients that cannot set a header.

Power BI's Web.Contents with an *API key* credential sends the key as a query parameter it names
(its ``ApiKeyName``, here ``api_key``) on every request, next links included. A key in a URL is
seen by more than the service (proxies' logs, a browser's history, a report's saved query), so
only a read-only key is taken from one, and only for reads (GET and HEAD): a key that may change
records gets 401, saying that keys in URLs must be read-only.

The key is moved into the ``X-API-Key`` header and taken out of the query string before anything
else sees the request, so authentication, rate limits and the fast read path read it as any other
key, and nothing that echoes the URL (``Link`` headers, next links, problem ``instance``s, the
access log) can carry it. The response is marked ``Cache-Control: no-store`` as every answer to a
request with credentials is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pmf_api.platform.db.session import is_unavailable
from pmf_api.platform.http.problems import problem_response, unavailable_response

QUERY_KEY_NAME = "api_key"
READ_METHODS = frozenset({"GET", "HEAD"})
# The app's state and a presented key -> True: read-only; False: it may write; None: no such key
# (then authentication refuses it, in its own words).
ReadOnlyKey = Callable[[Any, str], Awaitable[bool | None]]

_NO_STORE = (b"cache-control", b"no-store")
_CREDENTIAL_HEADERS = (b"authorization", b"x-api-key")


def without_key(query_string: bytes) -> tuple[bytes, list[str]]:
    """The query string without any ``api_key`` parameter, and the keys it carried (in order).

    The other parameters are kept byte for byte (not decoded and encoded again), so what the
    routes read, and the links they build from it, are exactly what the client sent."""
    kept: list[bytes] = []
    keys: list[str] = []
    for part in query_string.split(b"&"):
        name, _, value = part.partition(b"=")
        if unquote_plus(name.decode("latin-1")) == QUERY_KEY_NAME:
            keys.append(unquote_plus(value.decode("latin-1")))
        else:
            kept.append(part)
    return (b"&".join(kept), keys) if keys else (query_string, [])


class QueryStringKeys:
    """ASGI middleware: see the module's docstring. ``read_only`` says whether a key may only read."""

    def __init__(self, app: ASGIApp, read_only: ReadOnlyKey) -> None:
        self.app = app
        self.read_only = read_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or QUERY_KEY_NAME.encode() not in scope.get("query_string", b""):
            await self.app(scope, receive, send)
            return
        query_string, keys = without_key(scope["query_string"])
        if not keys:
            await self.app(scope, receive, send)
            return
        scope = {**scope, "query_string": query_string}
        if scope["method"] == "OPTIONS":  # a CORS preflight: it carries no credentials of its own
            await self.app(scope, receive, send)
            return
        try:
            refusal = await self._refusal(scope, keys)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            await unavailable_response(Request(scope), exc)(scope, receive, send)
            return
        if refusal is not None:
            response = problem_response(
                Request(scope), "unauthenticated", refusal, headers={"WWW-Authenticate": 'Bearer realm="pmf-api"'}
            )
            await response(scope, receive, send)
            return
        headers = list(scope.get("headers") or [])
        if not any(name in _CREDENTIAL_HEADERS for name, _ in headers):  # credentials in a header win
            scope["headers"] = [*headers, (b"x-api-key", keys[0].encode("latin-1"))]
        await self.app(scope, receive, _no_store(send))

    async def _refusal(self, scope: Scope, keys: list[str]) -> str | None:
        """Why the key in the URL is refused, or None when it is taken."""
        if scope["method"] not in READ_METHODS:
            return (
                f"An API key in the URL ({QUERY_KEY_NAME}) is accepted only for reads (GET, HEAD); "
                "send it in the X-API-Key header"
            )
        if len(set(keys)) > 1:
            return f"The URL carries more than one {QUERY_KEY_NAME}; send one key"
        read_only = await self.read_only(scope["app"].state, keys[0])
        if read_only is False:
            return (
                f"An API key in the URL ({QUERY_KEY_NAME}) must be read-only (a viewer or auditor key): "
                "this key may change records, so send it in the X-API-Key header instead, "
                "and never put it in a URL"
            )
        return None


def _no_store(send: Send) -> Send:
    async def send_no_store(message: Message) -> None:
        if message["type"] == "http.response.start":
            sent = list(message.get("headers") or [])
            if not any(name.lower() == b"cache-control" for name, _ in sent):
                message["headers"] = [*sent, _NO_STORE]
        await send(message)

    return send_no_store
