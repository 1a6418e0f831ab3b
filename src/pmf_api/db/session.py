"""Engines, sessions and the unit of work shared by the API, the CLI and jobs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from pmf_api.config import Settings


def create_engine(settings: Settings) -> AsyncEngine:
    """Build the engine for ``settings.database_url``.

    On SQLite the driver's own transaction handling is switched off so that SQLAlchemy's
    BEGIN and SAVEPOINT behave as on PostgreSQL, and foreign keys are enforced.
    """
    kwargs: dict[str, Any] = {"echo": settings.database_echo}
    if settings.is_sqlite:
        engine = create_async_engine(settings.database_url, **kwargs)
        configure_sqlite(engine)
        return engine
    kwargs.update(pool_size=settings.database_pool_size, max_overflow=settings.database_pool_size, pool_pre_ping=True)
    return create_async_engine(settings.database_url, **kwargs)


def configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def unit_of_work(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends normally, rolled back on any error."""
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
