"""Bearer JWTs: minted locally for the demo and tests, verified on every request."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from jose import JWTError, jwt
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import Actor, Grant, ScopeType
from pmf_api.access.directory import Directory
from pmf_api.access.oidc import KeySet, external_actor
from pmf_api.config import Settings
from pmf_api.domain.workflow import Role
from pmf_api.platform.db.session import read_only
from pmf_api.platform.errors import NotAuthenticated

# Clocks disagree a little: a token stamped up to this far ahead of ours is still taken.
CLOCK_SKEW_SECONDS = 60
# How long "this person is (or is not) a current member of the council" is believed, per person.
PERSON_RECHECK_SECONDS = 30.0


def mint_token(
    settings: Settings,
    *,
    organisation_id: uuid.UUID,
    subject: str,
    name: str,
    grants: list[Grant],
    person_id: uuid.UUID | None = None,
    ttl: timedelta | None = None,
    now: datetime | None = None,
) -> str:
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject,
        "iat": int(issued.timestamp()),
        "exp": int((issued + (ttl or timedelta(minutes=settings.jwt_ttl_minutes))).timestamp()),
        "org": str(organisation_id),
        "name": name,
        "grants": [
            {"role": g.role.value, "scope": g.scope.value, **({"id": str(g.scope_id)} if g.scope_id else {})}
            for g in grants
        ],
    }
    if person_id is not None:
        claims["pid"] = str(person_id)
    return str(jwt.encode(claims, settings.jwt_secret, algorithm=settings.jwt_algorithms[0]))


class VerifiedTokens:
    """A small LRU of tokens that passed every check, so a client's next request skips the HMAC and
    claim parsing. An entry is used only before the token's ``exp`` (checked on every hit) and only
    under the same secret, algorithms, issuer and audience it was verified with."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, ...], tuple[Actor, float]] = OrderedDict()

    @staticmethod
    def key(settings: Settings, token: str) -> tuple[str, ...]:
        return (
            token,
            settings.jwt_secret,
            ",".join(settings.jwt_algorithms),
            settings.jwt_issuer,
            settings.jwt_audience,
            ",".join(settings.oidc_algorithms) if settings.oidc_enabled else "",
            str(settings.oidc_issuer),
            str(settings.oidc_audience),
            str(settings.oidc_organisation_id),
            settings.oidc_roles_claim,
        )

    def get(self, key: tuple[str, ...], now: float) -> Actor | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        actor, expires = entry
        if now >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return actor

    def put(self, key: tuple[str, ...], actor: Actor, expires: float) -> None:
        self._entries[key] = (actor, expires)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


verified_tokens = VerifiedTokens()


async def authenticate_bearer(
    settings: Settings, keys: KeySet | None, token: str, request_id: str | None = None
) -> Actor:
    """The actor a bearer token stands for: one of this service's own (``_verify``: HMAC), or, when
    sign-in through an identity provider is set up, one of its tokens (``pmf_api.access.oidc``),
    told apart by the algorithm each is signed with. A token verified before is taken from
    ``verified_tokens`` while it has not expired."""
    key = VerifiedTokens.key(settings, token)
    cached = verified_tokens.get(key, time.time())
    if cached is not None:
        return cached if cached.request_id == request_id else dataclasses.replace(cached, request_id=request_id)
    if keys is None or _algorithm(token) not in settings.oidc_algorithms:
        actor, expires = _verify(settings, token, request_id)
    else:
        actor, expires = await _verify_external(settings, keys, token, request_id)
    verified_tokens.put(key, actor, expires)
    return actor


def _algorithm(token: str) -> str | None:
    try:
        return str(jwt.get_unverified_header(token).get("alg"))
    except JWTError:
        return None  # malformed: _verify says why


async def _verify_external(settings: Settings, keys: KeySet, token: str, request_id: str | None) -> tuple[Actor, float]:
    header = jwt.get_unverified_header(token)
    signing_key = await keys.key(header.get("kid"))
    if signing_key is None:
        raise NotAuthenticated(detail="The bearer token is signed with a key the identity provider does not publish")
    # The header's algorithm is one of oidc_algorithms (the caller checked): only that one is tried.
    claims = _decode(token, signing_key, [str(header["alg"])], settings.oidc_audience, settings.oidc_issuer, "iss")
    _check_lifetime(settings, claims)
    try:
        return external_actor(settings, claims, request_id), float(claims["exp"])
    except (KeyError, ValueError, TypeError) as exc:
        raise NotAuthenticated(detail=f"The bearer token's claims are not valid: {exc}") from None


def _decode(
    token: str, key: str | dict[str, Any], algorithms: list[str], audience: str | None, issuer: str | None, also: str
) -> dict[str, Any]:
    """The token's claims, once its signature (with ``key``, by one of ``algorithms`` only), audience,
    issuer and expiry hold and it has a subject and the claim ``also``; else 401."""
    required = {f"require_{claim}": True for claim in ("exp", "sub", "aud", also)}
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=algorithms, audience=audience, issuer=issuer, options=required
        )
    except JWTError as exc:
        raise NotAuthenticated(detail=f"The bearer token was rejected: {exc}") from None
    return claims


def _check_lifetime(settings: Settings, claims: dict[str, Any], now: float | None = None) -> None:
    """Refuse a token stamped as issued in the future, or meant to live longer than the service allows
    (``PMF_JWT_MAX_TTL_MINUTES``): whoever holds the signing key cannot mint a token for ever, or one
    that stays good long after it seems to have expired. A provider's token without ``iat`` is
    judged by its expiry alone."""
    if "iat" not in claims:
        return
    try:
        issued, expires = float(claims["iat"]), float(claims["exp"])
    except (TypeError, ValueError):
        raise NotAuthenticated(detail="The bearer token's iat and exp must be numbers") from None
    if issued > (now if now is not None else time.time()) + CLOCK_SKEW_SECONDS:
        raise NotAuthenticated(detail="The bearer token was issued in the future (its iat is ahead of our clock)")
    if expires - issued > settings.jwt_max_ttl_minutes * 60:
        raise NotAuthenticated(
            detail=f"The bearer token lives longer than the {settings.jwt_max_ttl_minutes} minutes this service accepts"
        )


class CurrentPeople:
    """Whether the person a token speaks for (its ``pid``) is still a current member of its council.

    Archiving someone must shut out their tokens long before the tokens expire. Asking the
    directory on every request would cost a query each; the answer is kept ``recheck_seconds``
    per person instead (each instance keeps its own), so a token is refused within that time of
    the archive, and let in again within it of a restore.
    """

    def __init__(
        self,
        recheck_seconds: float = PERSON_RECHECK_SECONDS,
        size: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.recheck_seconds, self.size, self.clock = recheck_seconds, size, clock
        self._answers: OrderedDict[tuple[uuid.UUID, uuid.UUID], tuple[bool, float]] = OrderedDict()

    def known_current(self, actor: Actor) -> bool:
        """True only when the actor's person was found current within the last ``recheck_seconds``."""
        return actor.person_id is None or self._known(actor) is True

    async def ensure_current(
        self, actor: Actor, sessionmaker: async_sessionmaker[AsyncSession], directory: Directory
    ) -> None:
        """Refuse (401) a token for a person archived, or not of the token's council; asks the
        directory when the kept answer is older than ``recheck_seconds``."""
        if actor.person_id is None:
            return
        current = self._known(actor)
        if current is None:
            async with read_only(sessionmaker) as session:
                current = await directory.person_is_current(session, actor.organisation_id, actor.person_id)
            self._answers[(actor.organisation_id, actor.person_id)] = (current, self.clock())
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        if not current:
            raise NotAuthenticated(
                detail="The person this bearer token speaks for is archived, or not a member of this council"
            )

    def _known(self, actor: Actor) -> bool | None:
        assert actor.person_id is not None
        key = (actor.organisation_id, actor.person_id)
        answer = self._answers.get(key)
        if answer is None or self.clock() - answer[1] >= self.recheck_seconds:
            return None
        self._answers.move_to_end(key)
        return answer[0]


def _verify(settings: Settings, token: str, request_id: str | None) -> tuple[Actor, float]:
    claims = _decode(
        token, settings.jwt_secret, settings.jwt_algorithms, settings.jwt_audience, settings.jwt_issuer, "iat"
    )
    _check_lifetime(settings, claims)
    try:
        grants = tuple(
            Grant(
                role=Role(g["role"]),
                scope=ScopeType(g.get("scope", "organisation")),
                scope_id=uuid.UUID(g["id"]) if g.get("id") else None,
            )
            for g in claims.get("grants", [])
        )
        if any(g.scope is not ScopeType.ORGANISATION and g.scope_id is None for g in grants):
            raise ValueError("a scoped grant needs an id")
        actor = Actor(
            organisation_id=uuid.UUID(claims["org"]),
            subject=str(claims["sub"]),
            name=str(claims.get("name") or claims["sub"]),
            grants=grants,
            person_id=uuid.UUID(claims["pid"]) if claims.get("pid") else None,
            request_id=request_id,
        )
        return actor, float(claims["exp"])
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise NotAuthenticated(detail=f"The bearer token's claims are not valid: {exc}") from None
