"""Request ids, structured JSON logs and the headers every response carries, as one light ASGI
middleware (request bodies: ``platform.http.body``)."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
# A client's own X-Request-ID is kept (as the correlation id) only when it is short and plain
_VALID_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_CREDENTIAL_HEADERS = (b"authorization", b"x-api-key")
# On every response: never let a browser guess a content type other than the one declared
_ALWAYS = [(b"x-content-type-options", b"nosniff")]
# On responses to requests with credentials: a council's data stays out of shared and browser caches
_AUTHENTICATED = [(b"cache-control", b"no-store")]
# Why the current request failed, said on its one access-log line (a list, so that code running
# in a copied context, such as a thread, still adds to the request's own).
_failures: ContextVar[list[str] | None] = ContextVar("failures", default=None)
access_logger = logging.getLogger("pmf_api.access")
error_logger = logging.getLogger("pmf_api.errors")

UnexpectedErrorAnswer = Callable[[Request, Exception], Awaitable[Response]]


def current_request_id() -> str | None:
    """The id this service gave the request being served (never one a client chose)."""
    return _request_id.get()


def current_correlation_id() -> str | None:
    """The client's own ``X-Request-ID`` for the request being served, when it sent a plain one."""
    return _correlation_id.get()


def note_failure(reason: str) -> None:
    """Say why the current request failed on its access-log line, which becomes a warning.

    A failure the service expects and answers (the database out of reach) is one line per
    request, not a line and a traceback of its own. Outside a request it is logged on its own.
    """
    failures = _failures.get()
    if failures is None:
        access_logger.warning("failed: %s", reason)
    else:
        failures.append(reason)


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line, with the request id of the request being served."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id:
            entry["request_id"] = request_id
        correlation_id = current_correlation_id()
        if correlation_id:
            entry["correlation_id"] = correlation_id
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            entry.update(extra)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO", as_json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter() if as_json else logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger("pmf_api")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


class RequestContextMiddleware:
    """Gives every request an id of ours (``X-Request-ID`` on the response, ``request_id`` in logs,
    problems and the audit trail: a client cannot choose or reuse it), keeps a client's own
    ``X-Request-ID`` beside it as the correlation id (when at most 128 plain characters; echoed as
    ``X-Correlation-ID``), logs one access line, and adds ``X-Content-Type-Options: nosniff`` to
    every response and ``Cache-Control: no-store`` to those of requests that carry credentials
    (unless the route set its own).

    An error nothing else answered is logged here, once, with its traceback and the request id (the
    request's context is gone by the time the server's last-resort handler runs), and answered with
    ``unexpected``'s response; it goes no further, so the server does not log it a second time."""

    def __init__(self, app: ASGIApp, unexpected: UnexpectedErrorAnswer | None = None) -> None:
        self.app = app
        self.unexpected = unexpected

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        correlation_id = given if _VALID_CORRELATION_ID.match(given) else None
        request_id = uuid.uuid4().hex
        token = _request_id.set(request_id)
        correlation_token = _correlation_id.set(correlation_id)
        failures: list[str] = []
        failures_token = _failures.set(failures)
        started = time.perf_counter()
        status_holder = {"status": 500, "started": 0}
        added = [(b"x-request-id", request_id.encode()), *_ALWAYS]
        if correlation_id:
            added.append((b"x-correlation-id", correlation_id.encode()))
        authenticated = any(headers.get(name) for name in _CREDENTIAL_HEADERS)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = 1
                sent = list(message.get("headers") or [])
                extra = added
                if authenticated and not any(name.lower() == b"cache-control" for name, _ in sent):
                    extra = [*added, *_AUTHENTICATED]
                message["headers"] = [*sent, *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            error_logger.exception("unhandled error")
            status_holder["status"] = 500
            if status_holder["started"] or self.unexpected is None:
                raise
            response = await self.unexpected(Request(scope, receive), exc)
            await response(scope, receive, send_with_id)
        finally:
            fields = {
                "method": scope.get("method"),
                "path": scope.get("path"),
                "status": status_holder["status"],
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            }
            if failures:
                access_logger.warning("request failed: %s", "; ".join(failures), extra={"fields": fields})
            else:
                access_logger.info("request", extra={"fields": fields})
            _failures.reset(failures_token)
            _request_id.reset(token)
            _correlation_id.reset(correlation_token)
