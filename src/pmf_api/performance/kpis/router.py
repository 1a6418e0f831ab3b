"""Routes for KPIs and contextual outcome measures."""

from __future__ import annotations

from fastapi import APIRouter

from pmf_api.access.record_routes import add_crud_routes
from pmf_api.performance.kpis import schemas
from pmf_api.performance.kpis import service as kpi_service

router = APIRouter(tags=["KPIs"])
add_crud_routes(
    router,
    spec=kpi_service.kpis,
    path="/kpis",
    read_model=schemas.Kpi,
    create_model=schemas.KpiCreate,
    update_model=schemas.KpiUpdate,
    list_params=schemas.KpiList,
    create=kpi_service.create_kpi,
    fast_read=True,
)
add_crud_routes(
    router,
    spec=kpi_service.contextual_measures,
    path="/contextual-measures",
    read_model=schemas.ContextualMeasure,
    create_model=schemas.ContextualMeasureCreate,
    update_model=schemas.ContextualMeasureUpdate,
    list_params=schemas.ContextualMeasureList,
    fast_read=True,
)
