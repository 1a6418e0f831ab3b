"""Who is asking: the ``CurrentActor`` dependency, from a bearer token or an API key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from pmf_api.access import keys as api_keys
from pmf_api.access.actor import Actor
from pmf_api.access.directory import Directory
from pmf_api.access.tokens import authenticate_bearer
from pmf_api.platform.errors import NotAuthenticated
from pmf_api.platform.observability import current_request_id

_bearer = HTTPBearer(auto_error=False, description="A JWT from `pmf-api token` or your identity provider")


_api_key = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="A machine client's key from `POST /api/v1/api-keys`"
)


async def get_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)] = None,
) -> AsyncIterator[Actor]:
    if credentials is None and api_key:
        # Machine clients send an API key instead of a bearer token (looked up, so only when sent).
        sessionmaker = request.app.state.sessionmaker
        actor, use = await api_keys.authenticate(sessionmaker, api_key, current_request_id())
        try:
            yield actor
        finally:
            if use is not None:
                # A request-scoped dependency ends after the request's session (function-scoped) has
                # committed or rolled back: recording the use never waits for the request's own lock.
                await api_keys.record_use(sessionmaker, use)
        return
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated(detail="Send a bearer token in the Authorization header (or an X-API-Key)")
    state = request.app.state
    actor = await authenticate_bearer(state.settings, state.key_set, credentials.credentials, current_request_id())
    await state.people.ensure_current(actor, state.sessionmaker, state.directory)
    yield actor


CurrentActor = Annotated[Actor, Depends(get_actor, scope="request")]


def get_directory(request: Request) -> Directory:
    """The council's structure as access needs it, as the app was given it (``create_app``)."""
    directory: Directory = request.app.state.directory
    return directory


DirectoryDep = Annotated[Directory, Depends(get_directory)]
