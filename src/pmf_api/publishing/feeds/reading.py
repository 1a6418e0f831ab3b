"""Reading a page of a feed: its query parameters, the statement over ``Feed.statement()`` and the keyset cursor.

A feed's statement is wrapped as a subquery and filtered, ordered and paged on its columns by name,
so each feed's joins and read rule are written once (``definitions``). Rows come in the order of the
feed's key, a page at a time: the cursor is the last row's key, so a page never repeats or skips a
row however many rows arrive meanwhile (Power Query follows ``Link: rel="next"`` to the end).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.platform.errors import FieldProblem, Location, invalid, refuse
from pmf_api.publishing.feeds.definitions import ColumnKind, Feed

DEFAULT_LIMIT = 10_000
MAX_LIMIT = 100_000
# What a feed's URL may carry; anything else is refused, so a misspelt filter never returns every row.
# ``api_key`` is the credential Power BI's Web.Contents can only send in the query.
KNOWN_PARAMETERS = frozenset({"range_start", "range_end", "updated_since", "format", "limit", "cursor", "api_key"})

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass(frozen=True)
class FeedQuery:
    """What a request asks of a feed, checked: ``after`` is the key of the previous page's last row."""

    range_start: date | None = None
    range_end: date | None = None
    updated_since: datetime | None = None
    limit: int = DEFAULT_LIMIT
    after: tuple[Any, ...] | None = None


def refuse_unknown(names: Sequence[str]) -> None:
    unknown = sorted({name for name in names if name not in KNOWN_PARAMETERS})
    refuse(
        [
            FieldProblem.query(name, f"{name} is not a parameter of a feed (they are {', '.join(_known())})")
            for name in unknown
        ]
    )


def _known() -> list[str]:
    return sorted(KNOWN_PARAMETERS - {"api_key"})


def parse_updated_since(text: str) -> datetime:
    """An ISO 8601 date or time; without an offset it is read as UTC, and a bare date as UTC midnight
    (Power Query's ``Date.ToText`` of a refresh's date gives one)."""
    value = text.strip()
    try:
        if _DATE.fullmatch(value):
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        message = "updated_since is an ISO 8601 date or time, e.g. 2026-10-05 or 2026-10-05T09:00:00Z"
        raise invalid("updated_since", message, Location.QUERY) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def feed_query(
    feed: Feed,
    *,
    range_start: date | None,
    range_end: date | None,
    updated_since: str | None,
    limit: int,
    cursor: str | None,
) -> FeedQuery:
    problems: list[FieldProblem] = []
    if range_start is not None and range_end is not None and range_start > range_end:
        message = (
            f"range_start ({range_start.isoformat()}) is after range_end ({range_end.isoformat()}): "
            "a range runs from its start to its end"
        )
        problems.append(FieldProblem.query("range_start", message))
    if feed.period_end is None:
        problems += [
            FieldProblem.query(name, f"the {feed.name} feed has no period to filter by {name}")
            for name, value in (("range_start", range_start), ("range_end", range_end))
            if value is not None
        ]
    if updated_since is not None and feed.updated is None:
        problems.append(FieldProblem.query("updated_since", f"the {feed.name} feed has no time of change"))
    refuse(problems)
    return FeedQuery(
        range_start=range_start,
        range_end=range_end,
        updated_since=None if updated_since is None else parse_updated_since(updated_since),
        limit=limit,
        after=None if cursor is None else read_cursor(feed, cursor),
    )


# The cursor: the last row's key, each value as text, in URL-safe base64 of a JSON array.


def _as_text(value: Any) -> str | int | None:
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def write_cursor(feed: Feed, row: Mapping[str, Any]) -> str:
    payload = json.dumps([_as_text(row[name]) for name in feed.key], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _from_text(kind: ColumnKind, value: Any) -> Any:
    if value is None:
        return None
    if kind is ColumnKind.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError
        return value
    if not isinstance(value, str):
        raise ValueError
    match kind:
        case ColumnKind.UUID:
            return uuid.UUID(value)
        case ColumnKind.DATE:
            return date.fromisoformat(value)
        case ColumnKind.DATETIME:
            return datetime.fromisoformat(value)
        case ColumnKind.DECIMAL:
            return Decimal(value)
        case ColumnKind.BOOLEAN:
            return {"True": True, "False": False}[value]
        case _:
            return value


def read_cursor(feed: Feed, cursor: str) -> tuple[Any, ...]:
    """The key a cursor carries, or 422 saying the cursor is not one this feed gave."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        if not isinstance(values, list) or len(values) != len(feed.key):
            raise ValueError
        kinds = [_kind(feed, name) for name in feed.key]
        return tuple(_from_text(kind, value) for kind, value in zip(kinds, values, strict=True))
    except (ValueError, TypeError, KeyError, InvalidOperation, binascii.Error, UnicodeDecodeError):
        message = f"cursor is not one the {feed.name} feed gave: pass the previous page's next_cursor unchanged"
        raise invalid("cursor", message, Location.QUERY) from None


def _kind(feed: Feed, name: str) -> ColumnKind:
    column = feed.column(name)
    if column is None:
        raise ValueError(f"{feed.name}: key column {name} is not one of its columns")
    return column.kind


# The statement.


def page_statement(feed: Feed, query: FeedQuery) -> Select[Any]:
    """One page of ``feed``'s rows (one more than ``limit``, to tell whether another page follows)."""
    rows = feed.statement().subquery("feed")
    stmt = select(*(rows.c[column.name] for column in feed.columns))
    if feed.period_end is not None:
        period_end = rows.c[feed.period_end]
        if query.range_start is not None:
            stmt = stmt.where(period_end >= query.range_start)
        if query.range_end is not None:
            stmt = stmt.where(period_end <= query.range_end)
    if query.updated_since is not None and feed.updated is not None:
        stmt = stmt.where(rows.c[feed.updated] >= query.updated_since)
    key = [rows.c[name] for name in feed.key]
    if query.after is not None:
        stmt = stmt.where(_after(key, query.after))
    return stmt.order_by(*key).limit(query.limit + 1)


def _after(key: Sequence[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows whose key sorts after ``values`` (written out rather than as a row value, so each
    comparison takes its column's type: a UUID on SQLite, a date on both)."""
    alternatives = [
        and_(*(key[i] == values[i] for i in range(position)), key[position] > values[position])
        for position in range(len(key))
    ]
    return or_(*alternatives)


@dataclass(frozen=True)
class FeedPage:
    rows: list[Mapping[str, Any]]
    next_cursor: str | None


async def read_page(session: AsyncSession, feed: Feed, actor: Actor, query: FeedQuery) -> FeedPage:
    """A page of the rows ``actor`` may read (the feed's read rule, bound from ``feed.params``)."""
    result = await session.execute(page_statement(feed, query), dict(feed.params(actor)))
    rows: list[Mapping[str, Any]] = list(result.mappings().all())
    if len(rows) <= query.limit:
        return FeedPage(rows, None)
    rows = rows[: query.limit]
    return FeedPage(rows, write_cursor(feed, rows[-1]))
