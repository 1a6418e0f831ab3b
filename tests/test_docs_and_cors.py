"""The API's pages work on a network without internet access, and a browser client can read the
headers the service sends (issue #9, points 11 and 12)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from pmf_api.config import Settings
from pmf_api.main import create_app

ORIGIN = "https://portal.northdale.gov.uk"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(environment="test", api_docs=True, cors_origins=[ORIGIN], log_json=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


@pytest.mark.parametrize(
    ("page", "assets"),
    [
        ("/docs", {"swagger-ui-bundle.js": "javascript", "swagger-ui.css": "text/css", "favicon.png": "image/png"}),
        ("/redoc", {"redoc.standalone.js": "javascript", "favicon.png": "image/png"}),
    ],
)
async def test_docs_pages_load_nothing_from_another_host(
    client: httpx.AsyncClient, page: str, assets: dict[str, str]
) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    html = response.text
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html), "a page asset comes from another host"
    assert "fonts.googleapis.com" not in html and "cdn.jsdelivr.net" not in html
    for name, content_type in assets.items():
        url = next(u for u in re.findall(r"""(?:src|href)=["']([^"']+)["']""", html) if u.endswith("/" + name))
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert content_type in asset.headers["content-type"], (url, asset.headers["content-type"])
        assert len(asset.content) > 1000
    spec = await client.get("/openapi.json")
    assert spec.status_code == 200 and "/openapi.json" in html


async def test_docs_are_off_when_docs_are_off() -> None:
    app = create_app(Settings(environment="test", api_docs=False, log_json=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        for path in ("/docs", "/redoc", "/openapi.json", "/docs-assets/swagger-ui-bundle.js"):
            assert (await client.get(path)).status_code == 404, path


async def test_cors_exposes_the_headers_clients_read(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"Origin": ORIGIN})
    assert response.headers["access-control-allow-origin"] == ORIGIN
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    wanted = {"etag", "link", "location", "retry-after", "idempotency-replayed", "content-disposition", "x-request-id"}
    assert wanted <= exposed
