"""Who is asking: the one place credentials become an actor, for the full route and the fast reads.

A request carries a bearer token (this service's own, or the council's identity provider's) or an
API key (``X-API-Key``). :func:`identify` checks either and says who it stands for; it is what
``CurrentActor`` (every route) and the fast read path (``platform.http.fast_reads``) both call, so
the two cannot drift apart. What is left to each is what it may not do: the fast path never
writes and never asks the council's structure, so it hands the request to the full route when an
API key's use is due to be recorded, or when the person a token speaks for has not been found
current lately (``tokens.CurrentPeople``).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from fastapi.security.utils import get_authorization_scheme_param

from pmf_api.access import keys
from pmf_api.access.actor import Actor
from pmf_api.access.policy import READ_ONLY_KEY_ROLES
from pmf_api.access.tokens import authenticate_bearer
from pmf_api.platform.db.rows import DriverConnection, driver_connection
from pmf_api.platform.errors import NotAuthenticated
from pmf_api.platform.observability import current_request_id


@dataclass(frozen=True)
class Identified:
    actor: Actor
    key_use: keys.KeyUse | None = None  # an API key's use, due to be recorded after the request


async def identify(
    state: Any,
    authorization: str | None,
    api_key: str | None,
    key_connection: Callable[[], AbstractAsyncContextManager[DriverConnection]],
) -> Identified:
    """Who the credentials stand for, or 401. A bearer token wins over an API key;
    ``key_connection`` lends a driver connection to read the key on (only when one is sent)."""
    scheme, token = get_authorization_scheme_param(authorization)  # as FastAPI's HTTPBearer reads it
    if scheme.lower() == "bearer" and token:
        return Identified(await authenticate_bearer(state.settings, state.key_set, token, current_request_id()))
    if api_key:
        async with key_connection() as connection:
            actor, use = await keys.identify(connection, api_key, current_request_id())
        return Identified(actor, use)
    raise NotAuthenticated(detail="Send a bearer token in the Authorization header (or an X-API-Key)")


async def identify_for_fast_read(
    state: Any, authorization: str | None, api_key: str | None, connection: DriverConnection
) -> Actor | None:
    """:func:`identify` for the fast read path: the actor, or None when the full route must answer
    (no credentials, a key whose use is due to be recorded, a person not known current lately)."""
    scheme, token = get_authorization_scheme_param(authorization)
    if not (scheme.lower() == "bearer" and token) and not api_key:
        return None
    identified = await identify(state, authorization, api_key, lambda: nullcontext(connection))
    if identified.key_use is not None or not state.people.known_current(identified.actor):
        return None
    return identified.actor


async def key_is_read_only(state: Any, secret: str) -> bool | None:
    """Whether a key sent in a URL only reads (``platform.http.query_keys``); None: no such current key."""
    async with driver_connection(state.sessionmaker) as connection:
        role = await keys.role_of(connection, secret)
    return None if role is None else role in READ_ONLY_KEY_ROLES
