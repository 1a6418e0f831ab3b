"""What a feed is: a flat, named, typed table a machine client reads, defined once and served
both as a feed (``/api/v1/feeds/{name}``, JSON and CSV, for Power BI's Web.Contents) and as an
OData v4 entity set (``publishing.odata``).

A :class:`Feed` is a SQL statement with one labelled column per :class:`FeedColumn`, already
fenced by the read rule of the repository it reads (``OwnedRepository.read_rule()`` with
``read_params(actor)``): every path out reads the rows every other read of the same records may
read, and no more. Routes wrap :meth:`Feed.statement` as a subquery and filter, sort and page on
its columns by name, so a feed's joins are written once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import Actor
from pmf_api.platform.db.session import unit_of_work


class ColumnKind(StrEnum):
    """A column's type, as JSON, CSV and OData's CSDL (``Edm.*``) each spell it."""

    STRING = "string"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    UUID = "uuid"


@dataclass(frozen=True)
class FeedColumn:
    name: str  # snake_case: the JSON key, the CSV header and the OData property name
    kind: ColumnKind
    description: str
    nullable: bool = True


@dataclass(frozen=True)
class Feed:
    """One flat table a machine client reads.

    ``build()`` gives a ``Select`` whose labelled columns are exactly ``columns`` (by name, in
    order), whose bind parameters are those ``params(actor)`` fills (the read rule's), and which
    is not yet ordered or limited. It is built once and reused (``statement``).
    """

    name: str  # URL segment: "kpi-values"
    entity_set: str  # OData entity set and type name: "KpiValues" (type "KpiValue")
    entity_type: str
    title: str
    description: str
    columns: tuple[FeedColumn, ...]
    key: tuple[str, ...]  # the columns that identify a row (OData's Key; the feeds' keyset order)
    build: Callable[[], Select[Any]]
    params: Callable[[Actor], Mapping[str, Any]]
    # The date column RangeStart/RangeEnd filter (a period's end, an update's date); None: no range.
    period_end: str | None = None
    # The timestamp column updated_since filters: when the row's content last changed.
    updated: str | None = "updated_at"
    # Work to do before the rows are read (bring a materialised table up to date for ``as_of``).
    prepare: Callable[[AsyncSession, Actor, date], Awaitable[None]] | None = None
    _built: list[Select[Any]] = field(default_factory=list, compare=False, repr=False)

    def statement(self) -> Select[Any]:
        if not self._built:
            self._built.append(self.build())
        return self._built[0]

    def column(self, name: str) -> FeedColumn | None:
        return next((column for column in self.columns if column.name == name), None)


FEEDS: dict[str, Feed] = {}


def register(feed: Feed) -> Feed:
    """Adds ``feed`` to :data:`FEEDS` (each feed module registers its feeds when imported)."""
    if feed.name in FEEDS:
        raise ValueError(f"Two feeds named {feed.name}")
    FEEDS[feed.name] = feed
    return feed


async def prepare_feed(sessionmaker: async_sessionmaker[AsyncSession], feed: Feed, actor: Actor, as_of: date) -> None:
    """Runs ``feed.prepare`` in its own unit of work, so the rows read next are up to date.

    Every path out (the feeds, the OData service, the command-line client through them) calls
    this before reading a feed, so each serves the same rows.
    """
    if feed.prepare is None:
        return
    async with unit_of_work(sessionmaker) as session:
        await feed.prepare(session, actor, as_of)
