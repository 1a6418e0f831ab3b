"""Idempotency-Key for bulk pushes, as the IETF draft describes it (draft-ietf-httpapi-idempotency-key-header).

The first request made under a key in an organisation is processed and its answer kept for a day
(``IdempotencyRecord``); a retry of the same request replays that answer and writes nothing; the
key with a different request is refused. While the first is still being processed, a retry is
answered 409 "request in progress" with Retry-After, never processed beside it.

A request holds its key for as long as its transaction lasts, which is also when its answer is
stored: on PostgreSQL by a transaction-level advisory lock, tried without waiting (so a retry
learns at once that the first is in flight, and the lock goes when the first commits, rolls back
or loses its connection); on SQLite by the write lock every writing request takes at BEGIN, so
retries queue behind the first and then replay it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.performance.bulk.models import IdempotencyRecord
from pmf_api.performance.bulk.parsing import Upload
from pmf_api.platform.errors import Conflict, FieldProblem, RequestInProgress

IDEMPOTENCY_TTL = timedelta(hours=24)
HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class StoredAnswer:
    body: dict[str, Any]
    refused: bool


def fingerprint(actor: Actor, upload: Upload, flags: Mapping[str, bool]) -> str:
    """What was asked: who, the flags, the format and the payload (not the raw body: a retried
    multipart upload has a new boundary but the same file)."""
    asked = json.dumps({"actor": actor.subject, "format": upload.format, **flags}, sort_keys=True)
    return hashlib.sha256(asked.encode() + b"\0" + upload.payload).hexdigest()


async def previous_answer(session: AsyncSession, actor: Actor, key: str, asked: str) -> StoredAnswer | None:
    """The answer to replay for ``key``, or None when this request is the first (it then holds the
    key until its transaction ends). Raises ``RequestInProgress`` while another request holds the
    key, and ``Conflict`` when the key was used for a different request (``asked`` differs)."""
    await _hold(session, actor.organisation_id, key)
    now = datetime.now(UTC)
    await session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.organisation_id == actor.organisation_id, IdempotencyRecord.expires_at < now
        )
    )
    record = await session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.organisation_id == actor.organisation_id, IdempotencyRecord.key == key
        )
    )
    if record is None:
        return None
    if record.request_hash != asked:
        raise Conflict(
            detail=f"The Idempotency-Key {key!r} was used for a different request in the last 24 hours; "
            "send a new key for a new request",
            problems=[FieldProblem.header(HEADER, "Already used for a different request")],
        )
    return StoredAnswer(record.response, record.refused)


async def remember(
    session: AsyncSession, actor: Actor, key: str, asked: str, body: dict[str, Any], refused: bool
) -> None:
    """Keep the answer to the first request under ``key``, in the request's own transaction."""
    now = datetime.now(UTC)
    session.add(
        IdempotencyRecord(
            organisation_id=actor.organisation_id,
            key=key,
            request_hash=asked,
            refused=refused,
            response=body,
            actor_subject=actor.subject,
            created_at=now,
            expires_at=now + IDEMPOTENCY_TTL,
        )
    )
    await session.flush()


async def _hold(session: AsyncSession, organisation_id: uuid.UUID, key: str) -> None:
    """Hold ``key`` for the rest of the transaction, or raise ``RequestInProgress`` (see module doc)."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return  # SQLite: this transaction began with the database's write lock, so no other holds the key
    held = await session.scalar(select(func.pg_try_advisory_xact_lock(_lock_id(organisation_id, key))))
    if not held:
        raise RequestInProgress(
            detail=f"A request with the Idempotency-Key {key!r} is still in progress; "
            "send it again after Retry-After seconds to get its answer",
            problems=[FieldProblem.header(HEADER, "A request with this key is in progress")],
        )


def _lock_id(organisation_id: uuid.UUID, key: str) -> int:
    """A signed 64-bit advisory lock id for the key in its organisation (collisions: 1 in 2**64)."""
    digest = hashlib.sha256(b"pmf-api bulk idempotency\0" + organisation_id.bytes + key.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
