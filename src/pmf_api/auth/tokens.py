"""Bearer JWTs: minted locally for the demo and tests, verified on every request."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from jose import JWTError, jwt

from pmf_api.auth.actor import Actor, Grant, ScopeType
from pmf_api.config import Settings
from pmf_api.domain.workflow import Role
from pmf_api.errors import NotAuthenticated


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


def verify_token(settings: Settings, token: str, request_id: str | None = None) -> Actor:
    """Check signature (only the configured algorithms, never ``none``), issuer, audience and expiry."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=settings.jwt_algorithms,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require_exp": True, "require_iat": True, "require_sub": True, "require_aud": True},
        )
    except JWTError as exc:
        raise NotAuthenticated(detail=f"The bearer token was rejected: {exc}") from None
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
        return Actor(
            organisation_id=uuid.UUID(claims["org"]),
            subject=str(claims["sub"]),
            name=str(claims.get("name") or claims["sub"]),
            grants=grants,
            person_id=uuid.UUID(claims["pid"]) if claims.get("pid") else None,
            request_id=request_id,
        )
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise NotAuthenticated(detail=f"The bearer token's claims are not valid: {exc}") from None
