"""The kpi-values feed through HTTP: one row per KPI per period, as the KPI's status says, for Power BI
(seed 001_ec6bae7b38cacc6f.txt, C.2.3)."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from pmf_api.domain.workflow import Role
from pmf_api.performance.kpis.repository import KpiRepository
from pmf_api.platform.db.repository import OwnedRepository
from pmf_api.publishing.feeds import kpi_values
from tests.api.builders import structure
from tests.api.conftest import Org, TokenFactory
from tests.api.test_status import YEAR, _kpi, _one_person_team, _recycling, _status, _validated  # noqa: F401

URL = "/api/v1/feeds/kpi-values"


async def _rows(client: httpx.AsyncClient, h: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await client.get(URL, params=params, headers=h)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] is None
    items: list[dict[str, Any]] = body["items"]
    return items


async def test_one_row_per_period_as_the_status_says(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    kpi = await _recycling(client, h, s)

    rows = await _rows(client, h)

    assert len(rows) == 36 and {row["kpi_id"] for row in rows} == {kpi["id"]}
    assert [row["period_start"] for row in rows] == sorted(row["period_start"] for row in rows)
    by_period = {row["period"]: row for row in rows}
    p3 = by_period[f"{YEAR} P3"]
    status = await _status(client, h, kpi["id"], f"{YEAR} P3")
    assert (p3["period_start"], p3["period_end"], p3["financial_year"]) == ("2025-06-01", "2025-06-30", YEAR)
    assert (p3["value"], p3["value_display"], p3["target"], p3["intervention_level"]) == (40, "40.0", 50, 45)
    assert (p3["rag"], p3["rag_basis"], p3["ytd_rag"]) == ("red", "period", "amber")
    assert p3["ytd_value"] == status["ytd_value"] and p3["ytd_target"] == status["ytd_target"]
    assert p3["direction"] == status["direction_against_previous"] == "worsening"
    assert p3["direction_against_last_year"] == "not_comparable"
    assert p3["forecast_outturn"] == status["forecast"]["outturn"]
    assert p3["forecast_rag"] == status["forecast_rag"]
    assert (p3["spc_variation"], p3["spc_assurance"]) == (status["variation"], status["assurance"])
    assert (p3["submission_state"], p3["value_state"]) == ("validated", "counted")
    assert by_period[f"{YEAR} P1"]["commentary"] == "Good" and p3["commentary"] is None
    names = (p3["kpi_code"], p3["service_name"], p3["directorate_name"], p3["portfolio_name"], p3["owner_name"])
    assert names == (kpi["code"], "Waste", "Place", "Environment", "Ola Owner")
    assert p3["service_id"] == s.service_id and p3["directorate_id"] == s.directorate_id
    # A month with a target and no value is Missing (long due); one of a year without a target is not rated.
    p4 = by_period[f"{YEAR} P4"]
    assert (p4["value"], p4["value_display"], p4["rag"], p4["value_state"]) == (None, None, "missing", "missing")
    assert (by_period["2026/27 P1"]["rag"], by_period["2026/27 P1"]["target"]) == (None, None)


async def test_a_quarterly_kpi_has_a_row_per_quarter(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    await _kpi(client, h, s, frequency="quarterly")
    rows = await _rows(client, h)
    assert len(rows) == 12 and all(" Q" in row["period"] for row in rows)
    assert rows[0]["period_end"] < rows[-1]["period_end"] and rows[-1]["frequency"] == "quarterly"


async def test_the_period_end_range_and_a_range_backwards(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(also=(Role.DIRECTOR,))
    await _recycling(client, h, await structure(client, h))
    rows = await _rows(client, h, range_start="2025-05-01", range_end="2025-06-30")
    assert [row["period"] for row in rows] == [f"{YEAR} P2", f"{YEAR} P3"]
    backwards = await client.get(URL, params={"range_start": "2025-07-01", "range_end": "2025-06-30"}, headers=h)
    assert backwards.status_code == 422
    assert backwards.headers["content-type"].startswith("application/problem+json")
    problem = backwards.json()
    assert problem["errors"][0]["pointer"] == "query:range_start"
    assert "2025-07-01" in problem["detail"] and "after range_end" in problem["detail"]


async def test_updated_at_moves_only_for_rows_whose_content_changed(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth(also=(Role.DIRECTOR,))
    kpi = await _recycling(client, h, await structure(client, h))
    before = {row["period"]: row for row in await _rows(client, h)}
    assert before == {row["period"]: row for row in await _rows(client, h)}  # a second read changes nothing

    await _validated(client, h, kpi["id"], f"{YEAR} P4", {"numerator": 70, "denominator": 100, "commentary": "Up"})

    after = {row["period"]: row for row in await _rows(client, h)}
    assert after[f"{YEAR} P4"]["value"] == 70 and after[f"{YEAR} P4"]["commentary"] == "Up"
    assert after[f"{YEAR} P4"]["updated_at"] > before[f"{YEAR} P4"]["updated_at"]
    for unchanged in (f"{YEAR} P1", f"{YEAR} P2", f"{YEAR} P3", "2024/25 P12"):
        assert after[unchanged] == before[unchanged], unchanged
    since = await _rows(client, h, updated_since=after[f"{YEAR} P4"]["updated_at"])
    periods = {row["period"] for row in since}
    assert f"{YEAR} P4" in periods and not periods & {f"{YEAR} P1", f"{YEAR} P3"}


async def test_csv_gives_the_same_cells_and_pages_follow(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(also=(Role.DIRECTOR,))
    await _recycling(client, h, await structure(client, h))
    json_rows = await _rows(client, h)
    seen: list[list[str]] = []
    url: str | None = f"{URL}?format=csv&limit=10"
    while url:
        response = await client.get(url, headers=h)
        assert response.status_code == 200, response.text
        header, *lines = list(csv.reader(io.StringIO(response.text)))
        seen += lines
        link = response.headers.get("link")
        url = None if link is None else link[1 : link.index(">")]
    assert len(seen) == 36
    p3 = dict(zip(header, seen[[row["period"] for row in json_rows].index(f"{YEAR} P3")], strict=True))
    assert (p3["value"], p3["value_display"], p3["rag"], p3["target"]) == ("40", "40.0", "red", "50")
    assert p3["commentary"] == "" and p3["period_end"] == "2025-06-30"


async def test_another_council_reads_none_of_the_rows(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    h = auth(also=(Role.DIRECTOR,))
    await _recycling(client, h, await structure(client, h))
    assert len(await _rows(client, auth(Role.VIEWER))) == 36
    assert await _rows(client, auth(Role.VIEWER, organisation=other_org)) == []


async def test_a_renamed_service_is_renamed_in_every_row(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    await _recycling(client, h, s)
    assert {row["service_name"] for row in await _rows(client, h)} == {"Waste"}
    service = await client.get(f"/api/v1/services/{s.service_id}", headers=h)
    renamed = await client.patch(
        f"/api/v1/services/{s.service_id}",
        json={"name": "=Waste and Recycling"},
        headers={**h, "If-Match": service.headers["etag"]},
    )
    assert renamed.status_code == 200, renamed.text
    rows = await _rows(client, h)
    assert {row["service_name"] for row in rows} == {"=Waste and Recycling"}
    csv_rows = list(csv.DictReader(io.StringIO((await client.get(URL, params={"format": "csv"}, headers=h)).text)))
    assert {row["service_name"] for row in csv_rows} == {"'=Waste and Recycling"}


async def test_a_negative_figure_stays_a_number_in_csv(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    kpi = await _kpi(client, h, s, title="-Net change", unit="number", aggregation="sum", polarity="higher_is_better")
    await _validated(client, h, kpi["id"], f"{YEAR} P1", {"value": -5.5})
    response = await client.get(URL, params={"format": "csv", "range_end": "2025-04-30"}, headers=h)
    assert response.status_code == 200, response.text
    rows = [row for row in csv.DictReader(io.StringIO(response.text)) if row["period"] == f"{YEAR} P1"]
    assert [(row["value"], row["value_display"], row["kpi_title"]) for row in rows] == [
        ("-5.5", "-5.5", "'-Net change")
    ]


def test_the_rows_follow_the_kpis_read_rule_if_it_narrows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Today KPIs are read council-wide, so the council's rows are the readable ones; were KPIs given
    a row-level rule, the feed would read its rows through it."""
    assert "kpi.organisation_id" not in str(kpi_values._statement())
    narrower = classmethod(lambda cls: OwnedRepository.read_rule.__func__(cls))  # type: ignore[attr-defined]
    monkeypatch.setattr(KpiRepository, "read_rule", narrower)
    assert "feed_kpi_value.kpi_id IN (SELECT kpi.id" in str(kpi_values._statement())
