"""Engines, sessions and the unit of work shared by the API, the CLI and jobs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, UOWTransaction

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
        report_connect_failures(engine)
        return engine
    # No pool_pre_ping: on asyncpg it costs three round trips (BEGIN, a ping, ROLLBACK) on every
    # checkout. Connections are recycled before servers or proxies drop idle ones, and a connection
    # found dead mid-request invalidates the whole pool and answers 503 (see problems.py), so the
    # next request gets a fresh one.
    kwargs.update(
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_recycle=settings.database_pool_recycle,
        # asyncpg waits 60 s for a server that does not answer; a request should not.
        connect_args={"timeout": settings.database_connect_timeout},
    )
    engine = create_async_engine(settings.database_url, **kwargs)
    report_connect_failures(engine)
    return engine


class DatabaseUnavailable(Exception):
    """The database could not be reached: a new connection was refused, timed out or failed.

    Raised in place of whatever the driver raised (a bare ``ConnectionRefusedError`` from asyncpg,
    an ``OperationalError`` from SQLite), so that a failure to connect is told apart from a bug.
    """


def report_connect_failures(engine: AsyncEngine) -> None:
    """Make every failure to open a connection of ``engine`` a :class:`DatabaseUnavailable`."""

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect: Dialect, _record: Any, cargs: Any, cparams: Any) -> Any:
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception as exc:
            raise DatabaseUnavailable(_one_line(exc)) from exc


# PostgreSQL: connection_exception (class 08), admin_shutdown, crash_shutdown, cannot_connect_now,
# too_many_connections
_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is out of reach (rather than that a statement failed):
    a connection refused or lost, from the ORM or straight from the driver (``rows.py``)."""
    if isinstance(exc, DatabaseUnavailable):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig if exc.orig is not None else exc
    state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    if isinstance(state, str) and (state.startswith("08") or state in _UNAVAILABLE_STATES):
        return True
    return isinstance(exc, ConnectionError | TimeoutError)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300] if text else ''}"


def root_cause(exc: BaseException) -> BaseException:
    """What the driver raised, under ``DatabaseUnavailable`` or SQLAlchemy's wrapping."""
    cause = exc.__cause__ if isinstance(exc, DatabaseUnavailable) and exc.__cause__ else exc
    if isinstance(cause, DBAPIError) and cause.orig is not None:
        cause = cause.orig
    return cause


def describe(exc: BaseException) -> str:
    """A one-line account of a database failure, for the log (no SQL, no traceback)."""
    return _one_line(root_cause(exc))


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
        # A transaction that will write takes the write lock at BEGIN and so waits its turn (up to
        # busy_timeout). Begun as a reader, it could not upgrade while another wrote, and SQLite
        # refuses that at once ("database is locked"), whatever the timeout.
        immediate = connection.get_execution_options().get(BEGIN_IMMEDIATE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


READ_ONLY = "read_only"
WRITES = "writes"
BEGIN_IMMEDIATE = "pmf_begin_immediate"


def mark_read_only(session: AsyncSession) -> None:
    """Make ``session`` refuse to flush changes (a GET that writes is a bug: fail loudly, everywhere)."""
    session.info[READ_ONLY] = True


@event.listens_for(Session, "before_flush")
def _refuse_writes(session: Session, _flush_context: UOWTransaction, _instances: object) -> None:
    if session.info.get(READ_ONLY):
        raise RuntimeError("A read-only session (a GET or HEAD request) tried to write; writes need unit_of_work()")


@dataclass(frozen=True)
class ReadSessions:
    """Sessions for requests that only read, made for one read-write ``source`` sessionmaker.

    On PostgreSQL their connections run in autocommit, so a read is one round trip instead of
    BEGIN, the query and COMMIT. Each statement sees committed data as of its start, exactly as
    in a READ COMMITTED transaction (PostgreSQL's default), so a read sees what it saw before.
    Kept beside the sessionmaker it was made for: code that swaps ``app.state.sessionmaker`` (the
    tests' rolled-back transaction) gets that sessionmaker for reads too, never a stale engine.
    """

    source: async_sessionmaker[AsyncSession]
    maker: async_sessionmaker[AsyncSession]


def create_read_sessions(
    engine: AsyncEngine, source: async_sessionmaker[AsyncSession], settings: Settings
) -> ReadSessions | None:
    """Read-only autocommit sessions on PostgreSQL; None on SQLite (embedded, no round trips to save)."""
    if settings.is_sqlite:
        return None
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    maker = async_sessionmaker(autocommit, expire_on_commit=False, autoflush=False)
    return ReadSessions(source=source, maker=maker)


@asynccontextmanager
async def read_only(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for reads: nothing to commit, the connection goes back to the pool at the end."""
    async with sessionmaker() as session:
        mark_read_only(session)
        yield session


@asynccontextmanager
async def unit_of_work(
    sessionmaker: async_sessionmaker[AsyncSession], *, writes: bool = True
) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends normally, rolled back on any error.

    A unit of work that ``writes`` queues behind other writers instead of failing when they
    collide: on SQLite it begins with the write lock; everywhere, a record it loads by id is
    locked until it ends (``repository.get_in_organisation``), so two changes to one record run
    one after the other and the second sees the first.
    """
    async with sessionmaker() as session:
        try:
            if writes:
                session.info[WRITES] = True
                if session.bind is not None and session.bind.dialect.name == "sqlite":
                    await session.connection(execution_options={BEGIN_IMMEDIATE: True})
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
