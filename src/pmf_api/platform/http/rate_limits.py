"""Rate limits per client address and per credential, stricter for refused credentials (429 + Retry-After).

One ASGI middleware, outside the fast read path and the routes, so every request counts whoever
answers it. Three counts, each a fixed window of the ``limits`` library (the cheapest strategy of
its stores; a client may fit up to twice a limit across the boundary of two windows):

* per client address (``scope["client"]``: behind a proxy, run uvicorn with ``--proxy-headers``
  and ``FORWARDED_ALLOW_IPS`` naming the proxy so this is the caller's address, not the proxy's);
* per credential (a bearer token or an API key, by its SHA-256: the counters never hold one);
* per client address on a group of paths (``PathLimit``: the open data, which anyone may read
  without credentials, has a limit of its own, counted apart from the address's other requests);
* refused credentials (401) per client address: once it is reached, the address gets 429 for every
  request until its window ends, so guessing tokens or keys is slow whatever is guessed. Only
  refusals are counted in the store; which addresses are held is kept in this process (no
  lookup per request), so across instances an address learns it is held at each instance's
  next refusal of it: at most one more guess per instance.

Counted in this process, or in Redis when ``PMF_RATE_LIMIT_STORAGE_URL`` names one, so that
instances share the counts. A counter store that fails lets requests through (logged at most once
a minute): a limit is a guard, not a reason to refuse service.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from limits import RateLimitItem, WindowStats, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pmf_api.platform.http.problems import problem_response

logger = logging.getLogger("pmf_api.platform.rate_limits")

_CREDENTIAL_HEADERS = (b"authorization", b"x-api-key")
STORE_TIMEOUT_SECONDS = 0.5
_WARN_EVERY_SECONDS = 60.0
_HELD_ADDRESSES = 10_000  # kept in memory at most (the oldest hold goes first)
# Liveness and readiness probes are never limited: behind a proxy that hides callers' addresses the
# probes share the limit with all traffic, and a 429 there would take the instance out of service.
_PROBES = frozenset({"/healthz", "/readyz"})


@dataclass(frozen=True)
class PathLimit:
    """A limit per client address on the requests whose path starts with one of ``prefixes``."""

    name: str
    prefixes: tuple[str, ...]
    items: list[RateLimitItem]

    def applies(self, path: str) -> bool:
        return path.startswith(self.prefixes)


@dataclass(frozen=True)
class Limits:
    per_address: list[RateLimitItem]
    per_credential: list[RateLimitItem]
    failed_authentication: list[RateLimitItem]
    per_path: tuple[PathLimit, ...] = ()

    @classmethod
    def parse(
        cls,
        per_address: str,
        per_credential: str,
        failed_authentication: str,
        per_path: dict[str, tuple[tuple[str, ...], str]] | None = None,
    ) -> Limits:
        """``per_path``: name -> (path prefixes, limit), e.g. ``{"open-data": (("/open-data",), "120/minute")}``."""
        paths = tuple(
            PathLimit(name, prefixes, parse_many(limit)) for name, (prefixes, limit) in (per_path or {}).items()
        )
        return cls(parse_many(per_address), parse_many(per_credential), parse_many(failed_authentication), paths)


class Limiter(Protocol):
    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool: ...
    async def test(self, item: RateLimitItem, *identifiers: str) -> bool: ...
    async def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats: ...


class InProcessLimiter:
    """Fixed windows counted in a dictionary of this process.

    The library's own in-process stores expire their counters with a timer thread (every 10 ms) or
    an asyncio task per hit, which cost a request several times what counting does (bench/README.md);
    a window here is just (limit, who, the window's start) -> hits, and ended windows are swept
    every ``sweep_every`` hits.
    """

    def __init__(self, clock: Callable[[], float] = time.time, sweep_every: int = 10_000) -> None:
        self.clock = clock
        self.sweep_every = sweep_every
        self._hits: dict[tuple[str, ...], int] = {}
        self._ends: dict[tuple[str, ...], float] = {}
        self._since_sweep = 0

    def _key(self, item: RateLimitItem, identifiers: tuple[str, ...]) -> tuple[tuple[str, ...], float]:
        expiry = item.get_expiry()
        start = self.clock() // expiry * expiry
        return (str(item), *identifiers, str(start)), start + expiry

    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        key, end = self._key(item, identifiers)
        hits = self._hits[key] = self._hits.get(key, 0) + 1
        self._ends.setdefault(key, end)
        self._since_sweep += 1
        if self._since_sweep >= self.sweep_every:
            self._sweep()
        return hits <= item.amount

    async def test(self, item: RateLimitItem, *identifiers: str) -> bool:
        key, _ = self._key(item, identifiers)
        return self._hits.get(key, 0) < item.amount

    async def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        key, end = self._key(item, identifiers)
        return WindowStats(end, max(0, item.amount - self._hits.get(key, 0)))

    def _sweep(self) -> None:
        self._since_sweep = 0
        now = self.clock()
        for key in [key for key, end in self._ends.items() if end <= now]:
            del self._ends[key]
            self._hits.pop(key, None)


def limiter_for(url: str | None, key_prefix: str) -> Limiter:
    """In this process without a URL; else Redis (``redis://`` or ``rediss://``), shared by instances."""
    if url is None:
        return InProcessLimiter()
    if url.startswith(("redis://", "rediss://")):
        url = "async+" + url
    storage = storage_from_string(
        url,
        implementation="redispy",
        key_prefix=key_prefix,
        socket_timeout=STORE_TIMEOUT_SECONDS,
        socket_connect_timeout=STORE_TIMEOUT_SECONDS,
    )
    if not isinstance(storage, Storage):
        raise ValueError(f"PMF_RATE_LIMIT_STORAGE_URL must name a Redis (redis://...), not {url.split(':')[0]}")
    return FixedWindowRateLimiter(storage)


class RateLimits:
    """ASGI middleware: see the module's docstring."""

    def __init__(self, app: ASGIApp, limits: Limits, limiter: Limiter) -> None:
        self.app = app
        self.limits = limits
        self.limiter = limiter
        self._held: dict[str, float] = {}  # address -> time.monotonic() until which it gets 429
        self._warned_at = -math.inf

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in _PROBES:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        credential = _credential(scope)
        refused = await self._refused(address, credential, scope["path"])
        if refused is not None:
            await self._too_many(scope, receive, send, *refused)
            return
        status = 0

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, observed)
        if status == 401 and credential is not None:
            await self._count_refusal(address)

    async def _refused(self, address: str, credential: str | None, path: str) -> tuple[str, int] | None:
        """(what was exceeded, seconds until it allows another) or None to let the request through."""
        held_until = self._held.get(address)
        if held_until is not None:
            left = held_until - time.monotonic()
            if left > 0:
                return "refused credentials from your address", max(1, math.ceil(left))
            del self._held[address]
        try:
            for item in self.limits.per_address:
                if not await self.limiter.hit(item, "address", address):
                    return "requests from your address", await self._retry_after(item, "address", address)
            for group in self.limits.per_path:
                if group.applies(path):
                    for item in group.items:
                        if not await self.limiter.hit(item, group.name, address):
                            wait = await self._retry_after(item, group.name, address)
                            return f"{group.name} requests from your address", wait
            if credential is not None:
                for item in self.limits.per_credential:
                    if not await self.limiter.hit(item, "credential", credential):
                        return "requests with this credential", await self._retry_after(item, "credential", credential)
        except Exception as exc:
            self._warn(exc)
        return None

    async def _count_refusal(self, address: str) -> None:
        """Count a refused credential; hold the address once it has used up a limit of refusals."""
        try:
            for item in self.limits.failed_authentication:
                await self.limiter.hit(item, "failed", address)
                if not await self.limiter.test(item, "failed", address):
                    self._held[address] = time.monotonic() + await self._retry_after(item, "failed", address)
                    while len(self._held) > _HELD_ADDRESSES:
                        del self._held[next(iter(self._held))]
                    return
        except Exception as exc:
            self._warn(exc)

    async def _retry_after(self, item: RateLimitItem, *identifiers: str) -> int:
        stats = await self.limiter.get_window_stats(item, *identifiers)
        return max(1, min(math.ceil(stats.reset_time - time.time()), item.get_expiry()))

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= _WARN_EVERY_SECONDS:
            self._warned_at = now
            logger.warning("rate limits not applied: the counter store failed: %s", exc)

    @staticmethod
    async def _too_many(scope: Scope, receive: Receive, send: Send, what: str, retry_after: int) -> None:
        response = problem_response(
            Request(scope),
            "too-many-requests",
            f"Too many {what}; try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
        await response(scope, receive, send)


def _credential(scope: Scope) -> str | None:
    """The digest of the request's bearer token or API key (the first sent), or None."""
    for name, value in scope["headers"]:
        if name in _CREDENTIAL_HEADERS and value:
            return hashlib.sha256(value).hexdigest()
    return None
