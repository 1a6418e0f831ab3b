"""Notifications through HTTP: webhook subscriptions (who may, which URLs), the delivery log, and
each person's own preferences (issue 11, section 4)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import ScopeType
from pmf_api.domain.workflow import Role
from pmf_api.main import create_app
from tests.api.builders import structure
from tests.api.conftest import TokenFactory
from tests.conftest import Backend

HOOKS = "/api/v1/webhook-subscriptions"
PREFERENCES = "/api/v1/me/notification-preferences"


@pytest.fixture
async def allowing(
    backend: Backend, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with 127.0.0.1 on the webhook allow-list (as the delivery tests need)."""
    app = create_app(backend.settings.model_copy(update={"webhook_allow_hosts": ["127.0.0.1"]}))
    app.state.engine = backend.engine
    app.state.sessionmaker = connection_sessionmaker
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://hooks.example.com/pmf", "https"),
        ("ftp://hooks.example.com/pmf", "https"),
        ("https://127.0.0.1/pmf", "loopback"),
        ("https://localhost:8443/pmf", "loopback"),
        ("https://10.1.2.3/pmf", "private"),
        ("https://192.168.0.10/pmf", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[::1]/pmf", "loopback"),
        ("https://[::ffff:10.0.0.1]/pmf", "private"),
        ("https://user:pw@hooks.example.com/pmf", "password"),
        ("https://[::1/pmf", "https://"),
        ("https://hooks.example.com:99999/pmf", "port"),
        ("https://" + "a" * 70 + ".example/pmf", "resolve"),
        ("/relative/path", "https://"),
    ],
)
async def test_a_webhook_url_must_be_https_to_a_public_address(
    client: httpx.AsyncClient, auth: TokenFactory, url: str, says: str
) -> None:
    r = await client.post(HOOKS, json={"url": url, "event_types": ["value.published"]}, headers=auth())
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert [e["pointer"] for e in r.json()["errors"]] == ["#/url"]
    assert says in r.json()["detail"]
    assert (await client.get(HOOKS, headers=auth())).json()["items"] == []


async def test_the_allow_list_lets_a_local_receiver_in(allowing: httpx.AsyncClient, auth: TokenFactory) -> None:
    r = await allowing.post(
        HOOKS, json={"url": "http://127.0.0.1:9/pmf", "event_types": ["value.published"]}, headers=auth()
    )
    assert r.status_code == 201, r.text
    # Other private hosts stay refused.
    r = await allowing.post(HOOKS, json={"url": "https://10.0.0.1/", "event_types": ["value.queried"]}, headers=auth())
    assert r.status_code == 422


async def test_subscriptions_are_the_performance_teams_and_the_secret_is_shown_once(
    allowing: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth()
    body = {"url": "http://127.0.0.1:9/pmf", "event_types": ["value.published", "value.queried"]}
    r = await allowing.post(HOOKS, json=body, headers=auth(Role.DIRECTOR))
    assert r.status_code == 403
    r = await allowing.post(HOOKS, json={**body, "event_types": ["value.eaten"]}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/event_types/0"
    r = await allowing.post(HOOKS, json={**body, "event_types": []}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/event_types"
    r = await allowing.post(HOOKS, json=body, headers=h)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["secret"].startswith("whsec_") and created["active"] is True
    read = await allowing.get(r.headers["Location"], headers=h)
    assert read.status_code == 200 and "secret" not in read.json()
    listed = (await allowing.get(HOOKS, headers=h)).json()["items"]
    assert [s["id"] for s in listed] == [created["id"]] and "secret" not in listed[0]
    assert (await allowing.get(HOOKS, headers=auth(Role.KPI_OWNER))).status_code == 403
    # Changed with If-Match; a bad URL is refused with nothing changed.
    r = await allowing.patch(
        f"{HOOKS}/{created['id']}", json={"url": "https://10.0.0.9/"}, headers={**h, "If-Match": read.headers["ETag"]}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/url"
    r = await allowing.patch(
        f"{HOOKS}/{created['id']}", json={"active": False}, headers={**h, "If-Match": read.headers["ETag"]}
    )
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["version"] == 2
    r = await allowing.patch(
        f"{HOOKS}/{created['id']}", json={"active": True}, headers={**h, "If-Match": read.headers["ETag"]}
    )
    assert r.status_code == 412
    # Audited, without the secret.
    trail = (await allowing.get("/api/v1/audit", params={"entity_type": "webhook_subscription"}, headers=h)).json()[
        "items"
    ]
    assert {e["action"] for e in trail} == {"create", "update"}
    assert created["secret"] not in str(trail)
    # Another council sees none of it.
    page = await allowing.get(f"{HOOKS}/{created['id']}/deliveries", headers=h)
    assert page.status_code == 200 and page.json()["items"] == []


async def test_each_person_reads_and_sets_their_own_preferences(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    s = await structure(client, auth())
    me = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    r = await client.get(PREFERENCES, headers=me)
    assert r.status_code == 200, r.text
    defaults = r.json()
    assert defaults["person_id"] == s.owner_id and defaults["email_enabled"] is True
    assert {"overdue", "due_soon", "query_waiting", "approval_waiting"} <= set(defaults["reminder_kinds"])
    assert defaults["updated_at"] is None
    r = await client.put(PREFERENCES, json={"digest_hour": 9, "reminder_kinds": ["overdue"]}, headers=me)
    assert r.status_code == 200, r.text
    assert (r.json()["digest_hour"], r.json()["reminder_kinds"]) == (9, ["overdue"])
    assert (await client.get(PREFERENCES, headers=me)).json()["reminder_kinds"] == ["overdue"]
    # The backup's are their own.
    other = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.backup_id)
    assert (await client.get(PREFERENCES, headers=other)).json()["digest_hour"] == 7
    r = await client.put(PREFERENCES, json={"email_enabled": False}, headers=me)
    assert r.json()["email_enabled"] is False and r.json()["digest_hour"] == 7
    trail = (
        await client.get("/api/v1/audit", params={"entity_type": "notification_preference"}, headers=auth())
    ).json()["items"]
    assert sorted(e["action"] for e in trail) == ["create", "update"]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"digest_hour": 24}, "#/digest_hour"),
        ({"digest_hour": -1}, "#/digest_hour"),
        ({"reminder_kinds": ["overdue", "gossip"]}, "#/reminder_kinds/1"),
        ({"email": True}, "#/email"),
    ],
)
async def test_bad_preferences_are_refused(
    client: httpx.AsyncClient, auth: TokenFactory, body: dict[str, object], pointer: str
) -> None:
    s = await structure(client, auth())
    me = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    r = await client.put(PREFERENCES, json=body, headers=me)
    assert r.status_code == 422, r.text
    assert pointer in [e["pointer"] for e in r.json()["errors"]]
    assert (await client.get(PREFERENCES, headers=me)).json()["updated_at"] is None


async def test_a_credential_without_a_person_has_no_preferences(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    r = await client.post("/api/v1/api-keys", json={"name": "Nightly push", "role": "performance"}, headers=auth())
    key = {"X-API-Key": r.json()["key"]}
    for response in (
        await client.get(PREFERENCES, headers=key),
        await client.put(PREFERENCES, json={"digest_hour": 8}, headers=key),
        await client.get(PREFERENCES, headers=auth()),  # a token that speaks for no person
    ):
        assert response.status_code == 403, response.text
        assert response.json()["type"].endswith("/forbidden")
        assert "person" in response.json()["detail"]
