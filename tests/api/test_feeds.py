"""The feeds contract (docs: /work/notes/feedcontract.md, README "Power BI") over any registered feed.

A small feed of KPIs is registered here for the test, so the generic behaviour (paging, cursors,
CSV cells, credentials, bad parameters) is shown apart from any one feed's rules.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from pmf_api.domain.workflow import Role
from pmf_api.performance.kpis.models import Kpi
from pmf_api.performance.kpis.repository import KpiRepository
from pmf_api.publishing.feeds.definitions import FEEDS, ColumnKind, Feed, FeedColumn
from tests.api.builders import kpi_body, post, structure
from tests.api.conftest import Org, TokenFactory

FEED = "test-kpis"


def _statement() -> Any:
    return select(
        Kpi.id.label("kpi_id"),
        Kpi.code.label("code"),
        Kpi.title.label("title"),
        Kpi.decimal_places.label("decimal_places"),
        Kpi.expected_min.label("expected_min"),
        Kpi.statutory.label("statutory"),
        Kpi.updated_at.label("updated_at"),
    ).where(KpiRepository.read_rule())


TEST_FEED = Feed(
    name=FEED,
    entity_set="TestKpis",
    entity_type="TestKpi",
    title="Test KPIs",
    description="KPIs, for the feeds' tests",
    columns=(
        FeedColumn("kpi_id", ColumnKind.UUID, "The KPI", nullable=False),
        FeedColumn("code", ColumnKind.STRING, "Its code", nullable=False),
        FeedColumn("title", ColumnKind.STRING, "Its title", nullable=False),
        FeedColumn("decimal_places", ColumnKind.INTEGER, "Its decimal places", nullable=False),
        FeedColumn("expected_min", ColumnKind.DECIMAL, "The least value expected"),
        FeedColumn("statutory", ColumnKind.BOOLEAN, "Statutory", nullable=False),
        FeedColumn("updated_at", ColumnKind.DATETIME, "When it changed", nullable=False),
    ),
    key=("code",),
    build=_statement,
    params=lambda actor: KpiRepository.read_params(actor),
    period_end=None,
)


@pytest.fixture(autouse=True)
def test_feed() -> Iterator[Feed]:
    FEEDS[FEED] = TEST_FEED
    yield TEST_FEED
    del FEEDS[FEED]


async def _kpis(client: httpx.AsyncClient, h: dict[str, str], titles: list[str], **overrides: Any) -> list[str]:
    s = await structure(client, h)
    codes = []
    for number, title in enumerate(titles):
        body = kpi_body(s, code=f"FEED-{number:02d}", title=title, **overrides)
        codes.append((await post(client, "/api/v1/kpis", body, h))["code"])
    return codes


async def test_the_catalogue_lists_every_feed_without_credentials(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/feeds")
    assert response.status_code == 200, response.text
    feeds = {entry["name"]: entry for entry in response.json()["feeds"]}
    entry = feeds[FEED]
    assert entry["url"] == f"/api/v1/feeds/{FEED}"
    assert entry["key"] == ["code"] and entry["updated"] == "updated_at" and entry["period_end"] is None
    assert entry["columns"][4] == {
        "name": "expected_min",
        "kind": "decimal",
        "description": "The least value expected",
        "nullable": True,
    }


async def test_a_feed_needs_credentials_and_an_unknown_one_is_not_found(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    assert (await client.get(f"/api/v1/feeds/{FEED}")).status_code == 401
    missing = await client.get("/api/v1/feeds/no-such-feed", headers=auth())
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert "no-such-feed" in missing.json()["detail"]


async def test_pages_follow_the_key_to_the_end_in_json(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    codes = await _kpis(client, h, [f"KPI {n}" for n in range(5)])
    seen: list[str] = []
    url: str | None = f"/api/v1/feeds/{FEED}?limit=2"
    pages = 0
    while url is not None:
        response = await client.get(url, headers=h)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [row["code"] for row in body["items"]]
        url = body["next_link"]
        if url is not None:
            assert response.headers["link"] == f'<{url}>; rel="next"'
            assert f"cursor={body['next_cursor']}" in url and url.startswith(f"/api/v1/feeds/{FEED}?limit=2&")
        else:
            assert "link" not in response.headers and body["next_cursor"] is None
        pages += 1
    assert seen == codes and pages == 3


async def test_the_next_link_is_absolute_from_the_public_base_url_never_the_host(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth()
    await _kpis(client, h, ["A", "B"])
    settings = client._transport.app.state.settings  # type: ignore[attr-defined]
    settings.public_base_url = "https://pmf.example.gov.uk"
    try:
        response = await client.get(
            f"/api/v1/feeds/{FEED}",
            params={"limit": 1, "api_key": "pmf_secret"},
            headers={**h, "Host": "evil.example.com"},
        )
    finally:
        settings.public_base_url = None
    link = response.json()["next_link"]
    assert link.startswith(f"https://pmf.example.gov.uk/api/v1/feeds/{FEED}?limit=1&cursor=")
    assert "pmf_secret" not in response.text and "pmf_secret" not in response.headers["link"]


async def test_csv_keeps_numbers_as_numbers_and_no_cell_is_a_formula(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth()
    titles = ['=HYPERLINK("http://x")', "@SUM(A1)", "Plain"]
    await _kpis(client, h, titles, expected_min="-5.5", unit="number", aggregation="sum")
    for how in ({"params": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}):
        response = await client.get(
            f"/api/v1/feeds/{FEED}", params=how.get("params"), headers={**h, **how.get("headers", {})}
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0] == [c.name for c in TEST_FEED.columns]
        assert [row[2] for row in rows[1:]] == ['\'=HYPERLINK("http://x")', "'@SUM(A1)", "Plain"]
        assert {row[4] for row in rows[1:]} == {"-5.5"}
        assert {row[3] for row in rows[1:]} == {"1"} and {row[5] for row in rows[1:]} == {"false"}
    body = (await client.get(f"/api/v1/feeds/{FEED}", headers=h)).json()
    assert body["items"][0]["title"] == '=HYPERLINK("http://x")'  # JSON is data, not a sheet
    assert body["items"][0]["expected_min"] == -5.5 and body["items"][0]["decimal_places"] == 1


async def test_a_reader_sees_only_their_councils_rows(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    await _kpis(client, auth(), ["Ours"])
    theirs = await client.get(f"/api/v1/feeds/{FEED}", headers=auth(Role.VIEWER, organisation=other_org))
    assert theirs.status_code == 200 and theirs.json()["items"] == []


async def test_updated_since_reads_a_bare_date_as_utc_midnight(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    await _kpis(client, h, ["A"])
    row = (await client.get(f"/api/v1/feeds/{FEED}", headers=h)).json()["items"][0]
    day = row["updated_at"][:10]
    for since, expected in ((day, 1), ("2999-01-01", 0), (f"{day}T00:00:00", 1), ("2999-01-01T00:00:00+01:00", 0)):
        response = await client.get(f"/api/v1/feeds/{FEED}", params={"updated_since": since}, headers=h)
        assert response.status_code == 200, (since, response.text)
        assert len(response.json()["items"]) == expected, since


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"limit": "0"}, "query:limit"),
        ({"limit": "100001"}, "query:limit"),
        ({"cursor": "not-a-cursor"}, "query:cursor"),
        ({"cursor": base64.urlsafe_b64encode(b'["a","b"]').decode()}, "query:cursor"),
        ({"updated_since": "yesterday"}, "query:updated_since"),
        ({"format": "xml"}, "query:format"),
        ({"range_start": "2026-01-01"}, "query:range_start"),  # this feed has no period
        ({"rangestart": "2026-01-01"}, "query:rangestart"),
    ],
)
async def test_bad_parameters_are_a_422_naming_them(
    client: httpx.AsyncClient, auth: TokenFactory, params: dict[str, str], where: str
) -> None:
    response = await client.get(f"/api/v1/feeds/{FEED}", params=params, headers=auth())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert where in [error["pointer"] for error in response.json()["errors"]]
