"""Imports every model so that ``Base.metadata`` is complete (Alembic and tests use it)."""

from pmf_api.access.keys import ApiKey
from pmf_api.assurance.notifications.models import (
    EmailDigest,
    NotificationPreference,
    WebhookDelivery,
    WebhookSubscription,
)
from pmf_api.assurance.risks.models import Risk, RiskLink, RiskReview
from pmf_api.assurance.scrutiny.models import ScrutinyChallenge, ScrutinyQuestion
from pmf_api.framework.action_updates.models import ActionUpdate
from pmf_api.framework.actions.models import Action
from pmf_api.framework.objectives.models import Objective
from pmf_api.framework.organisations.models import Directorate, Organisation, Person, Portfolio, Service
from pmf_api.framework.plans.models import CorporatePlan, Outcome, Priority, ServicePlan, ServicePlanReview
from pmf_api.performance.benchmarks.models import BenchmarkPosition, BenchmarkValue, ComparatorGroup, MetricMapping
from pmf_api.performance.bulk.models import IdempotencyRecord
from pmf_api.performance.contextual_values.models import ContextualValue
from pmf_api.performance.data_quality.models import DataQualityReview, DataQualityTemplate
from pmf_api.performance.finance.models import BudgetMonitoring, ComplaintCount
from pmf_api.performance.interventions.models import Intervention, InterventionProgress
from pmf_api.performance.kpis.models import ContextualMeasure, Kpi
from pmf_api.performance.period_closes.models import PeriodClose, Restatement
from pmf_api.performance.submissions.models import PublishedValue, Submission, SubmissionMessage
from pmf_api.performance.targets.models import Target, TargetRevision
from pmf_api.platform.audit import AuditEntry
from pmf_api.platform.db.base import Base
from pmf_api.platform.events import OutboxEvent
from pmf_api.publishing.feeds.models import FeedKpiDigest, FeedKpiValue
from pmf_api.reporting.jobs.models import ReportJob
from pmf_api.reporting.snapshots.models import ReportSnapshot

__all__ = [
    "Action",
    "ActionUpdate",
    "ApiKey",
    "AuditEntry",
    "Base",
    "BenchmarkPosition",
    "BenchmarkValue",
    "BudgetMonitoring",
    "ComparatorGroup",
    "ComplaintCount",
    "ContextualMeasure",
    "ContextualValue",
    "CorporatePlan",
    "DataQualityReview",
    "DataQualityTemplate",
    "Directorate",
    "EmailDigest",
    "FeedKpiDigest",
    "FeedKpiValue",
    "IdempotencyRecord",
    "Intervention",
    "InterventionProgress",
    "Kpi",
    "MetricMapping",
    "NotificationPreference",
    "Objective",
    "Organisation",
    "OutboxEvent",
    "Outcome",
    "PeriodClose",
    "Person",
    "Portfolio",
    "Priority",
    "PublishedValue",
    "ReportJob",
    "ReportSnapshot",
    "Restatement",
    "Risk",
    "RiskLink",
    "RiskReview",
    "ScrutinyChallenge",
    "ScrutinyQuestion",
    "Service",
    "ServicePlan",
    "ServicePlanReview",
    "Submission",
    "SubmissionMessage",
    "Target",
    "TargetRevision",
    "WebhookDelivery",
    "WebhookSubscription",
]
