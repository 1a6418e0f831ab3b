"""Migrations run both ways on both databases, and agree with the models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from pmf_api.models import Base
from pmf_api.platform.db.migrations import downgrade, head_revision, upgrade
from tests.conftest import (
    REQUIRE_POSTGRES,
    Backend,
    _create_postgres_database,
    _drop_postgres_database,
)


async def _fresh_database(kind: str, tmp_path: Path) -> tuple[str, AsyncEngine]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}" if kind == "sqlite" else await _create_postgres_database()
    return url, create_async_engine(url)


async def _run(engine: AsyncEngine, fn: Any) -> Any:
    async with engine.begin() as connection:
        return await connection.run_sync(fn)


async def test_upgrade_downgrade_upgrade_and_no_drift(backend: Backend, tmp_path: Path) -> None:
    try:
        url, engine = await _fresh_database(backend.name, tmp_path)
    except OSError as exc:  # pragma: no cover - the backend fixture already skipped when unreachable
        if REQUIRE_POSTGRES:
            raise
        pytest.skip(str(exc))
    try:
        await _run(engine, lambda c: upgrade(url, connection=c))
        tables = await _run(engine, lambda c: set(inspect(c).get_table_names()))
        assert set(Base.metadata.tables) <= tables
        await _run(engine, lambda c: downgrade(url, "base", connection=c))
        assert await _run(engine, lambda c: set(inspect(c).get_table_names())) <= {"alembic_version"}
        await _run(engine, lambda c: upgrade(url, connection=c))
        revision = await _run(engine, lambda c: MigrationContext.configure(c).get_current_revision())
        assert revision == head_revision()

        def diff(connection: Any) -> list[Any]:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))

        assert await _run(engine, diff) == []
    finally:
        await engine.dispose()
        if backend.name == "postgresql":
            await _drop_postgres_database(url)
