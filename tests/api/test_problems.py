"""Problem types and pointers (issue #9, point 6): one title per type, from the registry, listed in
docs/problems.md and by ``GET /problems``; every ``errors`` entry points at its input by the one
convention (``#/body/field``, ``query:name``, ``path:name``, ``header:Name``)."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.exceptions import HTTPException as StarletteHTTPException

from pmf_api.domain.workflow import Role
from pmf_api.main import create_app
from pmf_api.platform.http import problems
from pmf_api.platform.http.problem_types import GENERIC_TYPES, PROBLEM_TYPES, markdown_table
from tests.api.builders import kpi_body, post, structure
from tests.api.conftest import TokenFactory
from tests.conftest import Backend

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "pmf_api"
# problem_response(request, "slug", ...): the slug is the call's second argument
_SENT = re.compile(r"problem_response\(\s*(?:[\w.]+(?:\([^()]*\))?)\s*,\s*\"([a-z-]+)\"")


def _sent_slugs() -> set[str]:
    """Every problem type the code can send: named in a call, a service error's or a status's type."""
    named = {slug for path in SOURCE.rglob("*.py") for slug in _SENT.findall(path.read_text())}
    return named | set(problems._TYPES.values()) | {kind.slug for kind in GENERIC_TYPES.values()}


def test_every_type_the_service_sends_is_in_the_registry_with_one_title() -> None:
    sent = _sent_slugs()
    assert {"invalid-input", "bulk-rejected", "too-many-requests", "request-timeout", "four-eyes"} <= sent
    assert sent - PROBLEM_TYPES.keys() == set()
    assert PROBLEM_TYPES.keys() - sent == set(), "a registered type nothing sends"
    for slug, kind in PROBLEM_TYPES.items():
        assert kind.slug == slug and kind.title and kind.meaning and kind.action
        assert 400 <= kind.status < 600
    # One title per type; and two types never share one, so a title alone says which it is.
    titles = [kind.title for kind in PROBLEM_TYPES.values()]
    assert len(set(titles)) == len(titles)
    # Nobody writes a title of their own: problem_response takes the type, the registry the rest.
    for path in SOURCE.rglob("*.py"):
        for title in ("The request breaks a rule", "Request failed"):
            assert title not in path.read_text(), path


def test_one_generic_type_per_status() -> None:
    generic = [kind.status for kind in PROBLEM_TYPES.values() if kind.generic]
    assert len(generic) == len(set(generic))
    assert {400, 401, 403, 404, 405, 408, 409, 412, 413, 422, 429, 500} <= set(generic)


def test_docs_page_lists_every_type_from_the_registry() -> None:
    page = (ROOT / "docs" / "problems.md").read_text()
    assert markdown_table() in page, (
        "docs/problems.md's table is not the registry's: run "
        "`.venv/bin/python -m pmf_api.platform.http.problem_types docs/problems.md`"
    )
    for slug in PROBLEM_TYPES:
        assert f"`{slug}`" in page
    for example in ("#/tolerance/value", "#/rows/", "query:period", "path:kpi_id", "header:If-Match", "about:blank"):
        assert example in page


@pytest.mark.parametrize(
    ("parts", "pointer"),
    [
        ((), "#"),
        (("swot", "risks"), "#/swot/risks"),
        (("rows", 3, "value"), "#/rows/3/value"),
        (("a/b~c",), "#/a~1b~0c"),
    ],
)
def test_json_pointers_escape_as_rfc_6901_says(parts: tuple[object, ...], pointer: str) -> None:
    assert problems.json_pointer(parts) == pointer


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("if_match", "If-Match"),
        ("idempotency-key", "Idempotency-Key"),
        ("x-api-key", "X-API-Key"),
        ("If-Match", "If-Match"),
    ],
)
def test_header_pointers_name_the_header_as_http_spells_it(name: str, canonical: str) -> None:
    assert problems.parameter_pointer("header", name) == f"header:{canonical}"


# --- Titles on the wire ------------------------------------------------------------------------


def _is_registered(r: httpx.Response, slug: str) -> dict[str, Any]:
    assert r.headers["content-type"] == "application/problem+json", r.text
    problem: dict[str, Any] = r.json()
    kind = PROBLEM_TYPES[slug]
    assert problem["type"] == f"https://pmf-api.org/problems/{slug}", problem
    assert (r.status_code, problem["status"], problem["title"]) == (kind.status, kind.status, kind.title), problem
    return problem


async def test_each_kind_of_error_carries_its_types_registered_title(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth()
    s = await structure(client, h)
    # Validation by the schema and a rule of the service were two titles of one type: now one.
    _is_registered(await client.post("/api/v1/directorates", json={"code": "D"}, headers=h), "invalid-input")
    duplicate_owner = kpi_body(s, backup_owner_id=s.owner_id)
    _is_registered(await client.post("/api/v1/kpis", json=duplicate_owner, headers=h), "invalid-input")
    _is_registered(await client.get("/api/v1/kpis", params={"cursor": "not-ours"}, headers=h), "invalid-input")
    bad_json = {**h, "Content-Type": "application/json"}
    _is_registered(await client.post("/api/v1/directorates", content="{", headers=bad_json), "malformed-request")
    _is_registered(await client.get("/api/v1/kpis"), "unauthenticated")
    _is_registered(await client.get("/api/v1/audit", headers=auth(Role.VIEWER)), "forbidden")
    _is_registered(await client.get(f"/api/v1/kpis/{uuid.uuid4()}", headers=h), "not-found")
    _is_registered(await client.get("/api/v1/nothing-here", headers=h), "not-found")
    _is_registered(await client.delete("/api/v1/kpis", headers=h), "method-not-allowed")
    kpi = await post(client, "/api/v1/kpis", kpi_body(s), h)
    _is_registered(await client.post("/api/v1/kpis", json=kpi_body(s, code=kpi["code"]), headers=h), "conflict")
    stale = {**h, "If-Match": '"00000000-99"'}
    _is_registered(
        await client.patch(f"/api/v1/kpis/{kpi['id']}", json={"title": "T"}, headers=stale), "precondition-failed"
    )
    too_large = {**h, "Content-Type": "application/json"}
    body = '{"name": "' + "x" * 1_100_000 + '"}'
    _is_registered(await client.post("/api/v1/directorates", content=body, headers=too_large), "payload-too-large")


async def test_starlettes_own_errors_get_their_statuses_types(backend: Backend) -> None:
    """Errors raised as HTTP statuses (by Starlette, FastAPI or a dependency) take the status's type,
    or ``about:blank`` titled by the status when it has none (RFC 9457, section 4.2.1)."""
    app = create_app(backend.settings)

    @app.get("/raise/{status}")
    async def raise_status(status: int) -> None:
        raise StarletteHTTPException(status, detail="raised")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        for status in (400, 401, 403, 404, 405, 409, 413, 422, 429):
            _is_registered(await client.get(f"/raise/{status}"), GENERIC_TYPES[status].slug)
        teapot = await client.get("/raise/418")
        unnamed = await client.get("/raise/499")
    assert teapot.status_code == 418
    assert (teapot.json()["type"], teapot.json()["title"]) == ("about:blank", "I'm a Teapot")
    assert (unnamed.status_code, unnamed.json()["type"], unnamed.json()["title"]) == (499, "about:blank", "Error")


# --- GET /problems -------------------------------------------------------------------------------


async def test_the_problem_types_are_served_without_authentication(client: httpx.AsyncClient) -> None:
    listed = await client.get("/problems")
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert {item["slug"] for item in items} == PROBLEM_TYPES.keys() and listed.json()["next_cursor"] is None
    for item in items:
        kind = PROBLEM_TYPES[item["slug"]]
        assert item == {
            "type": f"https://pmf-api.org/problems/{kind.slug}",
            "slug": kind.slug,
            "status": kind.status,
            "title": kind.title,
            "meaning": kind.meaning,
            "action": kind.action,
        }
    one = await client.get("/problems/invalid-input")
    assert one.status_code == 200 and one.json()["title"] == PROBLEM_TYPES["invalid-input"].title
    _is_registered(await client.get("/problems/no-such-type"), "not-found")

    pages, cursor = [], None
    while True:
        page = await client.get("/problems", params={"limit": 5, **({"cursor": cursor} if cursor else {})})
        pages.append([item["slug"] for item in page.json()["items"]])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            assert "Link" not in page.headers
            break
        assert page.headers["Link"].endswith('rel="next"')
    assert [slug for page_slugs in pages for slug in page_slugs] == [item["slug"] for item in items]
    refused = await client.get("/problems", params={"cursor": "nonsense"})
    assert [e["pointer"] for e in _is_registered(refused, "invalid-input")["errors"]] == ["query:cursor"]


def test_the_spec_says_where_the_types_are_listed() -> None:
    spec = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    assert "docs/problems.md" in spec["info"]["description"] and "GET /problems" in spec["info"]["description"]
    for path in ("/problems", "/problems/{slug}"):
        operation = spec["paths"][path]["get"]
        assert operation["tags"] == ["Problems"] and "security" not in operation
    assert spec["paths"]["/problems/{slug}"]["get"]["operationId"] == "getProblemType"


# --- Pointers -------------------------------------------------------------------------------------


def _pointers(r: httpx.Response, status: int = 422) -> list[str]:
    assert r.status_code == status, r.text
    return [e["pointer"] for e in r.json()["errors"]]


async def test_a_bad_query_parameter_is_pointed_at_as_query(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    assert _pointers(await client.get("/api/v1/scorecard", params={"period": "2099/00 P1"}, headers=h)) == [
        "query:period"
    ]  # refused by the service's rule (not ended yet), not the schema
    assert _pointers(await client.get("/api/v1/scorecard", params={"period": "last month"}, headers=h)) == [
        "query:period"
    ]
    assert _pointers(await client.get("/api/v1/kpis", params={"cursor": "not-ours"}, headers=h)) == ["query:cursor"]
    assert _pointers(await client.get("/api/v1/kpis", params={"limit": 0}, headers=h)) == ["query:limit"]


async def test_a_bad_path_parameter_is_pointed_at_as_path(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    assert _pointers(await client.get("/api/v1/kpis/not-a-uuid", headers=h)) == ["path:id"]  # /kpis/{id}
    r = await client.get("/api/v1/kpis/not-a-uuid/submissions/2025/26 P6", headers=h)
    assert _pointers(r) == ["path:kpi_id"]
    s = await structure(client, h)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s), h)
    future = f"/api/v1/kpis/{kpi['id']}/submissions/2099/00 P1"
    assert _pointers(await client.put(future, json={"numerator": 1, "denominator": 2}, headers=h)) == ["path:period"]


async def test_bad_headers_are_pointed_at_by_their_names(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    empty_key = {**h, "Idempotency-Key": ""}
    r = await client.post("/api/v1/submissions/bulk", json={"rows": []}, headers=empty_key)
    assert _pointers(r) == ["header:Idempotency-Key"]
    r = await client.post("/api/v1/submissions/bulk", content=b"rows", headers={**h, "Content-Type": "image/png"})
    assert _pointers(r) == ["header:Content-Type"]

    created = await post(client, "/api/v1/directorates", {"code": "D", "name": "Place"}, h)
    path = f"/api/v1/directorates/{created['id']}"
    for if_match in ("banana", '"00000000-1"'):  # not an ETag; an ETag of no version of this record
        r = await client.patch(path, json={"name": "E"}, headers={**h, "If-Match": if_match})
        assert _pointers(r, 412) == ["header:If-Match"]
        _is_registered(r, "precondition-failed")
    current = (await client.get(path, headers=h)).headers["ETag"]
    assert (await client.patch(path, json={"name": "E"}, headers={**h, "If-Match": current})).status_code == 200
    r = await client.patch(path, json={"name": "F"}, headers={**h, "If-Match": current})  # stale now
    assert _pointers(r, 412) == ["header:If-Match"]


async def test_body_fields_are_pointed_at_by_json_pointer(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    h = auth()
    s = await structure(client, h)
    plan = {"service_id": s.service_id, "financial_year": "2025/26", "swot": {"strengths": ["x"], "risks": []}}
    assert _pointers(await client.post("/api/v1/service-plans", json=plan, headers=h)) == ["#/swot/risks"]
    assert _pointers(await client.post("/api/v1/kpis", json=kpi_body(s, backup_owner_id=s.owner_id), headers=h)) == [
        "#/backup_owner_id"
    ]
    r = await client.post("/api/v1/submissions/bulk", json={"rows": [], "mood": "good"}, headers=h)
    assert _pointers(r) == ["#/mood"]
