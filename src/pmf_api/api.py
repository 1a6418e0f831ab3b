"""All routes under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter

from pmf_api.actions.router import router as actions_router
from pmf_api.audit.router import router as audit_router
from pmf_api.kpis.router import router as kpis_router
from pmf_api.organisations.router import router as organisations_router
from pmf_api.plans.router import router as plans_router
from pmf_api.submissions.router import router as submissions_router
from pmf_api.targets.router import router as targets_router

api_router = APIRouter(prefix="/api/v1")
for feature_router in (
    organisations_router,
    plans_router,
    actions_router,
    kpis_router,
    targets_router,
    submissions_router,
    audit_router,
):
    api_router.include_router(feature_router)
