"""Imports every model so that ``Base.metadata`` is complete (Alembic and tests use it)."""

from pmf_api.access.keys import ApiKey
from pmf_api.assurance.notifications.models import (
    EmailDigest,
    NotificationPreference,
    WebhookDelivery,
    WebhookSubscription,
)
from pmf_api.assurance.scrutiny.models import ScrutinyChallenge, ScrutinyQuestion
from pmf_api.framework.actions.models import Action
from pmf_api.framework.organisations.models import Directorate, Organisation, Person, Portfolio, Service
from pmf_api.framework.plans.models import CorporatePlan, Outcome, Priority, ServicePlan
from pmf_api.performance.bulk.models import IdempotencyRecord
from pmf_api.performance.data_quality.models import DataQualityReview, DataQualityTemplate
from pmf_api.performance.interventions.models import Intervention, InterventionProgress
from pmf_api.performance.kpis.models import ContextualMeasure, Kpi
from pmf_api.performance.submissions.models import PublishedValue, Submission, SubmissionMessage
from pmf_api.performance.targets.models import Target, TargetRevision
from pmf_api.platform.audit import AuditEntry
from pmf_api.platform.db.base import Base
from pmf_api.platform.events import OutboxEvent

__all__ = [
    "Action",
    "ApiKey",
    "AuditEntry",
    "Base",
    "ContextualMeasure",
    "CorporatePlan",
    "DataQualityReview",
    "DataQualityTemplate",
    "Directorate",
    "EmailDigest",
    "IdempotencyRecord",
    "Intervention",
    "InterventionProgress",
    "Kpi",
    "NotificationPreference",
    "Organisation",
    "OutboxEvent",
    "Outcome",
    "Person",
    "Portfolio",
    "Priority",
    "PublishedValue",
    "ScrutinyChallenge",
    "ScrutinyQuestion",
    "Service",
    "ServicePlan",
    "Submission",
    "SubmissionMessage",
    "Target",
    "TargetRevision",
    "WebhookDelivery",
    "WebhookSubscription",
]
