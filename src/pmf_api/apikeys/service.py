"""Create, list and revoke API keys, and turn a presented key into an actor.

A key is 256 random bits: storing its SHA-256 is enough (no salt or slow hash is needed for a
secret nobody chose), and the stored hash is compared in constant time. The key is returned once,
when created; the audit trail records the key's name, role and prefix, never the key or its hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, Protocol, TypeVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.apikeys.models import ApiKey
from pmf_api.audit import service as audit
from pmf_api.auth.actor import Actor, Grant, ScopeType
from pmf_api.auth.policy import Resource, require_write
from pmf_api.db.repository import Page, get_in_organisation, paginate, snapshot
from pmf_api.db.rows import DriverConnection, Query
from pmf_api.db.session import unit_of_work
from pmf_api.domain.workflow import Role
from pmf_api.errors import Conflict, NotAuthenticated, invalid
from pmf_api.organisations.models import Directorate, Portfolio, Service

KEY_PREFIX = "pmf_"
PREFIX_LENGTH = 12  # "pmf_" and 8 random characters: enough to find the row, useless to guess the key
# Writing last_used_at on every request would turn each read into a write; a minute is precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)
SCOPE_MODELS: dict[ScopeType, type[Directorate | Service | Portfolio]] = {
    ScopeType.DIRECTORATE: Directorate,
    ScopeType.SERVICE: Service,
    ScopeType.PORTFOLIO: Portfolio,
}
SECRET_FIELDS = frozenset({"key_hash"})


@dataclass(frozen=True)
class NewKey:
    api_key: ApiKey
    secret: str


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _without_secret(values: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if values is None else {k: v for k, v in values.items() if k not in SECRET_FIELDS}


async def create_key(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    role: Role,
    scope: ScopeType = ScopeType.ORGANISATION,
    scope_id: uuid.UUID | None = None,
) -> NewKey:
    """A new key for a machine client; only the performance team creates them."""
    require_write(actor, Resource.api_key)
    if scope is ScopeType.ORGANISATION:
        if scope_id is not None:
            raise invalid("scope_id", "An organisation-wide key has no scope_id")
    else:
        if scope_id is None:
            raise invalid("scope_id", f"A key scoped to a {scope.value} needs the {scope.value}'s id")
        model = SCOPE_MODELS[scope]
        found = await session.scalar(
            select(model.id).where(model.id == scope_id, model.organisation_id == actor.organisation_id)
        )
        if found is None:
            raise invalid("scope_id", f"No {scope.value} with id {scope_id} in your organisation")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey(
        organisation_id=actor.organisation_id,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        key_hash=hash_key(secret),
        role=role.value,
        scope=scope.value,
        scope_id=scope_id,
        created_by=actor.subject,
    )
    session.add(api_key)
    entry = await audit.record(session, actor, "create", api_key)
    entry.after = _without_secret(entry.after)
    return NewKey(api_key, secret)


async def list_keys(
    session: AsyncSession, actor: Actor, *, include_revoked: bool, cursor: str | None, limit: int
) -> Page[ApiKey]:
    require_write(actor, Resource.api_key)
    stmt = select(ApiKey).where(ApiKey.organisation_id == actor.organisation_id)
    if not include_revoked:
        stmt = stmt.where(ApiKey.revoked_at.is_(None))
    return await paginate(
        session,
        stmt,
        ApiKey,
        sort="-created_at",
        sortable={"created_at": ApiKey.created_at},
        cursor=cursor,
        limit=limit,
    )


async def revoke_key(session: AsyncSession, actor: Actor, key_id: uuid.UUID) -> ApiKey:
    """Revoke a key: from the next request on it is refused. Revoking is final."""
    require_write(actor, Resource.api_key)
    api_key = await get_in_organisation(session, ApiKey, actor.organisation_id, key_id, "API key")
    if api_key.revoked_at is not None:
        raise Conflict(detail=f"The API key {api_key.prefix}... was already revoked on {api_key.revoked_at:%Y-%m-%d}")
    before = _without_secret(snapshot(api_key))
    api_key.revoked_at = datetime.now(UTC)
    api_key.revoked_by = actor.subject
    entry = await audit.record(session, actor, "revoke", api_key, before)
    entry.after = _without_secret(entry.after)
    return api_key


class StoredKey(Protocol):
    """What authentication reads of a stored key: an ``ApiKey``, or its row read over the driver."""

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


async def authenticate(
    sessionmaker: async_sessionmaker[AsyncSession], secret: str, request_id: str | None = None
) -> Actor:
    """The actor a presented key stands for; an unknown or revoked key is refused (401).

    Reads in a short transaction of its own, and records the key's use (at most once a minute) in
    another, so the request's own transaction (and a read-only session for GETs) stays as it is,
    reading a key never waits for writers, and last_used_at is kept even when the request fails.
    """
    prefix, presented = _presented(secret)
    async with unit_of_work(sessionmaker, writes=False) as session:
        api_key = _matching(await session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)), presented)
    now = datetime.now(UTC)
    if _use_to_record(api_key, now):
        # Recorded apart (a write, once a minute at most), so reading the key never waits for writers.
        # A plain UPDATE: noting use is not a change of the key, so its version stays.
        async with unit_of_work(sessionmaker) as session:
            await session.execute(
                update(ApiKey).where(ApiKey.id == api_key.id).values(last_used_at=now, updated_at=ApiKey.updated_at)
            )
    return actor_of(api_key, request_id)


_BY_PREFIX = Query(ApiKey, select(ApiKey).where(ApiKey.prefix == bindparam("prefix")))


async def authenticate_without_writing(
    connection: DriverConnection, secret: str, request_id: str | None = None
) -> Actor | None:
    """What :func:`authenticate` gives, read over the driver (see ``pmf_api.db.rows``), for a key
    whose use was recorded within ``LAST_USED_RESOLUTION``; None when its use is due to be recorded
    (then :func:`authenticate` must run, and write)."""
    prefix, presented = _presented(secret)
    rows = await connection.fetch(_BY_PREFIX, {"prefix": prefix})
    api_key: StoredKey = _matching([SimpleNamespace(**row) for row in rows], presented)
    if _use_to_record(api_key, datetime.now(UTC)):
        return None
    return actor_of(api_key, request_id)


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
