"""Who is asking: the ``CurrentActor`` dependency, from a bearer token or an API key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from pmf_api.access import keys
from pmf_api.access.actor import Actor
from pmf_api.access.authentication import identify
from pmf_api.access.directory import Directory
from pmf_api.platform.db.rows import driver_connection

_bearer = HTTPBearer(auto_error=False, description="A JWT from `pmf-api token` or your identity provider")


_api_key = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="A machine client's key from `POST /api/v1/api-keys`"
)


async def get_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)] = None,
) -> AsyncIterator[Actor]:
    """The actor the request's credentials stand for (``authentication.identify``), whose person is
    current; an API key's use is recorded once the request's own transaction has ended."""
    state = request.app.state
    authorization = request.headers.get("authorization")
    identified = await identify(state, authorization, api_key, lambda: driver_connection(state.sessionmaker))
    await state.people.ensure_current(identified.actor, state.sessionmaker, state.directory)
    try:
        yield identified.actor
    finally:
        if identified.key_use is not None:
            # A request-scoped dependency ends after the request's session (function-scoped) has
            # committed or rolled back: recording the use never waits for the request's own lock.
            await keys.record_use(state.sessionmaker, identified.key_use)


CurrentActor = Annotated[Actor, Depends(get_actor, scope="request")]


def get_directory(request: Request) -> Directory:
    """The council's structure as access needs it, as the app was given it (``create_app``)."""
    directory: Directory = request.app.state.directory
    return directory


DirectoryDep = Annotated[Directory, Depends(get_directory)]
