"""Keyset pages: a list's query, its pages and their opaque cursors (stable under inserts, no OFFSET scans)."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import Integer, Select, and_, bindparam, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from pmf_api.platform.db.base import Base, json_value
from pmf_api.platform.errors import Location, invalid

M = TypeVar("M", bound=Base)
ItemT = TypeVar("ItemT")


@dataclass(frozen=True)
class ListQuery:
    filters: Mapping[str, Any] = field(default_factory=dict)
    updated_since: datetime | None = None
    include_archived: bool = False
    sort: str | None = None
    cursor: str | None = None
    limit: int = 50


@dataclass(frozen=True)
class Page(Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None


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
    keyset = Keyset.of(model, sort, sortable)
    stmt = keyset.apply(stmt, after=cursor is not None)
    params = {**keyset.params(cursor), "page_limit": limit + 1}
    rows: Sequence[M] = (await session.scalars(stmt, params)).all()
    return keyset.page(list(rows), limit, getattr)


@dataclass(frozen=True)
class Keyset:
    """The ordering, cursor condition and next cursor of a page sorted by ``sort`` then id.

    The condition and limit are bind parameters (``after_value``, ``after_id``, ``page_limit``), so
    a statement built once serves every page (see ``crud.list_values``)."""

    sort: str
    column: InstrumentedAttribute[Any]
    id_column: InstrumentedAttribute[uuid.UUID]

    @classmethod
    def of(cls, model: type[Any], sort: str, sortable: Mapping[str, InstrumentedAttribute[Any]]) -> Keyset:
        name = sort.lstrip("-")
        if name not in sortable:
            choices = ", ".join(sorted(sortable))
            raise invalid("sort", f"Cannot sort by '{name}'; choose one of {choices}", Location.QUERY)
        return cls(sort, sortable[name], model.id)

    def apply(self, stmt: Select[Any], *, after: bool) -> Select[Any]:
        column, id_column = self.column, self.id_column
        descending = self.sort.startswith("-")
        if after:
            last_value = bindparam("after_value", type_=column.type)
            last_id = bindparam("after_id", type_=id_column.type)
            if descending:
                stmt = stmt.where(or_(column < last_value, and_(column == last_value, id_column < last_id)))
            else:
                stmt = stmt.where(or_(column > last_value, and_(column == last_value, id_column > last_id)))
        order = (column.desc(), id_column.desc()) if descending else (column.asc(), id_column.asc())
        return stmt.order_by(*order).limit(bindparam("page_limit", type_=Integer()))

    def params(self, cursor: str | None) -> dict[str, Any]:
        if cursor is None:
            return {}
        last_value, last_id = _read_cursor(cursor, self.sort, self.column)
        return {"after_value": last_value, "after_id": last_id}

    def page(self, rows: list[Any], limit: int, get: Callable[[Any, str], Any]) -> Page[Any]:
        """``rows`` fetched with ``page_limit`` = ``limit`` + 1, as a page; ``get`` reads a row's field."""
        items = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            last = items[-1]
            payload = {
                "s": self.sort,
                "v": json_value(get(last, self.column.key)),
                "id": str(get(last, self.id_column.key)),
            }
            next_cursor = _cursor(payload)
        return Page(items=items, next_cursor=next_cursor)


def field_of(row: Mapping[str, Any], key: str) -> Any:
    return row[key]


def _read_cursor(cursor: str, sort: str, column: InstrumentedAttribute[Any]) -> tuple[Any, uuid.UUID]:
    payload = _payload(cursor, sort)
    try:
        return _decode(payload["v"], column.type.python_type), uuid.UUID(payload["id"])
    except (ValueError, KeyError, TypeError):
        raise invalid("cursor", "The cursor is not one this service issued", Location.QUERY) from None


def page_of_list(
    items: Sequence[ItemT], key: Callable[[ItemT], str], *, order: str, cursor: str | None, limit: int
) -> Page[ItemT]:
    """A page of a list computed in memory (a period's collection tasks, a year's periods), in the
    list's own order, which ``order`` names.

    ``key`` is each item's identity (unique in the list), ordered as the list is; the cursor holds the
    last item's key, so the next page starts after that item wherever it now is, or, if it has gone,
    at the first item ordered after it: pages hold still while items are added or removed around them.
    """
    start = 0
    if cursor is not None:
        after = _payload(cursor, order).get("k")
        if not isinstance(after, str):
            raise invalid("cursor", "The cursor is not one this service issued", Location.QUERY)
        keys = [key(item) for item in items]
        start = (
            keys.index(after) + 1 if after in keys else next((n for n, k in enumerate(keys) if k > after), len(keys))
        )
    chunk = list(items[start : start + limit])
    more = start + limit < len(items)
    return Page(items=chunk, next_cursor=_cursor({"s": order, "k": key(chunk[-1])}) if more and chunk else None)


def _cursor(payload: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _payload(cursor: str, sort: str) -> dict[str, Any]:
    """A cursor's contents, refused unless this service made it for ``sort``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error):
        raise invalid("cursor", "The cursor is not one this service issued", Location.QUERY) from None
    if not isinstance(payload, dict):
        raise invalid("cursor", "The cursor is not one this service issued", Location.QUERY)
    if payload.get("s") != sort:
        raise invalid("cursor", "This cursor was made for another sort order; start again without it", Location.QUERY)
    return payload
