"""The service root, /api/v1: 200 without credentials (Power BI's credential test), for GET and HEAD."""

from __future__ import annotations

import httpx

from tests.api.conftest import deploy

ROOT = "/api/v1"


async def test_the_root_answers_without_credentials(client: httpx.AsyncClient) -> None:
    r = await client.get(ROOT)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == "PMF API" and body["api"] == "v1" and body["version"]
    links = {link["rel"]: link["href"] for link in body["links"]}
    assert links["feeds"] == "/api/v1/feeds" and links["odata"] == "/api/v1/odata"
    assert links["docs"] == "/docs" and links["problems"] == "/problems"
    assert "cache-control" not in r.headers  # no credentials, nothing private: a cache may keep it
    assert r.headers["etag"]

    head = await client.head(ROOT)
    assert head.status_code == 200 and head.headers["content-type"] == "application/json"


async def test_the_root_is_refused_to_nobody_even_with_a_bad_key(client: httpx.AsyncClient) -> None:
    """Power BI sends the credential it was given; the root does not check it (the feeds do)."""
    r = await client.get(ROOT, headers={"X-API-Key": "pmf_notakeyatallnotakeyatall"})
    assert r.status_code == 200
    assert (await client.get(ROOT + "/kpis", headers={"X-API-Key": "pmf_notakeyatallnotakeyatall"})).status_code == 401


async def test_the_root_links_are_absolute_from_the_public_base_url_never_the_host(deployed_url: str) -> None:
    async with deploy(deployed_url, public_base_url="https://pmf.northdale.gov.uk", api_docs=False) as app:
        r = await app.client.get(ROOT, headers={"Host": "attacker.example"})
        assert r.status_code == 200
        links = {link["rel"]: link["href"] for link in r.json()["links"]}
        assert links["feeds"] == "https://pmf.northdale.gov.uk/api/v1/feeds"
        assert "docs" not in links and "openapi" not in links
        assert "attacker" not in r.text


async def test_the_root_refuses_changes(client: httpx.AsyncClient) -> None:
    r = await client.post(ROOT, json={})
    assert r.status_code == 405
    assert sorted(m.strip() for m in r.headers["Allow"].split(",")) == ["GET", "HEAD"]
