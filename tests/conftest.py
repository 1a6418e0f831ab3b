"""Test databases: every database-backed test runs on SQLite and on PostgreSQL.

Each run creates its own PostgreSQL database (and drops it afterwards), so parallel or repeated runs
never collide. Without a reachable server the PostgreSQL half is skipped with a message, unless
``PMF_TEST_REQUIRE_POSTGRES=1`` (as in CI), when it fails instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from pmf_api.config import Settings
from pmf_api.platform.db.migrations import upgrade
from pmf_api.platform.db.session import create_engine

# In CI the property tests draw the same examples every run, so a red build is reproducible and
# never a matter of luck; locally they keep exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

POSTGRES_ADMIN_URL = os.environ.get("PMF_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
REQUIRE_POSTGRES = os.environ.get("PMF_TEST_REQUIRE_POSTGRES") == "1"
TEST_SECRET = "test-secret-" + "x" * 40


@dataclass
class Backend:
    name: str
    settings: Settings
    engine: AsyncEngine


async def _create_postgres_database() -> str:
    name = f"pmf_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


async def _drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


def make_settings(url: str) -> Settings:
    return Settings(environment="test", database_url=url, jwt_secret=TEST_SECRET, log_json=False, log_level="WARNING")


async def migrate(url: str) -> None:
    """Migrate as `pmf-api migrate` does: a plain connection (on SQLite, foreign keys off while tables are rebuilt)."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: upgrade(url, connection=sync))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Backend]:
    """A migrated database of each kind, shared by the tests of one run."""
    if request.param == "sqlite":
        path = Path(tmp_path_factory.mktemp("sqlite")) / "pmf.db"
        url = f"sqlite+aiosqlite:///{path}"
        settings = make_settings(url)
        engine = create_engine(settings)
        await migrate(url)
        yield Backend("sqlite", settings, engine)
        await engine.dispose()
        return
    try:
        url = await _create_postgres_database()
    except (OSError, Exception) as exc:  # the server is down or refuses us
        message = f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable ({exc}); PostgreSQL tests skipped"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    settings = make_settings(url)
    engine = create_engine(settings)
    try:
        await migrate(url)
        yield Backend("postgresql", settings, engine)
    finally:
        await engine.dispose()
        await _drop_postgres_database(url)


@pytest.fixture
async def connection_sessionmaker(backend: Backend) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions bound to one connection inside a transaction that is rolled back after the test.

    Each session's commit only releases a savepoint, so the code under test commits as in
    production and the test still leaves nothing behind.
    """
    async with backend.engine.connect() as connection:
        transaction = await connection.begin()
        maker = async_sessionmaker(
            bind=connection, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
        )
        try:
            yield maker
        finally:
            await transaction.rollback()


@pytest.fixture
async def session(connection_sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with connection_sessionmaker() as session:
        yield session
