"""Sign-in through the council's identity provider (OpenID Connect, e.g. Entra ID): its tokens are
checked against its published keys, issuer and audience, speak for the configured organisation with
the roles their claim names, and never open the door to a token signed any other way."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.oidc import KeySet
from pmf_api.config import Settings
from pmf_api.main import create_app
from tests.api.conftest import Org, TokenFactory
from tests.conftest import Backend

ISSUER = "https://login.microsoftonline.com/0b7e5b1c-tenant/v2.0"
AUDIENCE = "api://pmf-northdale"


@dataclass
class SigningKey:
    kid: str
    private_pem: bytes
    public_jwk: dict[str, Any]


def _signing_key(kid: str) -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public = jwk.construct(public_pem, "RS256").to_dict()
    return SigningKey(kid, pem, {**public, "kid": kid, "use": "sig"})


@pytest.fixture(scope="module")
def keys() -> dict[str, SigningKey]:
    return {kid: _signing_key(kid) for kid in ("k1", "k2", "impostor")}


@dataclass
class Provider:
    client: httpx.AsyncClient
    jwks: Path
    organisation_id: uuid.UUID
    settings: Settings
    publish: Callable[..., None]
    token: Callable[..., dict[str, str]]


@pytest.fixture
async def provider(
    backend: Backend,
    connection_sessionmaker: async_sessionmaker[AsyncSession],
    org: Org,
    keys: dict[str, SigningKey],
    tmp_path: Path,
) -> AsyncIterator[Provider]:
    jwks = tmp_path / "jwks.json"

    def publish(*kids: str) -> None:
        jwks.write_text(json.dumps({"keys": [keys[kid].public_jwk for kid in kids]}))

    publish("k1")
    settings = backend.settings.model_copy(
        update={
            "oidc_jwks_file": jwks,
            "oidc_issuer": ISSUER,
            "oidc_audience": AUDIENCE,
            "oidc_organisation_id": org.id,
        }
    )
    app = create_app(settings)
    app.state.key_set = KeySet(file=jwks, refetch_seconds=0)  # no pause between rereads, for the test
    app.state.engine = backend.engine
    app.state.sessionmaker = connection_sessionmaker

    def token(
        roles: list[str] | None = None, *, key: str = "k1", kid: str | None = None, **claims: Any
    ) -> dict[str, str]:
        now = datetime.now(UTC)
        body = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
            "name": "Priya Patel",
            "preferred_username": "priya.patel@northdale.gov.uk",
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int((now + timedelta(hours=1)).timestamp()),
            "roles": roles if roles is not None else ["viewer"],
            **claims,
        }
        signed = jwt.encode(body, keys[key].private_pem.decode(), algorithm="RS256", headers={"kid": kid or key})
        return {"Authorization": f"Bearer {signed}"}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield Provider(client, jwks, org.id, settings, publish, token)


async def test_a_provider_token_reads_with_its_roles_and_is_audited_as_its_user(
    provider: Provider, auth: TokenFactory
) -> None:
    own = auth()  # the service's own tokens keep working beside the provider's
    created = await provider.client.post("/api/v1/directorates", json={"code": "D1", "name": "Place"}, headers=own)
    assert created.status_code == 201, created.text
    viewer = provider.token(["viewer", "not-a-role-here"])
    listed = await provider.client.get("/api/v1/directorates", headers=viewer)
    assert listed.status_code == 200 and [d["code"] for d in listed.json()["items"]] == ["D1"]
    one = await provider.client.get(f"/api/v1/directorates/{created.json()['id']}", headers=viewer)
    assert one.status_code == 200 and one.json() == created.json()
    refused = await provider.client.post("/api/v1/directorates", json={"code": "D2", "name": "People"}, headers=viewer)
    assert refused.status_code == 403

    team = provider.token(["performance"])
    made = await provider.client.post("/api/v1/directorates", json={"code": "D2", "name": "People"}, headers=team)
    assert made.status_code == 201, made.text
    trail = await provider.client.get("/api/v1/audit", params={"entity_id": made.json()["id"]}, headers=own)
    [entry] = trail.json()["items"]
    assert entry["actor_subject"] == "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ"
    assert entry["actor_name"] == "Priya Patel"

    nothing = provider.token([])
    assert (await provider.client.get("/api/v1/directorates", headers=nothing)).status_code == 403


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda p: p.token(aud="api://someone-else"), "audience"),
        (lambda p: p.token(iss="https://login.microsoftonline.com/other-tenant/v2.0"), "issuer"),
        (lambda p: p.token(exp=int((datetime.now(UTC) - timedelta(minutes=5)).timestamp())), "expired"),
        (lambda p: p.token(key="impostor", kid="k1"), "signature"),  # claims to be k1, is not
        (lambda p: p.token(key="impostor"), "key the identity provider does not publish"),
        (lambda p: p.token(sub=None), "sub"),
    ],
)
async def test_a_provider_token_that_fails_a_check_is_401(provider: Provider, make: Any, why: str) -> None:
    response = await provider.client.get("/api/v1/directorates", headers=make(provider))
    assert response.status_code == 401, response.text
    assert why.lower() in response.json()["detail"].lower()
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_token_signed_with_the_public_key_as_an_hmac_secret_is_401(
    provider: Provider, keys: dict[str, SigningKey]
) -> None:
    """The JWKS is public; taking it as an HMAC secret (algorithm confusion) must not sign anything."""
    public = json.dumps(keys["k1"].public_jwk)
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(datetime.now(UTC).timestamp()) + 600}
    forged = jwt.encode({**claims, "roles": ["performance"]}, public, algorithm="HS256", headers={"kid": "k1"})
    response = await provider.client.get("/api/v1/directorates", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_a_new_signing_key_is_picked_up_when_a_token_names_it(provider: Provider) -> None:
    rotated = provider.token(key="k2")
    assert (await provider.client.get("/api/v1/directorates", headers=rotated)).status_code == 401
    provider.publish("k1", "k2")  # the provider rolls its keys
    assert (await provider.client.get("/api/v1/directorates", headers=provider.token(key="k2"))).status_code == 200
    assert (await provider.client.get("/api/v1/directorates", headers=provider.token(key="k1"))).status_code == 200


async def test_keys_from_a_url_are_kept_and_fetched_again_only_for_an_unknown_key(keys: dict[str, SigningKey]) -> None:
    served = {"keys": [keys["k1"].public_jwk]}
    requests: list[str] = []

    def provider(request: httpx.Request) -> httpx.Response:
        requests.append(str(request.url))
        if len(requests) == 2:
            return httpx.Response(503)  # the provider has a bad minute
        return httpx.Response(200, json=served)

    key_set = KeySet(url="https://login.example/keys", transport=httpx.MockTransport(provider), refetch_seconds=0)
    assert (await key_set.key("k1"))["n"] == keys["k1"].public_jwk["n"]  # type: ignore[index]
    assert await key_set.key("k1") is not None and len(requests) == 1  # kept, not fetched again
    assert await key_set.key("k2") is None and len(requests) == 2  # unknown: fetched again, which failed
    assert await key_set.key("k1") is not None  # what was held is still held
    served["keys"].append(keys["k2"].public_jwk)
    assert await key_set.key("k2") is not None and len(requests) == 3

    patient = KeySet(url="https://login.example/keys", transport=httpx.MockTransport(provider))
    await patient.key("k1")
    for _ in range(5):
        assert await patient.key("nope") is None  # a stream of unknown keys fetches at most every 5 minutes
    assert patient.fetches == 1


def test_settings_for_a_provider_are_complete_and_asymmetric(tmp_path: Path) -> None:
    base = {"environment": "test", "oidc_jwks_url": "https://login.example/keys"}
    with pytest.raises(ValidationError, match="PMF_OIDC_ISSUER, PMF_OIDC_AUDIENCE, PMF_OIDC_ORGANISATION_ID"):
        Settings(**base)
    complete = {**base, "oidc_issuer": ISSUER, "oidc_audience": AUDIENCE, "oidc_organisation_id": uuid.uuid4()}
    assert Settings(**complete).oidc_enabled
    with pytest.raises(ValidationError, match="PMF_OIDC_ALGORITHMS must be among"):
        Settings(**complete, oidc_algorithms=["HS256"])
    with pytest.raises(ValidationError, match="not both"):
        Settings(**complete, oidc_jwks_file=tmp_path / "jwks.json")
    assert not Settings(environment="test").oidc_enabled
    assert KeySet.from_settings(Settings(environment="test")) is None
