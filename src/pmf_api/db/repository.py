"""Queries shared by every feature: load-in-organisation, keyset pagination, snapshots."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from pmf_api.db.base import Base, Entity, OrganisationOwned
from pmf_api.errors import NotFound, invalid

M = TypeVar("M", bound=Base)
OwnedT = TypeVar("OwnedT", bound=OrganisationOwned)


@dataclass(frozen=True)
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None


async def get_in_organisation(
    session: AsyncSession, model: type[OwnedT], organisation_id: uuid.UUID, id: uuid.UUID, what: str
) -> OwnedT:
    """The record, or NotFound when it is missing or another council's (the two must look alike).

    Loaded by primary key (the session's identity map first, then SQLAlchemy's cached statement),
    the cheapest read there is; the organisation is checked on the row.
    """
    row = await session.get(model, id)
    if row is None or row.organisation_id != organisation_id:
        raise NotFound(detail=f"No {what} with id {id}")
    return row


def in_organisation(model: type[OwnedT], organisation_id: uuid.UUID) -> Select[OwnedT]:
    return select(model).where(model.organisation_id == organisation_id)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | Decimal | uuid.UUID):
        return str(value) if not isinstance(value, datetime | date) else value.isoformat()
    return value


def _decode(value: Any, python_type: type) -> Any:
    if value is None:
        return None
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    if python_type is Decimal:
        return Decimal(value)
    if python_type is uuid.UUID:
        return uuid.UUID(value)
    return python_type(value)


async def paginate(
    session: AsyncSession,
    stmt: Select[M],
    model: type[M],
    *,
    sort: str,
    sortable: Mapping[str, InstrumentedAttribute[Any]],
    cursor: str | None,
    limit: int,
) -> Page[M]:
    """Keyset pagination on (sort column, id): stable under inserts, no OFFSET scans.

    ``sort`` is a field name, prefixed with ``-`` for descending. The cursor is opaque to
    clients; it records the sort it was made for, so mixing cursors and sorts is refused.
    """
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    if name not in sortable:
        raise invalid("sort", f"Cannot sort by '{name}'; choose one of {', '.join(sorted(sortable))}")
    column = sortable[name]
    id_column: InstrumentedAttribute[uuid.UUID] = model.id  # type: ignore[attr-defined]
    if cursor:
        last_value, last_id = _read_cursor(cursor, sort, column)
        if descending:
            stmt = stmt.where(or_(column < last_value, and_(column == last_value, id_column < last_id)))
        else:
            stmt = stmt.where(or_(column > last_value, and_(column == last_value, id_column > last_id)))
    order = (column.desc(), id_column.desc()) if descending else (column.asc(), id_column.asc())
    rows: Sequence[M] = (await session.scalars(stmt.order_by(*order).limit(limit + 1))).all()
    items = list(rows[:limit])
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        payload = {"s": sort, "v": _encode(getattr(last, column.key)), "id": str(getattr(last, id_column.key))}
        next_cursor = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    return Page(items=items, next_cursor=next_cursor)


def _read_cursor(cursor: str, sort: str, column: InstrumentedAttribute[Any]) -> tuple[Any, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if payload["s"] != sort:
            raise invalid("cursor", "This cursor was made for another sort order; start again without it")
        return _decode(payload["v"], column.type.python_type), uuid.UUID(payload["id"])
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
        raise invalid("cursor", "The cursor is not one this service issued") from None


def snapshot(entity: Entity) -> dict[str, Any]:
    """The record's column values as JSON-safe data, for the audit trail."""
    out: dict[str, Any] = {}
    for column in entity.__table__.columns:
        value = getattr(entity, column.key)
        out[column.key] = _encode(value) if not isinstance(value, list | dict) else value
    return out
