"""One name for one thing across the spec (issue 9, point 7).

* A schema never carries both ``x`` and ``x_id``: a reference is ``<x>_id`` in records and views
  alike, and a view that needs the name adds ``<x>_name`` beside it. (An enum ``x`` saying what
  kind of record ``x_id`` names, as an API key's ``scope``, is not a second name for it.)
* A view about a KPI in a period says ``kpi_id``/``kpi_code``/``kpi_title`` (the KPI record says
  ``id``/``code``/``title``).
* Due dates have one meaning each: ``due_on`` is the collection due date, ``missing_from`` the day
  a value not in counts as Missing, ``due_date`` an action's or milestone's own date; all are
  dates. ``due`` is only ever a count (tasks of status ``due``), never a date or a boolean.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from pmf_api.cli import openapi_document

KPI_VIEWS = {"KpiStatusItem", "Task", "NotEvaluatedKpi"}
DATES = {"due_on", "missing_from", "due_date"}


@pytest.fixture(scope="module")
def schemas() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = json.loads(openapi_document())["components"]["schemas"]
    return found


def _types(prop: dict[str, Any]) -> set[str]:
    """The JSON types a property allows, ``anyOf`` (nullable) included; ``$ref`` counts as object."""
    if "$ref" in prop:
        return {"object"}
    if "anyOf" in prop:
        return set().union(*(_types(each) for each in prop["anyOf"]))
    kind = prop.get("type")
    return {f"{kind}:{prop['format']}" if "format" in prop else kind} if kind else set()


def _properties(schemas: dict[str, dict[str, Any]]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for name, schema in schemas.items():
        for field, prop in schema.get("properties", {}).items():
            yield name, field, prop


def _is_kind(prop: dict[str, Any], schemas: dict[str, dict[str, Any]]) -> bool:
    """An enum: says what kind of record ``x_id`` names (an API key's ``scope`` and ``scope_id``)."""
    ref = prop.get("$ref")
    return ref is not None and "enum" in schemas[ref.rsplit("/", 1)[1]]


def test_no_schema_has_both_x_and_x_id(schemas: dict[str, dict[str, Any]]) -> None:
    both = sorted(
        f"{name}.{field}"
        for name, field, prop in _properties(schemas)
        if f"{field}_id" in schemas[name]["properties"] and not _is_kind(prop, schemas)
    )
    assert both == []


def test_a_view_about_a_kpi_names_it_kpi_code_and_kpi_title(schemas: dict[str, dict[str, Any]]) -> None:
    for name in KPI_VIEWS:
        properties = schemas[name]["properties"]
        assert {"kpi_id", "kpi_code", "kpi_title"} <= set(properties), name
        assert not {"code", "title"} & set(properties), name


def test_due_like_fields_have_one_meaning(schemas: dict[str, dict[str, Any]]) -> None:
    seen: dict[str, set[str]] = {}
    for name, field, prop in _properties(schemas):
        if field in DATES or field == "due":
            seen.setdefault(field, set()).update(_types(prop) - {"null"})
        if "boolean" in _types(prop):
            assert "due" not in field.split("_"), f"{name}.{field}: a boolean named like a date"
    assert seen["due"] == {"integer"}, "due is only a count of tasks of status due"
    for field in DATES:
        assert seen[field] == {"string:date"}, field
    assert {"due_on", "missing_from"} <= set(schemas["Completeness"]["properties"])
    assert "due_on" in schemas["Task"]["properties"]
