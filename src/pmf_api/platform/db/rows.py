"""Records' column values over the database driver's own connection, for requests that only show them.

The ORM costs several times what the database does for a read (session, execution context, result
objects, instance state; bench/README.md has the figures). A request that only shows records, and a
read of thousands of plain values, needs none of that. A :class:`Query` is a statement
whose values are bind parameters, built once; :class:`DriverConnection` compiles it once per
dialect, runs it on the driver (asyncpg or aiosqlite) and converts each value with the column
type's own result processor, so the values are exactly what the ORM would load
(``tests/integration/test_rows.py`` compares them, table by table, on both databases).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, inspect, select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.types import TypeEngine

from pmf_api.platform.db.base import Base

Processor = Callable[[Any], Any] | None


@dataclass
class _Compiled:
    sql: str
    compiled: Any
    binds: tuple[tuple[str, Processor], ...]  # (bind name, bind processor) in the driver's order
    # Each column's result processor, known once the driver has said what it returns (PostgreSQL
    # picks a NUMERIC's conversion by the type the server reports; SQLite reports none).
    results: tuple[tuple[str, Processor], ...] | None = None


@dataclass
class Query:
    """A statement selecting rows of ``model`` (or, without a model, the columns it selects), its
    values as named bind parameters.

    ``statement`` serves the ORM (``session.scalars(query.statement, params)``); the driver runs
    the same statement with the model's columns listed, compiled once per dialect."""

    model: type[Base] | None
    statement: Select[Any]
    _columns: list[tuple[str, TypeEngine[Any]]] = field(init=False)
    _driver_statement: Select[Any] = field(init=False)
    _compiled: dict[Dialect, _Compiled] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        if self.model is None:
            self._columns = [(str(column.key), column.type) for column in self.statement.selected_columns]
            self._driver_statement = self.statement
            return
        attributes = [(prop.key, prop.columns[0]) for prop in inspect(self.model).column_attrs]
        self._columns = [(key, column.type) for key, column in attributes]
        self._driver_statement = self.statement.with_only_columns(*(column for _, column in attributes))

    def compiled_for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect)
        if found is None:
            # (No IN lists of values: they are expanded only at execution, which the driver's own
            # execution here does not do; compare with each value instead.)
            compiled = self._driver_statement.compile(dialect=dialect)
            found = _Compiled(
                sql=str(compiled),
                compiled=compiled,
                binds=tuple(
                    (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
                    for name in compiled.positiontup or ()
                ),
            )
            self._compiled[dialect] = found
        return found

    def learn(
        self, compiled: _Compiled, dialect: Dialect, driver_types: list[Any]
    ) -> tuple[tuple[str, Processor], ...]:
        compiled.results = tuple(
            (key, column_type.dialect_impl(dialect).result_processor(dialect, driver_type))
            for (key, column_type), driver_type in zip(self._columns, driver_types, strict=True)
        )
        return compiled.results


@cache
def by_id(model: type[Base]) -> Query:
    """One record by primary key: bind ``id``."""
    table_id = inspect(model).local_table.c.id
    return Query(model, select(model).where(table_id == bindparam("id", type_=table_id.type)))


def column_keys(model: type[Base]) -> frozenset[str]:
    """The attribute names a row of ``model`` read this way carries."""
    return frozenset(prop.key for prop in inspect(model).column_attrs)


class DriverConnection:
    """A pooled connection's driver connection, for :class:`Query` reads (see module doc)."""

    def __init__(self, driver: Any, dialect: Dialect) -> None:
        self.driver = driver
        self.dialect = dialect
        self.failed = False

    async def get(self, model: type[Base], id: uuid.UUID) -> dict[str, Any] | None:
        rows = await self.fetch(by_id(model), {"id": id})
        return rows[0] if rows else None

    async def fetch(self, query: Query, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The rows, each as a mapping of column keys to values."""
        results, rows = await self._run(query, params)
        keys = [key for key, _ in results]
        # Most columns need no conversion: the row is zipped into a dict, then the few that do are converted.
        converted = [(key, process) for key, process in results if process is not None]
        found = []
        for row in rows:
            values = dict(zip(keys, row, strict=True))
            for key, process in converted:
                value = values[key]
                if value is not None:
                    values[key] = process(value)
            found.append(values)
        return found

    async def fetch_tuples(self, query: Query, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        """The rows, each a sequence of values in the order selected: for reads of many rows, where
        a mapping per row would cost more than the query (what the driver gives, when no column
        needs converting, as on PostgreSQL for plain columns)."""
        results, rows = await self._run(query, params)
        if all(process is None for _, process in results):
            found: Sequence[Sequence[Any]] = rows
            return found
        return [
            tuple(
                value if process is None or value is None else process(value)
                for (_, process), value in zip(results, row, strict=True)
            )
            for row in rows
        ]

    async def _run(self, query: Query, params: Mapping[str, Any]) -> tuple[tuple[tuple[str, Processor], ...], Any]:
        compiled = query.compiled_for(self.dialect)
        values = compiled.compiled.construct_params(params)
        args = [
            values[name] if process is None or values[name] is None else process(values[name])
            for name, process in compiled.binds
        ]
        results = compiled.results
        try:
            if self.dialect.name == "sqlite":
                async with self.driver.execute(compiled.sql, args) as cursor:
                    rows = await cursor.fetchall()
                if results is None:
                    results = query.learn(compiled, self.dialect, [None] * len(cursor.description))
            else:
                if results is None:
                    prepared = await self.driver.prepare(compiled.sql)
                    results = query.learn(compiled, self.dialect, [a.type.oid for a in prepared.get_attributes()])
                rows = await self.driver.fetch(compiled.sql, *args)
        except BaseException:
            # A driver error (or a cancelled request mid-statement) may leave the connection
            # unusable: it must not go back to the pool as it is.
            self.failed = True
            raise
        return results, rows


async def session_driver(session: AsyncSession) -> DriverConnection:
    """The driver connection under ``session``'s own (so reads see what its transaction wrote)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return DriverConnection(raw.driver_connection, connection.dialect)


@asynccontextmanager
async def driver_connection(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[DriverConnection]:
    """A connection from where ``sessionmaker``'s sessions get theirs, returned to the pool after.

    Nothing begins a transaction on it, so on PostgreSQL each statement runs on its own (as a
    READ COMMITTED transaction would run it); a sessionmaker bound to one connection (the tests'
    rolled-back transaction) lends that connection, so reads see what the session wrote.
    """
    bind = sessionmaker.kw.get("bind")
    if isinstance(bind, AsyncConnection):
        raw = await bind.get_raw_connection()
        yield DriverConnection(raw.driver_connection, bind.dialect)
        return
    if not isinstance(bind, AsyncEngine):
        raise TypeError(f"sessions bound to {bind!r} have no driver connection to lend")
    async with bind.connect() as connection:
        raw = await connection.get_raw_connection()
        lent = DriverConnection(raw.driver_connection, bind.dialect)
        try:
            yield lent
        finally:
            if lent.failed:
                await connection.invalidate()
