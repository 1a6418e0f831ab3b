"""The OData v4 service through HTTP, on both databases, with real credentials: every $filter
operator and function, $select, $orderby, $top, $skip, $count, server-driven paging, OData's own
errors, 501 for what is not served, 405 for writes, and the read rule (another council's KPIs
never appear, whatever the query)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from pmf_api.domain.workflow import Role
from pmf_api.publishing.odata.filters import MAX_FILTER_LENGTH
from pmf_api.publishing.odata.query import MAX_SKIP
from tests.api.builders import Structure, kpi_body, post, structure
from tests.api.conftest import Org, TokenFactory, deploy

ROOT = "/api/v1/odata"
KPIS = f"{ROOT}/Kpis"


@dataclass
class Council:
    h: dict[str, str]
    s: Structure
    ids: dict[str, str]  # code -> kpi_id


@pytest.fixture
async def council(client: httpx.AsyncClient, auth: TokenFactory, other_org: Org) -> Council:
    """Four KPIs of ours (one archived) and one of another council's."""
    h = auth()
    s = await structure(client, h)
    ids: dict[str, str] = {}
    bodies: list[dict[str, Any]] = [
        kpi_body(s, code="K01", title="Household waste recycled", statutory=True, expected_max="70.25"),
        kpi_body(
            s,
            code="K02",
            title="Bins 100%_missed",
            unit="count",
            aggregation="sum",
            decimal_places=0,
            expected_max="9.5",
        ),
        kpi_body(
            s,
            code="K03",
            title="Rent collected",
            service_id=s.other_service_id,
            owner_id=None,
            backup_owner_id=None,
            decimal_places=2,
            expected_max="100",
        ),
        kpi_body(s, code="K04", title="Old measure", frequency="quarterly", decimal_places=0),
    ]
    for body in bodies:
        ids[body["code"]] = (await post(client, "/api/v1/kpis", body, h))["id"]
    archived = await client.post(f"/api/v1/kpis/{ids['K04']}/archive", headers=h)
    assert archived.status_code == 200, archived.text
    theirs = auth(organisation=other_org)
    their_structure = await structure(client, theirs)
    await post(client, "/api/v1/kpis", kpi_body(their_structure, code="SOUTH1", title="Household waste"), theirs)
    return Council(h, s, ids)


async def codes(client: httpx.AsyncClient, h: dict[str, str], **params: str) -> list[str]:
    r = await client.get(KPIS, params=params, headers=h)
    assert r.status_code == 200, r.text
    return [row["code"] for row in r.json()["value"]]


def odata_error(r: httpx.Response, status: int, target: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["OData-Version"] == "4.0"
    assert r.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = r.json()["error"]
    assert error["code"] and error["message"]
    if target is not None:
        assert error["target"] == target, error
    return error


# --- Credentials, service document, entity set --------------------------------------------------


async def test_every_odata_read_needs_credentials(client: httpx.AsyncClient) -> None:
    for path in (ROOT, f"{ROOT}/$metadata", KPIS, f"{KPIS}/$count"):
        r = await client.get(path)
        assert r.status_code == 401, path
        assert r.headers["WWW-Authenticate"].startswith("Bearer")  # Power BI asks for a credential on it


async def test_service_document_lists_each_feed_as_an_entity_set(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    r = await client.get(ROOT, headers=auth(Role.VIEWER))
    assert r.status_code == 200
    assert r.headers["OData-Version"] == "4.0"
    assert r.headers["content-type"].startswith("application/json;odata.metadata=minimal")
    body = r.json()
    assert body["@odata.context"] == f"{ROOT}/$metadata"
    assert {"name": "Kpis", "kind": "EntitySet", "url": "Kpis", "title": "KPIs"} in body["value"]


async def test_entity_set_reads_our_kpis_by_key_with_every_property(
    client: httpx.AsyncClient, council: Council
) -> None:
    r = await client.get(KPIS, headers=council.h)
    assert r.status_code == 200, r.text
    assert r.headers["OData-Version"] == "4.0"
    body = r.json()
    assert body["@odata.context"] == f"{ROOT}/$metadata#Kpis"
    assert "@odata.nextLink" not in body and "@odata.count" not in body
    rows = body["value"]
    assert sorted(row["code"] for row in rows) == ["K01", "K02", "K03", "K04"]  # never SOUTH1
    assert [row["kpi_id"] for row in rows] == sorted(row["kpi_id"] for row in rows)  # by key
    k01 = next(row for row in rows if row["code"] == "K01")
    s = council.s
    assert k01 == {
        "kpi_id": council.ids["K01"],
        "code": "K01",
        "title": "Household waste recycled",
        "service_id": s.service_id,
        "service_name": "Waste",
        "directorate_id": s.directorate_id,
        "directorate_name": "Place",
        "portfolio_id": s.portfolio_id,
        "portfolio_name": "Environment",
        "unit": "percentage",
        "polarity": "higher_is_better",
        "frequency": "monthly",
        "statutory": True,
        "decimal_places": 1,
        "expected_min": None,
        "expected_max": 70.25,
        "owner_id": s.owner_id,
        "owner_name": "Ola Owner",
        "status": "active",
        "updated_at": k01["updated_at"],
    }
    assert k01["updated_at"].endswith("Z")
    k03 = next(row for row in rows if row["code"] == "K03")
    assert (k03["service_name"], k03["portfolio_id"], k03["owner_name"]) == ("Planning", None, None)
    assert next(row for row in rows if row["code"] == "K04")["status"] == "archived"


async def test_an_api_key_reads_the_entity_set_as_its_council(client: httpx.AsyncClient, council: Council) -> None:
    created = await post(client, "/api/v1/api-keys", {"name": "Power BI", "role": "viewer"}, council.h)
    assert await codes(client, {"X-API-Key": created["key"]}, **{"$orderby": "code"}) == ["K01", "K02", "K03", "K04"]


async def test_another_councils_kpis_never_appear(
    client: httpx.AsyncClient, council: Council, auth: TokenFactory, other_org: Org
) -> None:
    for params in (
        {"$filter": "code eq 'SOUTH1'"},
        {"$filter": "contains(title,'Household')"},
        {"$filter": "code eq 'SOUTH1' or code ne 'SOUTH1'", "$orderby": "code"},
    ):
        found = await codes(client, council.h, **params)
        assert "SOUTH1" not in found
    r = await client.get(f"{KPIS}/$count", params={"$filter": "code eq 'SOUTH1'"}, headers=council.h)
    assert r.text == "0"
    theirs = auth(Role.VIEWER, organisation=other_org)
    assert await codes(client, theirs) == ["SOUTH1"]
    r = await client.get(KPIS, params={"$filter": f"kpi_id eq {council.ids['K01']}"}, headers=theirs)
    assert r.json()["value"] == []


# --- $filter -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("code eq 'K02'", ["K02"]),
        ("code ne 'K02'", ["K01", "K03", "K04"]),
        ("decimal_places gt 1", ["K03"]),
        ("decimal_places ge 1", ["K01", "K03"]),
        ("decimal_places lt 1", ["K02", "K04"]),
        ("decimal_places le 1", ["K01", "K02", "K04"]),
        ("1 lt decimal_places", ["K03"]),  # a literal on the left reads the other way round
        ("expected_max gt 10", ["K01", "K03"]),  # a number, not text ('9.5' > '10' as text)
        ("expected_max lt 70.25", ["K02"]),
        ("expected_max eq 100", ["K03"]),
        ("expected_max eq null", ["K04"]),
        ("owner_id ne null", ["K01", "K02", "K04"]),
        ("statutory eq true", ["K01"]),
        ("statutory", ["K01"]),
        ("not statutory", ["K02", "K03", "K04"]),
        ("frequency eq 'monthly' and decimal_places eq 1", ["K01"]),
        ("code eq 'K01' or code eq 'K03'", ["K01", "K03"]),
        ("not (code eq 'K01' or code eq 'K03')", ["K02", "K04"]),
        ("status eq 'archived'", ["K04"]),
        ("code in ('K02','K04')", ["K02", "K04"]),
        ("decimal_places in (2, 3000000000)", ["K03"]),
        ("expected_max in (9.5, 100)", ["K02", "K03"]),
        ("contains(title,'collected')", ["K03"]),
        ("contains(title,'COLLECTED')", []),  # case-sensitive on both databases, as OData's contains
        ("contains(title,'%')", ["K02"]),  # a LIKE wildcard is only itself
        ("contains(title,'_')", ["K02"]),
        ("contains(title,'0%_m')", ["K02"]),
        ("contains(title,'')", ["K01", "K02", "K03", "K04"]),
        ("startswith(title,'Rent')", ["K03"]),
        ("startswith(code,'K0')", ["K01", "K02", "K03", "K04"]),
        ("startswith(title,'%')", []),
        ("endswith(title,'recycled')", ["K01"]),
        ("endswith(title,'a much longer text than any name')", []),
        ("updated_at gt 2000-01-01T00:00:00Z", ["K01", "K02", "K03", "K04"]),
        ("updated_at lt 2000-01-01", []),
        ("service_name eq 'Planning' and not contains(title,'x')", ["K03"]),
    ],
)
async def test_filter_operators_and_functions(
    client: httpx.AsyncClient, council: Council, expression: str, expected: list[str]
) -> None:
    assert await codes(client, council.h, **{"$filter": expression, "$orderby": "code"}) == expected


async def test_long_chains_of_one_operator_are_not_nesting(client: httpx.AsyncClient, council: Council) -> None:
    # Power BI folds a filter on a list of values into one "or" after another.
    chain = " or ".join(f"code eq 'X{n:03d}'" for n in range(300)) + " or code eq 'K02'"
    assert await codes(client, council.h, **{"$filter": chain}) == ["K02"]
    assert await codes(client, council.h, **{"$filter": "(((((statutory)))))"}) == ["K01"]


async def test_filter_by_guid_key_and_by_text_guid(client: httpx.AsyncClient, council: Council) -> None:
    kpi_id = council.ids["K03"]
    assert await codes(client, council.h, **{"$filter": f"kpi_id eq {kpi_id}"}) == ["K03"]
    assert await codes(client, council.h, **{"$filter": f"kpi_id eq '{kpi_id}'"}) == ["K03"]
    assert await codes(client, council.h, **{"$filter": f"service_id eq {council.s.other_service_id}"}) == ["K03"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("decimal_places lt 3000000000", ["K01", "K02", "K03", "K04"]),  # past int32, inside int64
        ("decimal_places gt -9223372036854775808", ["K01", "K02", "K03", "K04"]),
        ("expected_max lt 999999999999999999", ["K01", "K02", "K03"]),
        ("expected_max gt -0.000001", ["K01", "K02", "K03"]),
        ("title eq 'It''s'", []),
        ("title ne 'Café ☕'", ["K01", "K02", "K03", "K04"]),
        (
            "updated_at gt 1900-01-01T00:00:00Z and updated_at lt 9999-12-31T23:59:59.999999Z",
            ["K01", "K02", "K03", "K04"],
        ),
        (
            "updated_at gt 2026-06-01T12:00:00+14:00 or updated_at le 2026-06-01T12:00:00-12:00",
            ["K01", "K02", "K03", "K04"],
        ),
    ],
)
async def test_edge_literals_reach_both_databases(
    client: httpx.AsyncClient, council: Council, expression: str, expected: list[str]
) -> None:
    assert await codes(client, council.h, **{"$filter": expression, "$orderby": "code"}) == expected


async def test_the_largest_skip_is_an_empty_page(client: httpx.AsyncClient, council: Council) -> None:
    assert await codes(client, council.h, **{"$skip": str(MAX_SKIP)}) == []
    odata_error(await client.get(KPIS, params={"$skip": str(MAX_SKIP + 1)}, headers=council.h), 400, "$skip")
    r = await client.get(KPIS, params={"$skip": str(MAX_SKIP - 5), "$skiptoken": "1000"}, headers=council.h)
    odata_error(r, 400, "$skiptoken")


# --- $select, $orderby, $top, $skip, $count -----------------------------------------------------


async def test_select_gives_only_the_chosen_properties(client: httpx.AsyncClient, council: Council) -> None:
    r = await client.get(KPIS, params={"$select": "title, code", "$orderby": "code", "$top": "1"}, headers=council.h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["@odata.context"] == f"{ROOT}/$metadata#Kpis(code,title)"
    assert body["value"] == [{"code": "K01", "title": "Household waste recycled"}]
    r = await client.get(KPIS, params={"$select": "*", "$top": "1"}, headers=council.h)
    assert len(r.json()["value"][0]) == 20
    odata_error(await client.get(KPIS, params={"$select": "code,colour"}, headers=council.h), 400, "$select")


async def test_orderby_one_or_more_properties_either_way(client: httpx.AsyncClient, council: Council) -> None:
    assert await codes(client, council.h, **{"$orderby": "code desc"}) == ["K04", "K03", "K02", "K01"]
    assert await codes(client, council.h, **{"$orderby": "decimal_places desc,code asc"}) == [
        "K03",
        "K01",
        "K02",
        "K04",
    ]
    # A decimal sorts as a number on SQLite too (where it is stored as text).
    ordered = await codes(client, council.h, **{"$orderby": "expected_max", "$filter": "expected_max ne null"})
    assert ordered == ["K02", "K01", "K03"]
    # Nulls first ascending, last descending (OData's rule), on both databases.
    assert await codes(client, council.h, **{"$orderby": "expected_max"}) == ["K04", "K02", "K01", "K03"]
    assert await codes(client, council.h, **{"$orderby": "expected_max desc"}) == ["K03", "K01", "K02", "K04"]
    odata_error(await client.get(KPIS, params={"$orderby": "colour"}, headers=council.h), 400, "$orderby")
    odata_error(await client.get(KPIS, params={"$orderby": "code sideways"}, headers=council.h), 400, "$orderby")


async def test_top_skip_and_count(client: httpx.AsyncClient, council: Council) -> None:
    params = {"$orderby": "code", "$top": "2", "$skip": "1", "$count": "true"}
    r = await client.get(KPIS, params=params, headers=council.h)
    body = r.json()
    assert [row["code"] for row in body["value"]] == ["K02", "K03"]
    assert body["@odata.count"] == 4  # the whole filtered set, not the page
    assert "@odata.nextLink" not in body  # $top is met: nothing more to page
    params = {"$filter": "decimal_places ge 1", "$count": "true", "$top": "0"}
    body = (await client.get(KPIS, params=params, headers=council.h)).json()
    assert (body["value"], body["@odata.count"]) == ([], 2)
    assert await codes(client, council.h, **{"$skip": "10"}) == []
    r = await client.get(f"{KPIS}/$count", params={"$filter": "statutory eq false", "$top": "1"}, headers=council.h)
    assert (r.status_code, r.text) == (200, "3")
    assert r.headers["content-type"].startswith("text/plain")
    assert (await client.get(f"{KPIS}/$count", headers=council.h)).text == "4"


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("$top", "100001"),
        ("$top", "1000000"),
        ("$top", "-1"),
        ("$top", "ten"),
        ("$skip", "-5"),
        ("$skip", "99999999999999999999"),
        ("$skip", str(2**63 - 1)),
        ("$count", "yes"),
        ("$skiptoken", "abc"),
    ],
)
async def test_bad_paging_options_are_400(
    client: httpx.AsyncClient, auth: TokenFactory, option: str, value: str
) -> None:
    odata_error(await client.get(KPIS, params={option: value}, headers=auth()), 400, option)


# --- Server-driven paging --------------------------------------------------------------------------


async def test_paging_walks_every_row_once_by_next_links(client: httpx.AsyncClient, council: Council) -> None:
    for n in range(5, 12):
        await post(client, "/api/v1/kpis", kpi_body(council.s, code=f"K{n:02d}"), council.h)
    expected = [f"K{n:02d}" for n in range(1, 12)]
    headers = {**council.h, "Prefer": "odata.maxpagesize=3"}
    url: str | None = f"{KPIS}?$orderby=code&$count=true"
    seen: list[str] = []
    pages = 0
    while url:
        r = await client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        assert r.headers["Preference-Applied"] == "odata.maxpagesize=3"
        body = r.json()
        assert body["@odata.count"] == 11
        assert len(body["value"]) <= 3
        seen += [row["code"] for row in body["value"]]
        url = body.get("@odata.nextLink")
        assert url is None or url.startswith(f"{KPIS}?")  # relative: no PMF_PUBLIC_BASE_URL here
        pages += 1
    assert (seen, pages) == (expected, 4)
    # $top and $skip hold across pages: rows 3..8 of the order, two at a time.
    headers = {**council.h, "Prefer": "odata.maxpagesize=2"}
    url = f"{KPIS}?$orderby=code desc&$skip=2&$top=5"
    seen = []
    while url:
        body = (await client.get(url, headers=headers)).json()
        seen += [row["code"] for row in body["value"]]
        url = body.get("@odata.nextLink")
    assert seen == list(reversed(expected))[2:7]


async def test_page_size_is_clamped_and_defaults_to_a_thousand(client: httpx.AsyncClient, council: Council) -> None:
    r = await client.get(KPIS, headers={**council.h, "Prefer": "odata.maxpagesize=50000"})
    assert r.headers["Preference-Applied"] == "odata.maxpagesize=1000"
    r = await client.get(KPIS, headers={**council.h, "Prefer": "odata.maxpagesize=0"})
    assert r.headers["Preference-Applied"] == "odata.maxpagesize=1"
    assert len(r.json()["value"]) == 1 and "$skiptoken=1" in r.json()["@odata.nextLink"]


async def test_next_link_is_absolute_from_the_public_base_url(deployed_url: str) -> None:
    async with deploy(deployed_url, public_base_url="https://pmf.example.gov.uk") as app:
        s = await structure(app.client, app.h)
        for code in ("A1", "A2"):
            await post(app.client, "/api/v1/kpis", kpi_body(s, code=code), app.h)
        r = await app.client.get(
            KPIS,
            params={"$orderby": "code"},
            headers={**app.h, "Prefer": "odata.maxpagesize=1", "Host": "evil.example"},
        )
        body = r.json()
        assert body["@odata.context"] == f"https://pmf.example.gov.uk{ROOT}/$metadata#Kpis"
        link = body["@odata.nextLink"]
        assert link == f"https://pmf.example.gov.uk{KPIS}?$orderby=code&$skiptoken=1"
        r = await app.client.get(link.removeprefix("https://pmf.example.gov.uk"), headers=app.h)
        assert [row["code"] for row in r.json()["value"]] == ["A2"]


# --- Errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "code eq",  # not OData
        "code = 'K01'",
        "SELECT * FROM kpi",
        "code eq 'K01",  # an unclosed string
        "colour eq 'red'",  # no such property
        "Kpi.code eq 'K01'",
        "owner/name eq 'Ola'",  # no navigation properties
        "code eq 1",  # a number for a string
        "decimal_places eq 'one'",
        "decimal_places gt 9223372036854775808",  # past int64
        "expected_max gt 1e400",
        "statutory gt true",
        "kpi_id eq 'not-a-guid'",
        "updated_at gt 'yesterday'",
        "code gt null",
        "'K01' eq 'K01'",  # no property at all
        "code",  # a string property is not a condition
        "contains(code)",
        "contains(decimal_places,'1')",
        "contains(code,title)",
        "",
        "x" * (MAX_FILTER_LENGTH + 1),
        "not " * 300 + "statutory",  # nested too deep
        "not (statutory or " * 100 + "statutory" + ")" * 100,
    ],
)
async def test_bad_filters_are_odata_400s(client: httpx.AsyncClient, auth: TokenFactory, expression: str) -> None:
    odata_error(await client.get(KPIS, params={"$filter": expression}, headers=auth()), 400, "$filter")


async def test_unknown_options_duplicates_and_sets(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    odata_error(await client.get(f"{KPIS}?$top=1&$top=2", headers=h), 400, "$top")
    odata_error(await client.get(KPIS, params={"$colour": "red"}, headers=h), 400, "$colour")
    odata_error(await client.get(KPIS, params={"$format": "csv"}, headers=h), 400, "$format")
    odata_error(await client.get(f"{ROOT}/Nothing", headers=h), 404, "Nothing")
    odata_error(await client.get(f"{ROOT}/Nothing/$count", headers=h), 404, "Nothing")
    # A custom option (no $) is ignored, as OData asks; $format=json is what the service answers anyway.
    assert (await client.get(KPIS, params={"refresh": "1", "$format": "json"}, headers=h)).status_code == 200


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (KPIS, {"$expand": "owner"}),
        (KPIS, {"$apply": "groupby((service))"}),
        (KPIS, {"$search": "waste"}),
        (KPIS, {"$compute": "decimal_places add 1 as more"}),
        (KPIS, {"$format": "xml"}),
        (KPIS, {"$format": "application/atom+xml"}),
        (KPIS, {"$filter": "tags/any(t: t eq 'x')"}),
        (KPIS, {"$filter": "tags/all(t: t eq 'x')"}),
        (KPIS, {"$filter": "decimal_places add 1 eq 2"}),
        (KPIS, {"$filter": "tolower(code) eq 'k01'"}),
        (KPIS, {"$filter": "length(code) eq 3"}),
        (f"{KPIS}({uuid.UUID(int=1)})", {}),
        (f"{KPIS}('K01')", {}),
        (f"{KPIS}/code", {}),
        (f"{ROOT}/$batch", {}),
        (f"{ROOT}/$metadata", {"$format": "json"}),
    ],
)
async def test_what_is_not_served_is_501(
    client: httpx.AsyncClient, auth: TokenFactory, path: str, params: dict[str, str]
) -> None:
    error = odata_error(await client.get(path, params=params, headers=auth()), 501)
    assert error["code"] == "NotImplemented"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", [ROOT, KPIS, f"{KPIS}('K01')", f"{KPIS}/$count"])
async def test_writes_are_405_allowing_get(
    client: httpx.AsyncClient, auth: TokenFactory, method: str, path: str
) -> None:
    r = await client.request(method, path, json={"code": "K99"}, headers=auth())
    odata_error(r, 405)
    assert r.headers["Allow"] == "GET"


async def test_batch_is_501_when_posted(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    odata_error(await client.post(f"{ROOT}/$batch", content=b"--batch\r\n", headers=auth()), 501)


async def test_odata_routes_stay_out_of_the_openapi_spec(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["paths"] and not [path for path in spec["paths"] if "odata" in path]


LITERALS = (
    "'K01'",
    "''",
    "1",
    "-1",
    "9223372036854775807",
    "1.5",
    "-0.000001",
    "true",
    "null",
    "2026-04-01",
    "2026-04-01T00:00:00Z",
    "2026-04-01T00:00:00.123+05:30",
    str(uuid.UUID(int=7)),
    f"'{uuid.UUID(int=7)}'",
)


async def test_every_property_operator_and_literal_is_an_answer_or_a_400(
    client: httpx.AsyncClient, council: Council
) -> None:
    """Never a 500: each property against each operator and each kind of literal (and itself).

    Each expression is translated (a 400 is an ``ODataError`` before any SQL); those that translate
    go to the database together, one request a property (an "or" of them all), on both databases.
    """
    from pmf_api.publishing.feeds.catalogue import FEEDS
    from pmf_api.publishing.odata.errors import ODataError
    from pmf_api.publishing.odata.filters import translate_filter

    feed = FEEDS["kpis"]
    columns = feed.statement().subquery("feed").c
    accepted = refused = 0
    for column in feed.columns:
        expressions = [
            f"{column.name} {op} {value}" for op in ("eq", "ne", "gt", "ge", "lt", "le") for value in LITERALS
        ]
        expressions += [f"{column.name} in ({value}, {value})" for value in LITERALS]
        expressions += [f"{column.name} eq {column.name}", f"contains({column.name},'1')", column.name]
        valid = []
        for expression in expressions:
            try:
                translate_filter(feed, expression, columns)
            except ODataError:
                refused += 1
            else:
                valid.append(f"({expression})")
        accepted += len(valid)
        together = " or ".join(valid)
        r = await client.get(KPIS, params={"$filter": together, "$orderby": column.name}, headers=council.h)
        assert r.status_code == 200, (together, r.text)
    assert accepted > 300 and refused > 300
