"""Tokens from the council's identity provider (OpenID Connect: Microsoft Entra ID and the like).

The provider signs its tokens with keys it publishes as a JWKS; :class:`KeySet` keeps them, from a
URL (fetched with a timeout, kept for an hour, fetched again when a token names a key it does not
hold, at most every five minutes, so a stream of bad tokens cannot make the service hammer the
provider) or from a file (reread on the same terms). A fetch that fails keeps the keys already
held and is logged: sign-in degrades to "key not known", never to a 500.

:func:`external_actor` turns the provider's claims into an actor: every such user belongs to
``PMF_OIDC_ORGANISATION_ID``, with the roles its ``PMF_OIDC_ROLES_CLAIM`` names (Entra ID app
roles whose values are this service's role names: ``performance``, ``viewer``...), each held
organisation-wide. Names that are not roles here are ignored; a user with none reads nothing (403).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from pathlib import Path
from typing import Any

import httpx

from pmf_api.access.actor import Actor, Grant, ScopeType
from pmf_api.config import Settings
from pmf_api.domain.workflow import Role

logger = logging.getLogger("pmf_api.access")

KEEP_SECONDS = 3600.0
REFETCH_SECONDS = 300.0
FETCH_TIMEOUT_SECONDS = 5.0


class KeySet:
    """The identity provider's public signing keys, by key id (``kid``)."""

    def __init__(
        self,
        *,
        url: str | None = None,
        file: Path | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        keep_seconds: float = KEEP_SECONDS,
        refetch_seconds: float = REFETCH_SECONDS,
    ) -> None:
        if (url is None) == (file is None):
            raise ValueError("a key set comes from a URL or a file")
        self.url, self.file, self.transport = url, file, transport
        self.keep_seconds, self.refetch_seconds = keep_seconds, refetch_seconds
        self.fetches = 0
        self._keys: dict[str, dict[str, Any]] = {}
        self._loaded_at = -math.inf
        self._tried_at = -math.inf
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> KeySet | None:
        if not settings.oidc_enabled:
            return None
        return cls(url=settings.oidc_jwks_url, file=settings.oidc_jwks_file)

    async def key(self, kid: str | None) -> dict[str, Any] | None:
        """The key ``kid`` names (the only key, when the token names none), or None."""
        now = time.monotonic()
        expired = now - self._loaded_at >= self.keep_seconds
        unknown = kid is None or kid not in self._keys
        if expired or (unknown and now - self._tried_at >= self.refetch_seconds):
            await self._load()
        if kid is None:
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)

    async def _load(self) -> None:
        async with self._lock:
            self._tried_at = time.monotonic()
            self.fetches += 1
            try:
                document = await self._read()
                keys = {
                    str(key["kid"]): key
                    for key in document["keys"]
                    if isinstance(key, dict) and key.get("kid") and key.get("kty") in {"RSA", "EC"}
                    and key.get("use", "sig") == "sig"
                }  # fmt: skip
            except Exception as exc:  # keep what is held; the token is refused as "key not known"
                logger.warning("could not read the identity provider's keys: %s", exc)
                return
            self._keys = keys
            self._loaded_at = time.monotonic()

    async def _read(self) -> dict[str, Any]:
        if self.file is not None:
            text = await asyncio.to_thread(self.file.read_text, encoding="utf-8")
            document: dict[str, Any] = json.loads(text)
            return document
        assert self.url is not None
        async with httpx.AsyncClient(transport=self.transport, timeout=FETCH_TIMEOUT_SECONDS) as client:
            response = await client.get(self.url)
            response.raise_for_status()
            fetched: dict[str, Any] = response.json()
            return fetched


def external_actor(settings: Settings, claims: dict[str, Any], request_id: str | None) -> Actor:
    """The actor a verified token from the identity provider stands for (see the module doc)."""
    assert settings.oidc_organisation_id is not None
    named = claims.get(settings.oidc_roles_claim) or []
    if isinstance(named, str):
        named = [named]
    known = {role.value: role for role in Role}
    roles = sorted({known[name] for name in named if isinstance(name, str) and name in known}, key=str)
    subject = str(claims["sub"])
    return Actor(
        organisation_id=settings.oidc_organisation_id,
        subject=subject,
        name=str(claims.get("name") or claims.get("preferred_username") or subject),
        grants=tuple(Grant(role, ScopeType.ORGANISATION, None) for role in roles),
        request_id=request_id,
    )
