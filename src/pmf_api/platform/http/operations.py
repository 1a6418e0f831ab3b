"""How the spec names each operation: the one rule generated clients take their method names from."""

from __future__ import annotations

from fastapi.routing import APIRoute


def operation_id(route: APIRoute) -> str:
    """The route's name in camelCase: ``list_kpis`` -> ``listKpis``, ``get_kpi_status`` -> ``getKpiStatus``.

    A route's name is its function's unless the route says ``name=`` (the standard record routes
    name theirs after the record: ``create_kpi``, ``archive_corporate_plan``). Stable across
    releases: renaming a route's function renames a method in every generated client.
    """
    first, *rest = route.name.split("_")
    return first + "".join(word[:1].upper() + word[1:] for word in rest)
