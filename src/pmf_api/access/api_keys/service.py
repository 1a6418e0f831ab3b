"""Create, list and revoke API keys for machine clients.

The key is returned once, when created; the audit trail records the key's name, role and prefix,
never the key or its hash (the stored key and its checking: ``pmf_api.access.keys``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor, ScopeType
from pmf_api.access.api_keys.repository import ApiKeyRepository
from pmf_api.access.directory import Directory
from pmf_api.access.keys import ApiKey, mint_key
from pmf_api.access.policy import Resource, require_write
from pmf_api.domain.workflow import Role
from pmf_api.platform import audit
from pmf_api.platform.audit import snapshot
from pmf_api.platform.db.pages import ListQuery, Page
from pmf_api.platform.errors import Conflict, invalid

SECRET_FIELDS = frozenset({"key_hash"})


@dataclass(frozen=True)
class NewKey:
    api_key: ApiKey
    secret: str


def _without_secret(values: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if values is None else {k: v for k, v in values.items() if k not in SECRET_FIELDS}


async def create_key(
    session: AsyncSession,
    actor: Actor,
    directory: Directory,
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
        if not await directory.scope_exists(session, actor.organisation_id, scope, scope_id):
            raise invalid("scope_id", f"No {scope.value} with id {scope_id} in your organisation")
    api_key, secret = mint_key(actor.organisation_id, name, role, scope, scope_id, created_by=actor.subject)
    session.add(api_key)
    entry = await audit.record(session, actor, "create", api_key)
    entry.after = _without_secret(entry.after)
    return NewKey(api_key, secret)


async def list_keys(
    session: AsyncSession, actor: Actor, *, include_revoked: bool, cursor: str | None, limit: int
) -> Page[ApiKey]:
    require_write(actor, Resource.api_key)
    query = ListQuery(filters={"active": None if include_revoked else True}, cursor=cursor, limit=limit)
    return await ApiKeyRepository(session).page(actor, query)


async def revoke_key(session: AsyncSession, actor: Actor, key_id: uuid.UUID) -> ApiKey:
    """Revoke a key: from the next request on it is refused. Revoking is final."""
    require_write(actor, Resource.api_key)
    api_key = await ApiKeyRepository(session).get(actor, key_id)
    if api_key.revoked_at is not None:
        raise Conflict(detail=f"The API key {api_key.prefix}... was already revoked on {api_key.revoked_at:%Y-%m-%d}")
    before = _without_secret(snapshot(api_key))
    api_key.revoked_at = datetime.now(UTC)
    api_key.revoked_by = actor.subject
    entry = await audit.record(session, actor, "revoke", api_key, before)
    entry.after = _without_secret(entry.after)
    return api_key
