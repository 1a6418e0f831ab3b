"""A page of a feed as CSV straight from PostgreSQL: ``COPY (the page's SELECT) TO STDOUT`` over asyncpg.

A large page (Power BI asks for 10,000 rows or more) costs several times more through Python than
in the database. On PostgreSQL the same statement as ``reading.page_statement`` is run by COPY,
with each cell written as ``writing.csv_cell`` writes it: text that would start a formula gets its
apostrophe in SQL (``platform.file_safety``'s rule), decimals lose trailing zeros (``trim_scale``),
times are ISO 8601 in UTC with microseconds. ``tests/api/test_feeds_copy.py`` compares the cells
of both paths.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, case, false, func, literal, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.platform.db.rows import Query, session_driver
from pmf_api.platform.file_safety import FORMULA_TRIGGERS, QUOTE
from pmf_api.publishing.feeds import reading, writing
from pmf_api.publishing.feeds.definitions import ColumnKind, Feed

# The first characters that make a spreadsheet run a text, written into the SQL (constants, so
# PostgreSQL folds them once; an IN list of bind parameters would need expanding at execution).
_TRIGGERS: list[ColumnElement[str]] = [literal_column(f"chr({ord(character)})") for character in FORMULA_TRIGGERS]
_ISO_UTC = 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'


def _cell(kind: ColumnKind, column: Any) -> ColumnElement[Any]:
    match kind:
        case ColumnKind.STRING:
            starts_a_formula = and_(
                func.left(column, 1).in_(_TRIGGERS), column.regexp_match(f"^{writing.PLAIN_NUMBER.pattern}$") == false()
            )
            return case((starts_a_formula, literal(QUOTE, String) + column), else_=column)
        case ColumnKind.DECIMAL:
            return func.trim_scale(column)
        case ColumnKind.DATETIME:
            return func.to_char(func.timezone("UTC", column), _ISO_UTC)
        case ColumnKind.BOOLEAN:
            return case((column, literal("true")), else_=literal("false"))
        case _:
            same: ColumnElement[Any] = column
            return same


def copy_statement(feed: Feed, query: reading.FeedQuery) -> Select[Any]:
    """The page (``limit`` rows, no more) with every cell as the CSV writes it."""
    page = reading.page_statement(feed, query).limit(query.limit).subquery("page")
    return select(*(_cell(column.kind, page.c[column.name]).label(column.name) for column in feed.columns))


def next_key_statement(feed: Feed, query: reading.FeedQuery) -> Select[Any]:
    """The page's last row's key, when a row follows it (two rows: the last and the next)."""
    page = reading.page_statement(feed, query).subquery("page")
    key = [page.c[name] for name in feed.key]
    return select(*key).order_by(*key).offset(query.limit - 1).limit(2)


async def copy_page(
    session: AsyncSession, feed: Feed, actor: Actor, query: reading.FeedQuery
) -> tuple[bytes, str | None]:
    """The page as CSV (header first) and the cursor of the next page, if there is one."""
    params = dict(feed.params(actor))
    driver = await session_driver(session)
    compiled = Query(None, copy_statement(feed, query)).compiled_for(driver.dialect)
    values = compiled.compiled.construct_params(params)
    args = [
        values[name] if process is None or values[name] is None else process(values[name])
        for name, process in compiled.binds
    ]
    chunks: list[bytes] = []

    async def sink(chunk: bytes) -> None:
        chunks.append(chunk)

    await driver.driver.copy_from_query(compiled.sql, *args, output=sink, format="csv", header=True)
    body = b"".join(chunks)
    # Fewer line ends than ``limit`` rows (and the header) means fewer rows: the last page, and no
    # need to ask for the next key (a cell may hold a line end, so more line ends prove nothing).
    cursor = None
    if body.count(b"\n") > query.limit:
        following = (await session.execute(next_key_statement(feed, query), params)).mappings().all()
        cursor = reading.write_cursor(feed, following[0]) if len(following) == 2 else None
    return body, cursor
