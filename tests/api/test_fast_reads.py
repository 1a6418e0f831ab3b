"""Record reads answered ahead of FastAPI's routing (``pmf_api.platform.http.fast_reads``) answer exactly as the full
routes do: same status, headers and body, for every record type, page, filter, condition and error,
on both databases. Each request goes to two apps over the same data, one with ``hot_reads`` off."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access import records
from pmf_api.access.actor import Grant, ScopeType
from pmf_api.access.tokens import mint_token
from pmf_api.demo import load_demo
from pmf_api.domain.workflow import Role
from pmf_api.main import create_app
from pmf_api.platform.db.rows import DriverConnection
from pmf_api.platform.http import fast_reads
from tests.api.builders import post
from tests.api.conftest import make_organisation
from tests.conftest import Backend

API = "/api/v1"
# Headers that differ between any two responses, whoever answers
_PER_RESPONSE = {"x-request-id", "date"}


@dataclass
class Pair:
    hot: httpx.AsyncClient
    full: httpx.AsyncClient
    served: list[str]  # what the hot path answered itself ("one", "page")

    async def same(self, path: str, headers: dict[str, str], **params: Any) -> httpx.Response:
        """GET ``path`` from both apps, assert the answers match, and return the hot app's."""
        hot = await self.hot.get(path, headers=headers, params=params or None)
        full = await self.full.get(path, headers=headers, params=params or None)
        assert hot.status_code == full.status_code, (path, params, hot.text, full.text)
        assert _headers(hot) == _headers(full), (path, params)
        if hot.headers.get("content-type", "").endswith("json"):
            assert _body(hot) == _body(full), (path, params)
        else:
            assert hot.content == full.content
        return hot


def _headers(response: httpx.Response) -> dict[str, str]:
    kept = {k: v for k, v in response.headers.items() if k not in _PER_RESPONSE}
    if response.headers.get("content-type") == "application/problem+json":
        kept.pop("content-length")  # the request id in the body varies in length
    return kept


def _body(response: httpx.Response) -> Any:
    body = response.json()
    if isinstance(body, dict):
        body.pop("request_id", None)
    return body


@pytest.fixture
async def pair(
    backend: Backend, connection_sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Pair]:
    served: list[str] = []
    get_values, list_values = records.get_values, records.list_values

    async def counted_get(*args: Any) -> Any:
        found = await get_values(*args)
        served.append("one")
        return found

    async def counted_list(*args: Any) -> Any:
        found = await list_values(*args)
        served.append("page")
        return found

    monkeypatch.setattr(records, "get_values", counted_get)
    monkeypatch.setattr(records, "list_values", counted_list)
    apps = [create_app(backend.settings.model_copy(update={"hot_reads": hot})) for hot in (True, False)]
    clients = []
    for app in apps:
        app.state.engine = backend.engine
        app.state.sessionmaker = connection_sessionmaker
        clients.append(httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test"))
    try:
        yield Pair(clients[0], clients[1], served)
    finally:
        for client in clients:
            await client.aclose()


@pytest.fixture
async def demo(backend: Backend, connection_sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    """The demo council, and a performance-team bearer token for it."""
    async with connection_sessionmaker() as session:
        organisation = await load_demo(session)
        await session.commit()
    return _bearer(backend, organisation.id, [Grant(Role.PERFORMANCE, ScopeType.ORGANISATION, None)])


def _bearer(backend: Backend, organisation_id: uuid.UUID, grants: list[Grant]) -> dict[str, str]:
    token = mint_token(
        backend.settings, organisation_id=organisation_id, subject="t@example.gov.uk", name="T", grants=grants
    )
    return {"Authorization": f"Bearer {token}"}


async def test_every_record_type_reads_the_same_through_either_path(pair: Pair, demo: dict[str, str]) -> None:
    reads = fast_reads.registered()
    assert {"/kpis", "/actions", "/services", "/people", "/outcomes", "/service-plans", "/submissions"} <= set(reads)
    for path, read in reads.items():
        pair.served.clear()
        first = await pair.same(API + path, demo, limit=3)
        assert first.status_code == 200
        items = first.json()["items"]
        assert items, path
        if first.json()["next_cursor"]:
            assert 'rel="next"' in first.headers["link"]
            second = await pair.same(API + path, demo, limit=3, cursor=first.json()["next_cursor"])
            assert {i["id"] for i in second.json()["items"]}.isdisjoint({i["id"] for i in items})
        one = await pair.same(f"{API}{path}/{items[0]['id']}", demo)
        # A submission read alone says where it may move next; lists leave that null
        assert one.json() == {**items[0], **({"allowed_transitions": one.json()["allowed_transitions"]}
                                             if "allowed_transitions" in items[0] else {})}  # fmt: skip
        current = await pair.same(f"{API}{path}/{items[0]['id']}", {**demo, "If-None-Match": one.headers["etag"]})
        assert current.status_code == 304
        stale = await pair.same(f"{API}{path}/{items[0]['id']}", {**demo, "If-None-Match": '"00000000-0"'})
        assert stale.status_code == 200
        pages = 2 if first.json()["next_cursor"] else 1
        expected = ["page"] * (pages if read.list_params else 0) + ["one"] * (3 if read.one else 0)
        assert expected and pair.served == expected, path
        # If-None-Match, weak or strong, on a record or a page: 304 from either path
        weak = {**demo, "If-None-Match": "W/" + one.headers["etag"]}
        assert (await pair.same(f"{API}{path}/{items[0]['id']}", weak)).status_code == 304
        listed = await pair.same(API + path, {**demo, "If-None-Match": first.headers["etag"]}, limit=3)
        assert listed.status_code == 304 and listed.content == b""


async def test_kpi_filters_sorts_and_pages_read_the_same(pair: Pair, demo: dict[str, str]) -> None:
    kpis = (await pair.same(f"{API}/kpis", demo, limit=500)).json()["items"]
    services = (await pair.same(f"{API}/services", demo)).json()["items"]
    directorates = (await pair.same(f"{API}/directorates", demo)).json()["items"]
    kpi = kpis[0]
    cases: list[dict[str, Any]] = [
        {"service_id": kpi["service_id"]},
        {"directorate_id": directorates[0]["id"]},
        {"owner_id": kpi["owner_id"]},
        {"frequency": "monthly", "statutory": "true"},
        {"search": "  " + kpi["title"].split()[0].upper()},
        {"sort": "-title", "limit": 4},
        {"sort": "updated_at", "updated_since": "2020-01-01T00:00:00Z"},
        {"include_archived": "true", "polarity": "lower_is_better"},
        {"service_id": services[-1]["id"], "limit": 1},
    ]
    for params in cases:
        pair.served.clear()
        page = await pair.same(f"{API}/kpis", demo, **params)
        assert page.status_code == 200 and pair.served == ["page"], params
        cursor = page.json()["next_cursor"]
        if cursor:
            await pair.same(f"{API}/kpis", demo, **{**params, "cursor": cursor})
    walked, cursor = [], None
    while True:
        page = await pair.same(f"{API}/kpis", demo, limit=7, sort="-code", **({"cursor": cursor} if cursor else {}))
        walked += [k["code"] for k in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert walked == sorted((k["code"] for k in kpis), reverse=True)


async def test_what_the_hot_path_leaves_to_the_full_route_reads_the_same(
    pair: Pair,
    demo: dict[str, str],
    backend: Backend,
    connection_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    kpis = (await pair.same(f"{API}/kpis", demo, limit=2)).json()
    kpi_id = kpis["items"][0]["id"]
    other = await make_organisation(connection_sessionmaker, "SOUTHMERE")
    other_council = _bearer(backend, other.id, [Grant(Role.PERFORMANCE, ScopeType.ORGANISATION, None)])
    no_role = _bearer(backend, other.id, [])
    pair.served.clear()
    one = f"{API}/kpis/{kpi_id}"
    answers = [
        (await pair.same(f"{API}/kpis/{uuid.uuid4()}", demo)).status_code,  # no such KPI
        (await pair.same(one, other_council)).status_code,  # another council's
        (await pair.same(one, no_role)).status_code,
        (await pair.same(one, {"Authorization": "Bearer not-a-token"})).status_code,
        (await pair.same(one, {"Authorization": "Basic dXNlcjpwYXNz"})).status_code,
        (await pair.same(one, {})).status_code,
        (await pair.same(one, {"X-API-Key": "pmf_not-a-key-at-all"})).status_code,
        (await pair.same(one, demo, fields="code")).status_code,  # a query string
        (await pair.same(one.upper().replace("/API/V1/KPIS/", "/api/v1/kpis/"), demo)).status_code,
        (await pair.same(f"{API}/kpis/not-an-id", demo)).status_code,
        (await pair.same(f"{API}/kpis", demo, colour="red")).status_code,  # unknown filter
        (await pair.same(f"{API}/kpis", demo, limit=0)).status_code,
        (await pair.same(f"{API}/kpis", demo, sort="owner")).status_code,
        (await pair.same(f"{API}/kpis", demo, cursor="bm90LWEtY3Vyc29y")).status_code,
        (await pair.same(f"{API}/kpis", demo, sort="title", cursor=kpis["next_cursor"])).status_code,
        (await pair.same(f"{API}/kpis", demo, service_id="not-a-uuid")).status_code,
        (await pair.same(f"{API}/kpis", demo, updated_since="2026-11-01T00:00:00")).status_code,  # no offset
        (await pair.same(f"{API}/kpis", {"Authorization": "Basic dXNlcjpwYXNz"})).status_code,
    ]
    assert answers == [404, 404, 403, 401, 401, 401, 401, 200, 200, 422, 422, 422, 422, 422, 422, 422, 422, 401]
    repeated = await pair.hot.get(f"{API}/kpis?limit=2&limit=3", headers=demo)
    assert repeated.status_code == (await pair.full.get(f"{API}/kpis?limit=2&limit=3", headers=demo)).status_code
    assert pair.served == []  # every case above is left to the full route


@pytest.mark.parametrize(
    ("failure", "logged"),
    [
        (RuntimeError("a driver bug"), 2),
        # A lost connection is the full route's to answer and log (once, as a 503 when it fails too).
        (ConnectionResetError("connection reset by peer"), 0),
    ],
)
async def test_a_driver_failure_costs_speed_not_an_answer(
    pair: Pair,
    demo: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    failure: Exception,
    logged: int,
) -> None:
    kpi = (await pair.same(f"{API}/kpis", demo, limit=1)).json()["items"][0]

    async def broken(self: DriverConnection, *args: Any) -> Any:
        raise failure

    monkeypatch.setattr(DriverConnection, "fetch", broken)
    pair.served.clear()
    with caplog.at_level(logging.WARNING, logger="pmf_api.platform.http.fast_reads"):
        read = await pair.same(f"{API}/kpis/{kpi['id']}", demo)
        listed = await pair.same(f"{API}/kpis", demo, limit=1)
    assert read.status_code == listed.status_code == 200
    assert read.json() == kpi == listed.json()["items"][0]
    assert pair.served == []
    assert sum("handed to the full route" in r.message for r in caplog.records) == logged


async def test_api_keys_read_through_either_path_and_their_use_is_recorded(pair: Pair, demo: dict[str, str]) -> None:
    created = await post(pair.full, f"{API}/api-keys", {"name": "Power BI", "role": "viewer"}, demo)
    key = {"X-API-Key": created["key"]}
    kpi = (await pair.same(f"{API}/kpis", demo, limit=1)).json()["items"][0]
    pair.served.clear()
    # First use: the hot path leaves it to the full route, which records it
    assert (await pair.same(f"{API}/kpis/{kpi['id']}", key)).json() == kpi
    assert pair.served == []
    keys = (await pair.full.get(f"{API}/api-keys", headers=demo)).json()["items"]
    assert keys[0]["last_used_at"] is not None
    # Used within the minute: the hot path answers, for one record and for a page
    assert (await pair.same(f"{API}/kpis/{kpi['id']}", key)).json() == kpi
    assert (await pair.same(f"{API}/kpis", key, limit=1)).json()["items"] == [kpi]
    assert pair.served == ["one", "page"]
    # A bearer token wins over a key, as in the full route; a revoked key is refused at once
    assert (await pair.same(f"{API}/kpis/{kpi['id']}", {**key, **demo})).status_code == 200
    revoked = await pair.full.post(f"{API}/api-keys/{created['id']}/revoke", headers=demo)
    assert revoked.status_code == 200
    refused = await pair.same(f"{API}/kpis/{kpi['id']}", key)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
