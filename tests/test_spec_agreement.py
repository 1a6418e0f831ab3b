"""The spec and the server agree (issue #8, item 15): what the OpenAPI document allows, the server accepts.

These walk the generated spec, operation by operation, so a new route or field is held to the same
rules: a pattern on every period and financial-year string; `null` in a PATCH body only where the
server accepts it; numbers with their limits of digits and decimal places; 400 documented for a
malformed body and 409 for a refused transition. The behaviour behind each rule is checked through
HTTP in tests/api/test_spec_agreement_http.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.routing import APIRoute
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.api import API_PREFIX, FEATURE_ROUTERS
from pmf_api.cli import openapi_document
from pmf_api.domain import DomainError, FinancialYear, Period
from pmf_api.platform.schemas import FINANCIAL_YEAR_PATTERN, PERIOD_PATTERN, UpdateModel

METHODS = ("get", "head", "post", "put", "patch", "delete")
PERIOD_NAMES = re.compile(r"^(period|effective_from)$")
YEAR_NAMES = re.compile(r"^financial_year$")


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(openapi_document())
    return document


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _branches(spec: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives a value may take (``anyOf`` / ``oneOf``), each resolved."""
    schema = _resolve(spec, schema)
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if not alternatives:
        return [schema]
    return [branch for alternative in alternatives for branch in _branches(spec, alternative)]


def _properties(spec: dict[str, Any], schema: dict[str, Any], seen: set[int]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (name, schema) of a request body, nested objects and arrays included."""
    for branch in _branches(spec, schema):
        if id(branch) in seen:
            continue
        seen.add(id(branch))
        for name, prop in branch.get("properties", {}).items():
            yield name, prop
            yield from _properties(spec, prop, seen)
        if "items" in branch:
            yield from _properties(spec, branch["items"], seen)


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def _inputs(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(operation, name, schema) of every parameter and request-body field."""
    for where, operation in _operations(spec):
        for parameter in operation.get("parameters", []):
            yield where, parameter["name"], parameter["schema"]
        for content in operation.get("requestBody", {}).get("content", {}).values():
            for name, prop in _properties(spec, content.get("schema", {}), set()):
                yield where, name, prop


def test_every_period_and_financial_year_has_a_pattern(spec: dict[str, Any]) -> None:
    problems = []
    found = 0
    for where, name, schema in _inputs(spec):
        expected = (
            PERIOD_PATTERN if PERIOD_NAMES.match(name) else FINANCIAL_YEAR_PATTERN if YEAR_NAMES.match(name) else None
        )
        if expected is None:
            continue
        for branch in _branches(spec, schema):
            if branch.get("type") == "string":
                found += 1
                if branch.get("pattern") != expected:
                    problems.append(f"{where}: {name} has pattern {branch.get('pattern', 'none')!r:.40}")
    assert found >= 15, "the walk found the period and year fields"
    assert problems == []


def _parses(parse: Any, text: str) -> bool:
    try:
        parse(text)
    except DomainError:
        return False
    return True


@given(st.from_regex(PERIOD_PATTERN))
def test_every_period_the_pattern_allows_the_server_reads(text: str) -> None:
    assert str(Period.parse(text)) == text.rstrip("\n")


@given(st.from_regex(FINANCIAL_YEAR_PATTERN))
def test_every_year_the_pattern_allows_the_server_reads(text: str) -> None:
    assert str(FinancialYear.parse(text)) == text.rstrip("\n")


@given(
    st.integers(1800, 10050),
    st.integers(0, 99),
    st.sampled_from(["", " P", " Q", " p", "  P", " M"]),
    st.integers(0, 14),
)
def test_the_patterns_refuse_what_the_server_refuses(start: int, end: int, prefix: str, index: int) -> None:
    year = f"{start:04d}/{end:02d}"
    period = year + (f"{prefix}{index}" if prefix else "")
    for pattern, parse, text in (
        (FINANCIAL_YEAR_PATTERN, FinancialYear.parse, year),
        (PERIOD_PATTERN, Period.parse, period),
    ):
        if re.fullmatch(pattern, text):
            assert _parses(parse, text), text
        elif _parses(parse, text):
            # The server reads a few looser spellings (p6, two spaces); the spec names the canonical one.
            assert str(parse(text)) != text


def test_patterns_cover_the_edges() -> None:
    for year in ("1900/01", "1999/00", "2025/26", "2099/00", "9998/99"):
        assert re.fullmatch(FINANCIAL_YEAR_PATTERN, year), year
    for year in ("1899/00", "2025/27", "9999/00", "2025", "25/26", "2025/26 "):
        assert not re.fullmatch(FINANCIAL_YEAR_PATTERN, year), year
    for period in ("2025/26 P1", "2025/26 P12", "2025/26 Q4", "2025/26"):
        assert re.fullmatch(PERIOD_PATTERN, period), period
    for period in ("2025/26 P0", "2025/26 P13", "2025/26 Q5", "2025/26 P01", "2025/27 P1", "2025/26P1"):
        assert not re.fullmatch(PERIOD_PATTERN, period), period


def _patch_bodies() -> Iterator[tuple[str, type[UpdateModel]]]:
    for router in FEATURE_ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute) and "PATCH" in route.methods and route.body_field is not None:
                model = route.body_field.field_info.annotation
                assert isinstance(model, type) and issubclass(model, UpdateModel), route.path
                yield API_PREFIX + route.path, model


def test_null_in_a_patch_body_is_allowed_exactly_where_the_server_accepts_it(spec: dict[str, Any]) -> None:
    problems = []
    checked = 0
    for path, model in _patch_bodies():
        body = spec["paths"][path]["patch"]["requestBody"]["content"]["application/json"]["schema"]
        for name, prop in _resolve(spec, body)["properties"].items():
            checked += 1
            spec_allows_null = any(b.get("type") == "null" for b in _branches(spec, prop))
            if spec_allows_null != (name in model.nullable):
                problems.append(
                    f"PATCH {path}: {name} null in spec {spec_allows_null}, accepted {name in model.nullable}"
                )
            if not spec_allows_null and prop.get("default", "absent") is None:
                problems.append(f"PATCH {path}: {name} defaults to null but refuses it")
    assert checked > 30
    assert problems == []


def test_numbers_state_their_digits_and_decimal_places(spec: dict[str, Any]) -> None:
    problems = []
    found = 0
    for where, name, schema in _inputs(spec):
        branches = _branches(spec, schema)
        for branch in branches:
            if branch.get("type") != "number":
                continue
            found += 1
            limits = {k: branch.get(k) for k in ("multipleOf", "exclusiveMinimum", "exclusiveMaximum")}
            if limits != {"multipleOf": 0.000001, "exclusiveMinimum": -(10**18), "exclusiveMaximum": 10**18}:
                problems.append(f"{where}: {name} number limits {limits}")
            text = [b for b in branches if b.get("type") == "string"]
            if [b.get("pattern") for b in text] != [r"^-?[0-9]{1,18}(\.[0-9]{1,6})?$"]:
                problems.append(f"{where}: {name} decimal text pattern {[b.get('pattern') for b in text]}")
    assert found >= 20
    assert problems == []


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("999999999999999999.999999", True),
        ("-999999999999999999.999999", True),
        ("0.000001", True),
        ("1000000000000000000", False),
        ("0.0000001", False),
        ("1.1234567", False),
    ],
)
def test_the_number_limits_are_the_servers(text: str, accepted: bool) -> None:
    from pydantic import TypeAdapter, ValidationError

    from pmf_api.platform.schemas import Number

    pattern = r"^-?[0-9]{1,18}(\.[0-9]{1,6})?$"
    assert bool(re.fullmatch(pattern, text)) is accepted
    assert (-(10**18) < Decimal(text) < 10**18 and Decimal(text) % Decimal("0.000001") == 0) is accepted
    try:
        TypeAdapter(Number).validate_python(text)
    except ValidationError:
        assert not accepted
    else:
        assert accepted


def test_a_malformed_body_is_documented_as_400(spec: dict[str, Any]) -> None:
    missing = [
        where
        for where, operation in _operations(spec)
        if "requestBody" in operation
        and "application/problem+json" not in operation["responses"].get("400", {}).get("content", {})
    ]
    assert missing == []


def test_a_refused_transition_is_documented_as_409(spec: dict[str, Any]) -> None:
    transitions = [(where, op) for where, op in _operations(spec) if where.endswith("/transition")]
    assert len(transitions) >= 3
    assert [where for where, op in transitions if "409" not in op["responses"]] == []
