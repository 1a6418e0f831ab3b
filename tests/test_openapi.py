"""The committed OpenAPI spec matches the code, and every operation is documented for its users."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from pmf_api.cli import openapi_document
from pmf_api.config import Settings

SPEC_PATH = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(openapi_document())
    return document


def test_committed_spec_has_not_drifted() -> None:
    assert SPEC_PATH.read_text() == openapi_document(), "openapi/openapi.json is stale: run `pmf-api openapi`"


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _schema_has_example(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    if "examples" in schema or "example" in schema:
        return True
    ref = schema.get("$ref") or (schema.get("items") or {}).get("$ref")
    if ref:
        return _schema_has_example(spec, spec["components"]["schemas"][ref.rsplit("/", 1)[1]])
    properties = schema.get("properties", {})
    return any(_schema_has_example(spec, p) for p in properties.values() if isinstance(p, dict))


def test_every_operation_is_documented(spec: dict[str, Any]) -> None:
    problems = []
    for path, method, operation in _operations(spec):
        where = f"{method.upper()} {path}"
        if not operation.get("summary"):
            problems.append(f"{where}: no summary")
        if not operation.get("tags"):
            problems.append(f"{where}: no tag")
        if not path.startswith("/api/"):
            continue
        codes = set(operation["responses"])
        # An operation that declares no security (`security: []`: the feeds' catalogue, the service
        # root, the open data) asks for no credentials, so it never answers 401 or 403.
        if operation.get("security") != [] and not {"401", "403"} <= codes:
            problems.append(f"{where}: 401/403 not documented")
        for code, response in operation["responses"].items():
            if code.startswith("4") and "application/problem+json" not in response.get("content", {}):
                problems.append(f"{where}: {code} is not documented as problem+json")
        success = next(r for c, r in operation["responses"].items() if c.startswith("2"))
        content = success.get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
        # A file (CSV, CSV on the Web metadata) gives its example beside its media type.
        shown = any("example" in media or "examples" in media for media in content.values())
        if not (shown or _schema_has_example(spec, schema) or _schema_has_example(spec, body)):
            problems.append(f"{where}: no example")
    assert problems == []


def test_security_scheme_is_bearer(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


PROBLEM_REF = "#/components/schemas/Problem"


def test_every_error_is_a_typed_problem(spec: dict[str, Any]) -> None:
    """Generated clients type an error by its media type's schema: each 4xx and 5xx is problem+json
    pointing at Problem, and nothing else (no application/json beside it)."""
    problems = []
    for path, method, operation in _operations(spec):
        for code, response in operation["responses"].items():
            if not code.startswith(("4", "5")):
                continue
            if (path, code) == (
                "/readyz",
                "503",
            ):  # the probe reports its own state (Health), as load balancers read it
                continue
            content = response.get("content", {})
            schema = content.get("application/problem+json", {}).get("schema", {})
            if schema.get("$ref") != PROBLEM_REF or set(content) != {"application/problem+json"}:
                problems.append(f"{method.upper()} {path} {code}: {content}")
    assert problems == []
    schemas = spec["components"]["schemas"]
    assert schemas["Problem"]["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/ProblemFieldError"}
    assert {"type", "title", "status", "detail", "errors"} <= set(schemas["Problem"]["required"])
    assert set(schemas["ProblemFieldError"]["required"]) == {"pointer", "detail"}


def _success_statuses(route: RouteContext) -> set[int]:
    """Every 2xx a route can answer with: its status code, those its responses list, and any its
    function sets (``response.status_code = status.HTTP_201_CREATED``)."""
    statuses = {route.status_code or 200}
    statuses |= {int(code) for code in route.responses if str(code).startswith("2")}
    source = inspect.getsource(route.endpoint)
    statuses |= {
        int(code)
        for code in re.findall(r"HTTP_(2\d\d)_|status_code\s*=\s*(?:status\.HTTP_)?(2\d\d)", source)
        for code in code
        if code
    }
    return statuses


def test_every_success_declares_its_body() -> None:
    from pmf_api.main import create_app

    app = create_app(Settings(environment="test", api_docs=True))
    spec = app.openapi()
    problems = []
    routes = [r for r in iter_route_contexts(app.routes) if isinstance(r.original_route, APIRoute)]
    assert len(routes) > 90
    for route in routes:
        if not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = spec["paths"][route.path_format][method.lower()]
            for status in _success_statuses(route) - {204, 304}:
                response = operation["responses"].get(str(status))
                if response is None or not any(c.get("schema") for c in response.get("content", {}).values()):
                    problems.append(f"{method} {route.path_format} answers {status} with an undeclared body")
    assert problems == []


def test_operation_ids_are_stable_camel_case_names(spec: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(spec)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert [i for i in ids if not re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", i) or "api" in i.lower()[:3]] == []
    expected = {
        "listKpis", "getKpi", "createKpi", "updateKpi", "archiveKpi", "restoreKpi", "saveSubmission",
        "getKpiSubmission", "transitionSubmission", "listTargets", "reviseTarget", "pushValues", "getScorecard",
        "getKpiStatus", "listCollectionTasks", "healthz", "readyz",
    }  # fmt: skip
    assert expected <= set(ids)
    assert not [i for i in ids if "api_v1" in i or "apiV1" in i]


def test_schema_names_are_plain_and_unique(spec: dict[str, Any]) -> None:
    names = list(spec["components"]["schemas"])
    assert [n for n in names if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", n)] == []
    assert "KpiPage" in names
    lowered = [n.lower() for n in names]
    assert len(lowered) == len(set(lowered))


def test_summaries_use_the_right_article(spec: dict[str, Any]) -> None:
    summaries = [operation["summary"] for _, _, operation in _operations(spec)]
    wrong = [s for s in summaries if re.search(r"\ba [aeiou]|\ban [^aeiou\W]", s, re.IGNORECASE)]
    assert wrong == []
    assert "Create an outcome" in summaries and "Read an action" in summaries and "Create a KPI" in summaries


def test_description_names_every_credential_and_the_problem_types(spec: dict[str, Any]) -> None:
    description = spec["info"]["description"]
    assert "Authorization: Bearer" in description and "X-API-Key" in description
    assert "docs/problems.md" in description


def _schema(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return _schema(spec, spec["components"]["schemas"][ref.rsplit("/", 1)[1]]) if ref else schema


def test_every_collection_is_a_page_with_limit_and_cursor(spec: dict[str, Any]) -> None:
    problems, pages = [], []
    for path, item in spec["paths"].items():
        if "get" not in item:
            continue
        operation = item["get"]
        body = _schema(
            spec, operation["responses"]["200"].get("content", {}).get("application/json", {}).get("schema", {})
        )
        if body.get("type") == "array":
            problems.append(f"GET {path}: a bare array")
        properties = {name: _schema(spec, p) for name, p in body.get("properties", {}).items()}
        if properties.get("items", {}).get("type") != "array":
            continue
        pages.append(path)
        parameters = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        if "next_cursor" not in properties:
            problems.append(f"GET {path}: items without next_cursor")
        if not {"limit", "cursor"} <= parameters:
            problems.append(f"GET {path}: no limit/cursor")
    assert problems == []
    assert {
        "/api/v1/targets/{id}/revisions",
        "/api/v1/submissions/{id}/messages",
        "/api/v1/submissions/{id}/publications",
        "/api/v1/collection/tasks",
        "/api/v1/collection/periods",
        "/api/v1/audit",
        "/api/v1/api-keys",
        "/api/v1/kpis",
        "/api/v1/scorecard",
    } <= set(pages)


def test_every_get_documents_its_etag_and_304(spec: dict[str, Any]) -> None:
    problems = []
    for path, item in spec["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        if headers.count("If-None-Match") != 1:
            problems.append(f"GET {path}: If-None-Match not documented once ({headers})")
        if "304" not in operation["responses"] or "content" in operation["responses"]["304"]:
            problems.append(f"GET {path}: no 304 without a body")
        if "ETag" not in operation["responses"]["200"].get("headers", {}):
            problems.append(f"GET {path}: its 200 does not say it carries an ETag")
    assert problems == []
