"""Record feeds of assurance: the risk register and the intervention forms of KPIs off target, as
flat rows for Power BI, with names beside ids; each read through its repository's read rule (see
``records``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from pmf_api.assurance.risks.repository import RiskRepository
from pmf_api.framework.organisations.repository import DirectorateRepository, PersonRepository, ServiceRepository
from pmf_api.performance.interventions.repository import InterventionRepository
from pmf_api.publishing.feeds.definitions import Feed, register
from pmf_api.publishing.feeds.records import DT, INT, B, D, N, S, U, column, select_columns

Risk = RiskRepository.model
Intervention = InterventionRepository.model
Person = PersonRepository.model
Service = ServiceRepository.model
Directorate = DirectorateRepository.model

# ---- risks ---------------------------------------------------------------------------------------

RISK_COLUMNS = (
    column("risk_id", U, "The risk's id", False),
    column("code", S, "The risk's code", False),
    column("title", S, "The risk", False),
    column("register", S, "strategic or operational", False),
    column("category", S, "Its category"),
    column("status", S, "open or closed", False),
    column("owner_id", U, "The person who owns it", False),
    column("owner_name", S, "The owner's name", False),
    column("service_name", S, "The service it belongs to (an operational risk)"),
    column("directorate_name", S, "The directorate it belongs to"),
    column("inherent_score", INT, "Likelihood times impact before controls", False),
    column("residual_likelihood", INT, "Likelihood after controls, 1 to 5", False),
    column("residual_impact", INT, "Impact after controls, 1 to 5", False),
    column("residual_score", INT, "Likelihood times impact after controls", False),
    column("residual_rag", S, "The residual score's RAG", False),
    column("target_score", INT, "The score the council aims for"),
    column("trend", S, "up, down or unchanged since the last review"),
    column("identified_on", D, "When it was identified", False),
    column("last_reviewed_on", D, "When it was last reviewed"),
    column("next_review_due", D, "When it is next due for review", False),
    column("escalated_on", D, "When it was escalated to a higher register"),
    column("updated_at", DT, "When the risk last changed (UTC)", False),
)


def _risks() -> Select[Any]:
    owner = Person.__table__.alias("risk_owner")
    return (
        select_columns(
            [
                Risk.id.label("risk_id"),
                Risk.code.label("code"),
                Risk.title.label("title"),
                Risk.register.label("register"),
                Risk.category.label("category"),
                Risk.status.label("status"),
                Risk.owner_id.label("owner_id"),
                owner.c.name.label("owner_name"),
                Service.name.label("service_name"),
                Directorate.name.label("directorate_name"),
                Risk.inherent_score.label("inherent_score"),
                Risk.residual_likelihood.label("residual_likelihood"),
                Risk.residual_impact.label("residual_impact"),
                Risk.residual_score.label("residual_score"),
                Risk.residual_rag.label("residual_rag"),
                Risk.target_score.label("target_score"),
                Risk.trend.label("trend"),
                Risk.identified_on.label("identified_on"),
                Risk.last_reviewed_on.label("last_reviewed_on"),
                Risk.next_review_due.label("next_review_due"),
                Risk.escalated_on.label("escalated_on"),
                Risk.updated_at.label("updated_at"),
            ]
        )
        .join(owner, owner.c.id == Risk.owner_id)
        .outerjoin(Service, Service.id == Risk.service_id)
        .outerjoin(Directorate, Directorate.id == Risk.directorate_id)
        .where(RiskRepository.read_rule())
    )


RISKS = register(
    Feed(
        name="risks",
        entity_set="Risks",
        entity_type="Risk",
        title="Risks",
        description="The risk register: each risk's owner, register, scores, RAG, trend and review dates",
        columns=RISK_COLUMNS,
        key=("risk_id",),
        build=_risks,
        params=RiskRepository.read_params,
        period_end=None,
    )
)

# ---- interventions -------------------------------------------------------------------------------

INTERVENTION_COLUMNS = (
    column("intervention_id", U, "The form's id", False),
    column("kpi_id", U, "The KPI off target", False),
    column("kpi_code", S, "The KPI's code", False),
    column("kpi_title", S, "The KPI's title", False),
    column("service_name", S, "The KPI's service", False),
    column("directorate_name", S, "The service's directorate"),
    column("period", S, "The period whose result opened it (2026/27 P6)", False),
    column("opened_on", D, "When it was opened", False),
    column("state", S, "Where the form is in its approvals (draft to approved, or closed)", False),
    column("is_open", B, "Still open", False),
    column("rag", S, "The KPI's RAG when it was opened"),
    column("actual", N, "The KPI's value when it was opened"),
    column("target", N, "Its target then"),
    column("intervention_level", N, "Its intervention level then"),
    column("kpi_holder", S, "The KPI's holder (a name)"),
    column("portfolio_holder", S, "The portfolio holder (a name)"),
    column("opened_by_name", S, "Who opened it", False),
    column("outcome", S, "How it closed"),
    column("closed_at", DT, "When it closed (UTC)"),
    column("updated_at", DT, "When the form last changed (UTC)", False),
)


def _interventions() -> Select[Any]:
    return (
        select_columns(
            [
                Intervention.id.label("intervention_id"),
                Intervention.kpi_id.label("kpi_id"),
                Intervention.kpi_code.label("kpi_code"),
                Intervention.kpi_title.label("kpi_title"),
                Service.name.label("service_name"),
                Directorate.name.label("directorate_name"),
                Intervention.period.label("period"),
                Intervention.opened_on.label("opened_on"),
                Intervention.state.label("state"),
                Intervention.is_open.label("is_open"),
                Intervention.rag.label("rag"),
                Intervention.actual.label("actual"),
                Intervention.target.label("target"),
                Intervention.intervention_level.label("intervention_level"),
                Intervention.kpi_holder.label("kpi_holder"),
                Intervention.portfolio_holder.label("portfolio_holder"),
                Intervention.opened_by_name.label("opened_by_name"),
                Intervention.outcome.label("outcome"),
                Intervention.closed_at.label("closed_at"),
                Intervention.updated_at.label("updated_at"),
            ]
        )
        .join(Service, Service.id == Intervention.service_id)
        .outerjoin(Directorate, Directorate.id == Intervention.directorate_id)
        .where(InterventionRepository.read_rule())
    )


INTERVENTIONS = register(
    Feed(
        name="interventions",
        entity_set="Interventions",
        entity_type="Intervention",
        title="Interventions",
        description="Intervention forms of KPIs off target: the KPI, its result then, the form's state and approvals",
        columns=INTERVENTION_COLUMNS,
        key=("intervention_id",),
        build=_interventions,
        params=InterventionRepository.read_params,
        period_end="opened_on",  # the form's date: a range of dates gives the forms opened in it
    )
)

__all__ = ["INTERVENTIONS", "RISKS"]
