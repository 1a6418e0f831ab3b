"""Dependencies every router shares: the settings and the request's session (one transaction per request)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.config import Settings
from pmf_api.platform.db.session import ReadSessions, mark_read_only, read_only, unit_of_work
from pmf_api.platform.schemas import NUL, NUL_MESSAGE


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SAFE_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response is sent (services only flush).

    GET and HEAD only read: on PostgreSQL they get a read-only session without BEGIN and COMMIT
    (see ``ReadSessions``), when the app has one for its current sessionmaker.
    """
    state = request.app.state
    sessionmaker = state.sessionmaker
    safe = request.method in SAFE_METHODS
    if safe:
        reads: ReadSessions | None = getattr(state, "read_sessions", None)
        if reads is not None and reads.source is sessionmaker:
            async with read_only(reads.maker) as session:
                yield session
            return
    async with unit_of_work(sessionmaker, writes=not safe) as session:
        if safe:
            mark_read_only(session)  # as strict as the autocommit path, so tests on SQLite catch a writing GET
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def today() -> date:
    """Today's date in UTC: what is due, late or ended is decided against it, here, and passed to
    services as ``as_of`` (services and the domain never read the clock)."""
    return datetime.now(UTC).date()


AsOf = Annotated[date, Depends(today)]


async def refuse_nul_parameters(request: Request) -> None:
    """Every route's query and path parameters are refused (422, naming each) when they hold U+0000.

    Bodies are checked by the shared input models (``platform.schemas.RefusesNul``); parameters are
    checked here, once for every route, whatever type each route gives them (issue #8, item 8).
    """
    errors = [
        {"type": "nul_character", "loc": (where, name), "msg": NUL_MESSAGE, "input": value}
        for where, items in (("query", request.query_params.multi_items()), ("path", request.path_params.items()))
        for name, value in items
        if isinstance(value, str) and (NUL in value or NUL in name)
    ]
    if errors:
        raise RequestValidationError(errors)
