"""All routes under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter

from pmf_api.access.api_keys.router import router as apikeys_router
from pmf_api.assurance.audit.router import router as audit_router
from pmf_api.assurance.interventions.router import router as interventions_router
from pmf_api.assurance.notifications.router import router as notifications_router
from pmf_api.assurance.risks.router import router as risks_router
from pmf_api.assurance.scrutiny.router import router as scrutiny_router
from pmf_api.assurance.service_plan_contents.router import router as service_plan_contents_router
from pmf_api.framework.action_updates.router import router as action_updates_router
from pmf_api.framework.actions.router import router as actions_router
from pmf_api.framework.objectives.router import router as objectives_router
from pmf_api.framework.organisations.router import routers as organisations_routers
from pmf_api.framework.plans.router import routers as plans_routers
from pmf_api.performance.annual_cycle.router import router as annual_cycle_router
from pmf_api.performance.benchmarks.router import router as benchmarks_router
from pmf_api.performance.bulk.router import router as bulk_router
from pmf_api.performance.calculations.router import router as calculations_router
from pmf_api.performance.collection.router import router as collection_router
from pmf_api.performance.contextual_values.router import router as contextual_values_router
from pmf_api.performance.data_quality.router import router as data_quality_router
from pmf_api.performance.finance.router import router as finance_router
from pmf_api.performance.kpis.router import router as kpis_router
from pmf_api.performance.period_closes.router import router as period_closes_router
from pmf_api.performance.status.router import router as status_router
from pmf_api.performance.submissions.router import router as submissions_router
from pmf_api.performance.targets.router import router as targets_router
from pmf_api.publishing.feeds.router import router as feeds_router
from pmf_api.publishing.odata.router import router as odata_router
from pmf_api.publishing.open_data.router import page_router as open_data_page_router
from pmf_api.publishing.open_data.router import router as open_data_router
from pmf_api.publishing.service_root import router as service_root_router
from pmf_api.reporting.jobs.router import router as report_jobs_router
from pmf_api.reporting.snapshots.router import router as snapshots_router

API_PREFIX = "/api/v1"

# Every router is included straight into the app under the prefix, none nested in another: FastAPI
# matches a nested router's whole subtree at every level. One router per tag; paths are written whole.
FEATURE_ROUTERS: tuple[APIRouter, ...] = (
    *organisations_routers,
    *plans_routers,
    actions_router,
    action_updates_router,
    objectives_router,
    kpis_router,
    contextual_values_router,
    benchmarks_router,
    targets_router,
    data_quality_router,
    calculations_router,
    annual_cycle_router,
    submissions_router,
    collection_router,
    period_closes_router,
    status_router,
    finance_router,
    interventions_router,
    service_plan_contents_router,
    risks_router,
    scrutiny_router,
    snapshots_router,
    audit_router,
    bulk_router,
    apikeys_router,
    notifications_router,
    report_jobs_router,
    feeds_router,
    service_root_router,  # "" under the prefix: /api/v1 itself
    odata_router,
    open_data_router,
)

# Routers outside the prefix: pages for people.
PAGE_ROUTERS: tuple[APIRouter, ...] = (open_data_page_router,)
# The open data, public without credentials, has a rate limit of its own (PMF_OPEN_DATA_RATE_LIMIT).
OPEN_DATA_PATHS = (f"{API_PREFIX}/open-data", "/open-data")
