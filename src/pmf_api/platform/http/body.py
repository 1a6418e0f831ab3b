"""Request bodies, received whole before the application sees the request.

A route never waits on its client: the body is read to its end, within a size limit and a deadline,
before routing, authentication or a database transaction begins. So a client that sends its headers
and then stalls holds no lock and no connection (on SQLite a write transaction takes the database's
write lock at its start, and every other write would wait behind it), a body over the limit gets 413
however it is sent (with a Content-Length or chunked), and one that does not arrive in time gets 408.
"""

from __future__ import annotations

import anyio
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pmf_api.platform.http.problems import problem_response


class RequestBodyMiddleware:
    """Receives each request's body (at most ``max_body_bytes``, or ``bulk_max_body_bytes`` for bulk
    pushes, paths ending in ``/bulk``) within ``timeout_seconds``, then hands it to the application."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, bulk_max_body_bytes: int | None = None, timeout_seconds: float
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.bulk_max_body_bytes = bulk_max_body_bytes or max_body_bytes
        self.timeout_seconds = timeout_seconds

    def _limit_for(self, path: str) -> int:
        return self.bulk_max_body_bytes if path.rstrip("/").endswith("/bulk") else self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is None and b"transfer-encoding" not in headers:
            # Neither a length nor chunks: the request has no body (RFC 9112, section 6.3).
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope.get("path", ""))
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send, limit)
            return
        try:
            with anyio.fail_after(self.timeout_seconds):
                body = await _receive_body(receive, limit)
        except TimeoutError:
            await self._too_slow(scope, receive, send)
            return
        except _TooLarge:
            await self._too_large(scope, receive, send, limit)
            return
        if body is None:
            return  # the client went away: nobody to answer
        await self.app(scope, _replay(body, receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            Request(scope),
            "payload-too-large",
            f"The request body is larger than the {limit} bytes this service accepts",
            headers={"Connection": "close"},  # the rest of the body is not read
        )
        await response(scope, receive, send)

    async def _too_slow(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            Request(scope),
            "request-timeout",
            f"The request body did not arrive within {self.timeout_seconds:g} seconds; send it again "
            "(a large file over a slow link: send fewer rows per request)",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


async def _receive_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None when the client disconnects first."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body as one message; after it, the client's own messages (a disconnect)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
