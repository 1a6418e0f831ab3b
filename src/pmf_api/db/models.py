"""Imports every model so that ``Base.metadata`` is complete (Alembic and tests use it)."""

from pmf_api.actions.models import Action
from pmf_api.apikeys.models import ApiKey
from pmf_api.audit.models import AuditEntry
from pmf_api.bulk.models import IdempotencyRecord
from pmf_api.db.base import Base
from pmf_api.kpis.models import ContextualMeasure, Kpi
from pmf_api.organisations.models import Directorate, Organisation, Person, Portfolio, Service
from pmf_api.plans.models import CorporatePlan, Outcome, Priority, ServicePlan
from pmf_api.submissions.models import PublishedValue, Submission, SubmissionMessage
from pmf_api.targets.models import Target, TargetRevision

__all__ = [
    "Action",
    "ApiKey",
    "AuditEntry",
    "Base",
    "ContextualMeasure",
    "CorporatePlan",
    "Directorate",
    "IdempotencyRecord",
    "Kpi",
    "Organisation",
    "Outcome",
    "Person",
    "Portfolio",
    "Priority",
    "PublishedValue",
    "Service",
    "ServicePlan",
    "Submission",
    "SubmissionMessage",
    "Target",
    "TargetRevision",
]
