"""The server does what the spec says (issue #8, item 15), walked over every operation of the spec."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from pmf_api.cli import openapi_document
from tests.api.builders import post, structure
from tests.api.conftest import TokenFactory

SPEC: dict[str, Any] = json.loads(openapi_document())
METHODS = ("get", "head", "post", "put", "patch", "delete")


def _url(path: str) -> str:
    return (
        path.replace("{period}", "2025/26 P6").replace("{kpi_id}", str(uuid.uuid4())).replace("{id}", str(uuid.uuid4()))
    )


WITH_BODY = [
    (method, path)
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
    if method in METHODS and "requestBody" in operation
]


@pytest.mark.parametrize(("method", "path"), WITH_BODY)
async def test_a_malformed_body_is_400(client: httpx.AsyncClient, auth: TokenFactory, method: str, path: str) -> None:
    r = await client.request(
        method.upper(),
        _url(path),
        content=b'{"name": "Waste", ',
        headers={**auth(), "Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/malformed-request") and "not valid JSON" in r.json()["detail"]


@pytest.mark.parametrize("path", [p for p in SPEC["paths"] if p.startswith("/api/")])
async def test_a_405_allows_every_method_of_the_path(client: httpx.AsyncClient, auth: TokenFactory, path: str) -> None:
    documented = sorted(m.upper() for m in SPEC["paths"][path] if m in METHODS)
    unsupported = next(m for m in ("DELETE", "PUT", "PATCH", "POST") if m not in documented)
    r = await client.request(unsupported, _url(path), headers=auth())
    assert r.status_code == 405, r.text
    assert sorted(m.strip() for m in r.headers["Allow"].split(",")) == documented


@pytest.mark.parametrize(
    ("path", "params", "pointer"),
    [
        ("/api/v1/collection/tasks", {"period": "2025/26 P6", "as_of": "0"}, "query:as_of"),
        ("/api/v1/collection/periods", {"as_of": "1700000000"}, "query:as_of"),
        ("/api/v1/kpis", {"updated_since": "0"}, "query:updated_since"),
        ("/api/v1/audit", {"since": "0"}, "query:since"),
        ("/api/v1/submissions", {"period": "2025/26 P13"}, "query:period"),
        ("/api/v1/submissions", {"financial_year": "2025/27"}, "query:financial_year"),
        ("/api/v1/scorecard", {"period": "last month"}, "query:period"),
    ],
)
async def test_parameters_outside_the_spec_are_refused(
    client: httpx.AsyncClient, auth: TokenFactory, path: str, params: dict[str, str], pointer: str
) -> None:
    r = await client.get(path, params=params, headers=auth())
    assert r.status_code == 422, r.text
    assert [e["pointer"] for e in r.json()["errors"]] == [pointer]


async def test_dates_and_times_as_iso_text_are_read(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    r = await client.get(
        "/api/v1/collection/tasks", params={"period": "2025/26 P6", "as_of": "2026-10-05"}, headers=auth()
    )
    assert r.status_code == 200 and r.json()["as_of"] == "2026-10-05"
    r = await client.get("/api/v1/kpis", params={"updated_since": "2026-10-05T09:00:00Z"}, headers=auth())
    assert r.status_code == 200


async def test_null_in_a_patch_body_clears_a_field_that_may_be_empty(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth()
    s = await structure(client, h)
    person = await post(client, "/api/v1/people", {"name": "Dee Director", "email": "dee@example.gov.uk"}, h)
    directorate = f"/api/v1/directorates/{s.directorate_id}"
    etag = (await client.patch(directorate, json={"director_id": person["id"]}, headers=h)).headers["ETag"]
    r = await client.patch(directorate, json={"director_id": None}, headers={**h, "If-Match": etag})
    assert r.status_code == 200 and r.json()["director_id"] is None
    r = await client.patch(directorate, json={"name": None}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/name"


@pytest.mark.parametrize(
    ("value", "status"), [("999999999999999999.999999", 201), (0.000001, 201), (1e18, 422), ("0.0000001", 422)]
)
async def test_numbers_within_the_documented_limits_are_read(
    client: httpx.AsyncClient, auth: TokenFactory, value: Any, status: int
) -> None:
    h = auth()
    s = await structure(client, h)
    body = {
        "code": "X" + uuid.uuid4().hex[:6],
        "title": "Tonnes",
        "unit": "count",
        "polarity": "higher_is_better",
        "aggregation": "sum",
        "service_id": s.service_id,
        "expected_max": value,
    }
    r = await client.post("/api/v1/kpis", json=body, headers=h)
    assert r.status_code == status, r.text
