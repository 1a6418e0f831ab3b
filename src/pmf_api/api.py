"""All routes under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter

from pmf_api.access.api_keys.router import router as apikeys_router
from pmf_api.assurance.audit.router import router as audit_router
from pmf_api.framework.actions.router import router as actions_router
from pmf_api.framework.organisations.router import router as organisations_router
from pmf_api.framework.plans.router import router as plans_router
from pmf_api.performance.bulk.router import router as bulk_router
from pmf_api.performance.collection.router import router as collection_router
from pmf_api.performance.kpis.router import router as kpis_router
from pmf_api.performance.status.router import router as status_router
from pmf_api.performance.submissions.router import router as submissions_router
from pmf_api.performance.targets.router import router as targets_router

API_PREFIX = "/api/v1"

# Each feature router is included straight into the app under the prefix: FastAPI matches a nested
# router's whole subtree at every level, so one level fewer halves the routes each request tries.
FEATURE_ROUTERS: tuple[APIRouter, ...] = (
    organisations_router,
    plans_router,
    actions_router,
    kpis_router,
    targets_router,
    submissions_router,
    collection_router,
    status_router,
    audit_router,
    bulk_router,
    apikeys_router,
)
