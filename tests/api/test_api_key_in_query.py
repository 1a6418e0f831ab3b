"""An API key in the URL (``?api_key=``, Power BI's ApiKeyName): taken for reads with a read-only
key, refused with a key that may write or for a change, and never echoed or logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from pmf_api.domain.workflow import Role
from pmf_api.platform.http.query_keys import without_key
from tests.api.builders import kpi_body, post, structure
from tests.api.conftest import TokenFactory

KEYS = "/api/v1/api-keys"
KPIS = "/api/v1/kpis"


async def _key(client: httpx.AsyncClient, h: dict[str, str], role: Role) -> str:
    created = await post(client, KEYS, {"name": f"Power BI {role.value}", "role": role.value}, h)
    return str(created["key"])


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.getMessage()} {getattr(record, 'fields', '')}")


@pytest.fixture
def logged() -> Iterator[_Records]:
    records = _Records()
    root = logging.getLogger("pmf_api")
    level = root.level
    root.addHandler(records)
    root.setLevel(logging.INFO)  # the access log's one line per request
    try:
        yield records
    finally:
        root.removeHandler(records)
        root.setLevel(level)


async def test_a_read_only_key_in_the_url_reads_pages_and_is_never_echoed(
    client: httpx.AsyncClient, auth: TokenFactory, logged: _Records
) -> None:
    h = auth(Role.PERFORMANCE)
    s = await structure(client, h)
    first = await post(client, KPIS, kpi_body(s), h)
    await post(client, KPIS, kpi_body(s), h)
    for role in (Role.VIEWER, Role.AUDITOR):
        secret = await _key(client, h, role)

        one = await client.get(f"{KPIS}/{first['id']}", params={"api_key": secret})
        assert one.status_code == 200, one.text
        assert one.json()["code"] == first["code"]
        assert one.headers["cache-control"] == "no-store"

        page = await client.get(KPIS, params={"limit": 1, "api_key": secret})
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) == 1
        link = page.headers["link"]
        assert 'rel="next"' in link and "limit=1" in link
        assert secret not in link and "api_key" not in link
        assert secret not in page.text and "api_key" not in page.text

    assert any("/api/v1/kpis" in line for line in logged.lines)
    assert not any(secret in line or "api_key" in line for line in logged.lines)


async def test_a_key_that_may_write_is_refused_in_the_url(
    client: httpx.AsyncClient, auth: TokenFactory, logged: _Records
) -> None:
    h = auth(Role.PERFORMANCE)
    for role in (Role.PERFORMANCE, Role.SERVICE_MANAGER, Role.KPI_OWNER):
        secret = await _key(client, h, role)
        refused = await client.get(KPIS, params={"api_key": secret})
        assert refused.status_code == 401, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        problem = refused.json()
        assert "read-only" in problem["detail"] and "X-API-Key" in problem["detail"]
        assert problem["instance"] == KPIS and secret not in refused.text
        # The same key in the header reads as before: only the URL is refused.
        assert (await client.get(KPIS, headers={"X-API-Key": secret})).status_code == 200
    assert not any(secret in line for line in logged.lines)


async def test_a_key_in_the_url_is_for_reads_only(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(Role.PERFORMANCE)
    s = await structure(client, h)
    secret = await _key(client, h, Role.VIEWER)
    created = await client.post(KPIS, params={"api_key": secret}, json=kpi_body(s))
    assert created.status_code == 401
    assert "only for reads" in created.json()["detail"] and secret not in created.text
    assert (await client.get(KPIS, headers=h)).json()["items"] == []


async def test_an_unknown_or_revoked_key_in_the_url_is_refused_as_in_a_header(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth(Role.PERFORMANCE)
    unknown = await client.get(KPIS, params={"api_key": "pmf_notakeyatallnotakeyatall"})
    assert unknown.status_code == 401 and unknown.json()["detail"] == "The API key is not valid"
    created = await post(client, KEYS, {"name": "Old dashboard", "role": "viewer"}, h)
    assert (await client.post(f"{KEYS}/{created['id']}/revoke", headers=h)).status_code == 200
    revoked = await client.get(KPIS, params={"api_key": created["key"]})
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]
    two = await client.get(KPIS, params=[("api_key", "pmf_aaaaaaaaaaaaaaaa"), ("api_key", "pmf_bbbbbbbbbbbbbbbb")])
    assert two.status_code == 401 and "more than one" in two.json()["detail"]


async def test_a_header_key_wins_over_one_in_the_url(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(Role.PERFORMANCE)
    viewer = await _key(client, h, Role.VIEWER)
    auditor = await _key(client, h, Role.AUDITOR)
    # The auditor's key in the header reads the audit trail; the viewer's in the URL would not.
    read = await client.get("/api/v1/audit", params={"api_key": viewer}, headers={"X-API-Key": auditor})
    assert read.status_code == 200, read.text
    assert (await client.get("/api/v1/audit", params={"api_key": viewer})).status_code == 403


def test_the_key_is_taken_out_and_every_other_parameter_kept_byte_for_byte() -> None:
    assert without_key(b"limit=1&api_key=pmf_abc%2Bd&q=a+b%20c&api_key") == (b"limit=1&q=a+b%20c", ["pmf_abc+d", ""])
    assert without_key(b"api%5Fkey=pmf_x") == (b"", ["pmf_x"])
    assert without_key(b"my_api_key=1&limit=2") == (b"my_api_key=1&limit=2", [])
