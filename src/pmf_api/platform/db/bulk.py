"""Many new rows in one go, inside the session's transaction (and savepoint): COPY on PostgreSQL,
multi-row INSERTs elsewhere. What a bulk push needs: 20,000 rows one by one would take minutes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.platform.db.base import Base

# Multi-row statements stay well inside both databases' bound-parameter limits.
INSERT_CHUNK = 1_000


def _with_json(row: dict[str, Any], as_json: list[str]) -> tuple[Any, ...]:
    values = dict(row)
    for column in as_json:
        if values[column] is not None:
            values[column] = json.dumps(values[column])
    return tuple(values.values())


async def insert_rows(
    session: AsyncSession, model: type[Base], rows: Sequence[dict[str, Any]], *, json_columns: Iterable[str] = ()
) -> None:
    """Insert ``rows`` (each a full set of ``model``'s column values, the same keys in the same order in
    every row).

    COPY bypasses SQLAlchemy's column types: values must already be what the column stores, and
    ``json_columns`` name the JSON ones. A row that clashes with a stored one raises IntegrityError,
    as an INSERT would.
    """
    if not rows:
        return
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        for start in range(0, len(rows), INSERT_CHUNK):
            await session.execute(insert(model), list(rows[start : start + INSERT_CHUNK]))
        return
    from asyncpg.exceptions import IntegrityConstraintViolationError

    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    columns = list(rows[0])
    as_json = [column for column in columns if column in set(json_columns)]
    records = [_with_json(row, as_json) for row in rows] if as_json else [tuple(row.values()) for row in rows]
    try:
        await raw.copy_records_to_table(model.__tablename__, columns=columns, records=records)
    except IntegrityConstraintViolationError as exc:
        # The driver's own error (COPY bypasses SQLAlchemy): raised as the clash callers handle.
        raise IntegrityError("COPY", None, exc) from exc
