"""The roles a person (or an API key) holds in a council, each at a scope (``pmf_api.access``)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PERFORMANCE = "performance"
    DIRECTOR = "director"
    PORTFOLIO_HOLDER = "portfolio_holder"
    SERVICE_MANAGER = "service_manager"
    KPI_OWNER = "kpi_owner"
    VIEWER = "viewer"
    AUDITOR = "auditor"
