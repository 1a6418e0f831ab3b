"""API keys as credentials: the stored key (only its SHA-256), and turning a presented key into an actor.

A key is 256 random bits: storing its SHA-256 is enough (no salt or slow hash is needed for a
secret nobody chose), and the stored hash is compared in constant time. Managing keys (create,
list, revoke) is the ``api_keys`` feature; this module is what authentication reads.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Protocol, TypeVar

from sqlalchemy import String, Uuid, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.access.actor import Actor, Grant, ScopeType
from pmf_api.domain.workflow import Role
from pmf_api.platform.db.base import OrganisationOwned
from pmf_api.platform.db.rows import DriverConnection, Query
from pmf_api.platform.db.session import unit_of_work
from pmf_api.platform.errors import NotAuthenticated

KEY_PREFIX = "pmf_"
PREFIX_LENGTH = 12  # "pmf_" and 8 random characters: enough to find the row, useless to guess the key
# Writing last_used_at on every request would turn each read into a write; a minute is precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)
logger = logging.getLogger("pmf_api.access.keys")


class ApiKey(OrganisationOwned):
    """Only the SHA-256 of the key is stored; the key itself is shown once, when it is created.

    ``prefix`` (the key's first characters) finds the row and lets people tell keys apart in a
    list without revealing them.
    """

    __tablename__ = "api_key"

    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(20), default="organisation")
    scope_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    created_by: Mapped[str] = mapped_column(String(200))
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by: Mapped[str | None] = mapped_column(String(200), default=None)


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def mint_key(
    organisation_id: uuid.UUID,
    name: str,
    role: Role,
    scope: ScopeType,
    scope_id: uuid.UUID | None,
    *,
    created_by: str,
) -> tuple[ApiKey, str]:
    """A new key (not yet added to a session) and its secret, which is never stored."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey(
        organisation_id=organisation_id,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        key_hash=hash_key(secret),
        role=role.value,
        scope=scope.value,
        scope_id=scope_id,
        created_by=created_by,
    )
    return api_key, secret


class StoredKey(Protocol):
    """What authentication reads of a stored key: an ``ApiKey``, or its row read over the driver."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def organisation_id(self) -> uuid.UUID: ...

    @property
    def prefix(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def scope(self) -> str: ...

    @property
    def scope_id(self) -> uuid.UUID | None: ...

    @property
    def key_hash(self) -> str: ...

    @property
    def revoked_at(self) -> datetime | None: ...

    @property
    def last_used_at(self) -> datetime | None: ...


def actor_of(api_key: StoredKey, request_id: str | None) -> Actor:
    scope = ScopeType(api_key.scope)
    return Actor(
        organisation_id=api_key.organisation_id,
        subject=f"api-key:{api_key.prefix}",
        name=f"API key {api_key.name}",
        grants=(Grant(Role(api_key.role), scope, api_key.scope_id),),
        request_id=request_id,
    )


@dataclass(frozen=True)
class KeyUse:
    """A use of a key that is due to be recorded (``last_used_at``), at most once a minute."""

    key_id: uuid.UUID
    at: datetime


async def identify(
    connection: DriverConnection, secret: str, request_id: str | None = None
) -> tuple[Actor, KeyUse | None]:
    """The actor a presented key stands for (an unknown or revoked key is refused: 401), and the use
    to record with :func:`record_use` once the request's own transaction has ended, if one is due.

    The key is read over the driver (``pmf_api.platform.db.rows``) outside any transaction, so
    reading a key never waits for writers. Its use is recorded apart and afterwards: on SQLite a
    write made while the request's own write transaction is open would wait for the lock that
    request holds, and fail (issue #8, item 2).
    """
    prefix, presented = _presented(secret)
    rows = await connection.fetch(_BY_PREFIX, {"prefix": prefix})
    api_key: StoredKey = _matching([SimpleNamespace(**row) for row in rows], presented)
    now = datetime.now(UTC)
    use = KeyUse(api_key.id, now) if _use_to_record(api_key, now) else None
    return actor_of(api_key, request_id), use


async def role_of(connection: DriverConnection, secret: str) -> Role | None:
    """The role of the presented key, or None when it is not a current key (authentication refuses it)."""
    try:
        prefix, presented = _presented(secret)
        rows = await connection.fetch(_BY_PREFIX, {"prefix": prefix})
        api_key: StoredKey = _matching([SimpleNamespace(**row) for row in rows], presented)
    except NotAuthenticated:
        return None
    return Role(api_key.role)


async def record_use(sessionmaker: async_sessionmaker[AsyncSession], use: KeyUse) -> None:
    """Note when a key was last used, in a transaction of its own; never fails the request.

    A plain UPDATE: noting use is not a change of the key, so its version (and ETag) stays.
    """
    try:
        async with unit_of_work(sessionmaker) as session:
            await session.execute(
                update(ApiKey).where(ApiKey.id == use.key_id).values(last_used_at=use.at, updated_at=ApiKey.updated_at)
            )
    except Exception as exc:  # the answer is sent: bookkeeping may be late, never loud
        logger.warning("the use of an API key was not recorded: %s", type(exc).__name__)


_BY_PREFIX = Query(ApiKey, select(ApiKey).where(ApiKey.prefix == bindparam("prefix")))


def _presented(secret: str) -> tuple[str, str]:
    """The presented key's prefix (to find its row) and hash (to compare), or 401."""
    secret = secret.strip()
    if not secret.startswith(KEY_PREFIX) or len(secret) <= PREFIX_LENGTH:
        raise NotAuthenticated(detail="The API key is not valid")
    return secret[:PREFIX_LENGTH], hash_key(secret)


KeyT = TypeVar("KeyT", bound=StoredKey)


def _matching(candidates: Iterable[KeyT], presented: str) -> KeyT:
    """The candidate whose hash is the presented key's (compared in constant time), or 401."""
    api_key = next((k for k in candidates if hmac.compare_digest(k.key_hash, presented)), None)
    if api_key is None:
        raise NotAuthenticated(detail="The API key is not valid")
    if api_key.revoked_at is not None:
        raise NotAuthenticated(detail="This API key has been revoked")
    return api_key


def _use_to_record(api_key: StoredKey, now: datetime) -> bool:
    return api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_RESOLUTION
