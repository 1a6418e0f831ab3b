"""Use cases of the risk register: record a risk, change it, review it on its cycle, escalate it to the
strategic register, and list them (seeds 003_2a403038ecab8362.txt and 004_d92670c30a2dff9f.txt).

Scores are checked against the council's own matrix (``OrganisationSettings.risk``), so a score outside
it is a 422 at its field; every record a risk links to must be this council's. The residual score moves
only through a review, which keeps the history; escalation keeps it too and records who, when and why.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor, Placement
from pmf_api.access.policy import Resource, require_read, require_write
from pmf_api.access.records import guard_unique
from pmf_api.assurance.risks.models import Risk, RiskReview
from pmf_api.assurance.risks.repository import RiskRepository, RiskReviewRepository
from pmf_api.domain.rag import Rag
from pmf_api.domain.risk import (
    RiskConfig,
    RiskRegister,
    assess_risk,
    next_risk_review,
    review_date_problems,
    risk_trend,
    score_problems,
    target_score_problems,
)
from pmf_api.framework.actions.repository import ActionRepository
from pmf_api.framework.organisations.repository import (
    DirectorateRepository,
    PersonRepository,
    ServiceRepository,
    placement_of_service,
)
from pmf_api.framework.organisations.service import get_organisation, settings_of
from pmf_api.framework.plans.repository import OutcomeRepository, ServicePlanRepository
from pmf_api.performance.kpis.repository import KpiRepository
from pmf_api.platform import audit, events
from pmf_api.platform.db.pages import ListQuery, Page
from pmf_api.platform.db.repository import OwnedRepository
from pmf_api.platform.errors import Conflict, FieldProblem, field_problems, refuse

# Fields that hold ids of records a risk links to, the repository that must find each, and its link kind
LINKS: dict[str, tuple[type[OwnedRepository[Any]], str]] = {
    "outcome_ids": (OutcomeRepository, "outcome"),
    "kpi_ids": (KpiRepository, "kpi"),
    "service_plan_ids": (ServicePlanRepository, "service_plan"),
    "action_ids": (ActionRepository, "action"),
}
REFERENCES: dict[str, type[OwnedRepository[Any]]] = {
    "owner_id": PersonRepository,
    "service_id": ServiceRepository,
    "directorate_id": DirectorateRepository,
}


async def risk_config(session: AsyncSession, actor: Actor) -> RiskConfig:
    """The council's risk matrix and review cycles."""
    return settings_of(await get_organisation(session, actor)).risk


async def placement(session: AsyncSession, values: Mapping[str, Any]) -> Placement | None:
    """A strategic risk is the council's (organisation-wide writers only); an operational one its service's,
    or its directorate's when it names no service."""
    if values.get("register") == RiskRegister.STRATEGIC:
        return None
    if values.get("service_id") is not None:
        return await placement_of_service(session, values["service_id"])
    directorate_id = values.get("directorate_id")
    return None if directorate_id is None else Placement(directorate_id=directorate_id)


async def _reference_problems(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> list[FieldProblem]:
    """Every id the risk names must be a record of this council (a link to another's is a 422 at the field)."""
    problems: list[FieldProblem] = []
    for name, repository in REFERENCES.items():
        ref = values.get(name)
        if ref is not None and not await repository(session).exists(actor, ref):
            problems.append(FieldProblem(name, f"No {repository.what} with id {ref} in this organisation"))
    for name, (repository, _kind) in LINKS.items():
        for index, ref in enumerate(values.get(name) or ()):
            if not await repository(session).exists(actor, ref):
                problems.append(
                    FieldProblem(f"{name}.{index}", f"No {repository.what} with id {ref} in this organisation")
                )
    for index, mitigation in enumerate(values.get("mitigations") or ()):
        ref = mitigation.get("action_id")
        if ref is not None and not await ActionRepository(session).exists(actor, ref):
            problems.append(
                FieldProblem(f"mitigations.{index}.action_id", f"No action with id {ref} in this organisation")
            )
    return problems


async def _placement_problems(session: AsyncSession, values: dict[str, Any]) -> list[FieldProblem]:
    """An operational risk belongs to a service or a directorate; a service's directorate is its risk's."""
    service_id, directorate_id = values.get("service_id"), values.get("directorate_id")
    if service_id is not None:
        where = await placement_of_service(session, service_id)
        service_directorate = where.directorate_id if where else None
        if directorate_id is None:
            values["directorate_id"] = service_directorate
        elif service_directorate is not None and directorate_id != service_directorate:
            return [FieldProblem("directorate_id", "The service is in another directorate")]
    elif values.get("register") == RiskRegister.OPERATIONAL and directorate_id is None:
        return [FieldProblem("service_id", "An operational risk belongs to a service (or at least a directorate)")]
    return []


def _score_problems(values: Mapping[str, Any], config: RiskConfig, *prefixes: str) -> list[FieldProblem]:
    errors = [
        error
        for prefix in prefixes
        for error in score_problems(values[f"{prefix}_likelihood"], values[f"{prefix}_impact"], config.matrix, prefix)
    ]
    return field_problems([*errors, *target_score_problems(values.get("target_score"), config.matrix)])


def _scored(values: Mapping[str, Any], config: RiskConfig, prefix: str) -> dict[str, Any]:
    assessment = assess_risk(values[f"{prefix}_likelihood"], values[f"{prefix}_impact"], config.matrix)
    return {f"{prefix}_score": assessment.score, f"{prefix}_rag": assessment.rag.value}


def _storable(values: Mapping[str, Any]) -> dict[str, Any]:
    """Links and mitigations live in JSON columns, so their ids are stored as text."""
    out = dict(values)
    for name in LINKS:
        if out.get(name) is not None:
            out[name] = [str(ref) for ref in dict.fromkeys(out[name])]
    if out.get("mitigations") is not None:
        out["mitigations"] = [
            {**m, "action_id": None if m.get("action_id") is None else str(m["action_id"])} for m in out["mitigations"]
        ]
    return out


def _links(risk: Risk) -> list[tuple[str, uuid.UUID]]:
    links = [(kind, uuid.UUID(ref)) for name, (_, kind) in LINKS.items() for ref in getattr(risk, name)]
    links += [("mitigation", uuid.UUID(m["action_id"])) for m in risk.mitigations if m.get("action_id")]
    return links


async def create_risk(session: AsyncSession, actor: Actor, data: Mapping[str, Any], as_of: date) -> Risk:
    values = dict(data)
    values["identified_on"] = values.get("identified_on") or as_of
    refuse(await _reference_problems(session, actor, values))
    require_write(actor, Resource.risk, await placement(session, values))
    config = await risk_config(session, actor)
    problems = await _placement_problems(session, values)
    problems += _score_problems(values, config, "inherent", "residual")
    if values["identified_on"] > as_of:
        problems.append(FieldProblem("identified_on", f"A risk cannot be identified after today ({as_of.isoformat()})"))
    refuse(problems)
    values |= _scored(values, config, "inherent") | _scored(values, config, "residual")
    values["next_review_due"] = next_risk_review(
        Rag(values["residual_rag"]), values["identified_on"], RiskRegister(values["register"]), config
    )
    risk = Risk(organisation_id=actor.organisation_id, **_storable(values))
    await guard_unique(session, lambda: audit.create(session, actor, risk))
    await RiskRepository(session).replace_links(risk.id, _links(risk))
    return risk


async def get_risk(session: AsyncSession, actor: Actor, id: uuid.UUID) -> Risk:
    require_read(actor)
    return await RiskRepository(session).get(actor, id)


def _current(risk: Risk) -> dict[str, Any]:
    return {c.key: getattr(risk, c.key) for c in Risk.__table__.columns}


async def update_risk(
    session: AsyncSession,
    actor: Actor,
    id: uuid.UUID,
    changes: Mapping[str, Any],
    expected_version: int | None,
) -> Risk:
    risk = await get_risk(session, actor, id)
    current = _current(risk)
    require_write(actor, Resource.risk, await placement(session, current))
    changes = dict(changes)
    refuse(await _reference_problems(session, actor, changes))
    if "service_id" in changes and "directorate_id" not in changes:
        changes["directorate_id"] = None  # taken afresh from the new service
    merged = {**current, **changes}
    # Moving a risk to another service needs the right over where it goes too.
    require_write(actor, Resource.risk, await placement(session, merged))
    config = await risk_config(session, actor)
    problems = await _placement_problems(session, merged)
    problems += (
        _score_problems(merged, config, "inherent") if {"inherent_likelihood", "inherent_impact"} & set(changes) else []
    )
    if "target_score" in changes:
        problems += field_problems(target_score_problems(changes["target_score"], config.matrix))
    refuse(problems)
    changes["directorate_id"] = merged["directorate_id"]
    if {"inherent_likelihood", "inherent_impact"} & set(changes):
        changes |= _scored(merged, config, "inherent")
    await guard_unique(session, lambda: audit.update(session, actor, risk, _storable(changes), expected_version))
    if set(LINKS) & set(changes) or "mitigations" in changes:
        await RiskRepository(session).replace_links(risk.id, _links(risk))
    return risk


def _overdue_filters(filters: Mapping[str, Any], as_of: date) -> dict[str, Any]:
    """``review_overdue``: open risks whose next review date has passed (or, false, the others)."""
    out = dict(filters)
    overdue = out.pop("review_overdue", None)
    if overdue is True:
        out |= {"review_due_before": as_of, "status": "open"}
    elif overdue is False:
        out["review_due_from"] = as_of
    return out


async def list_risks(session: AsyncSession, actor: Actor, query: ListQuery, as_of: date) -> Page[Risk]:
    require_read(actor)
    filters = _overdue_filters(query.filters, as_of)
    return await RiskRepository(session).page(actor, _with_filters(query, filters))


async def list_overdue_reviews(session: AsyncSession, actor: Actor, query: ListQuery, as_of: date) -> Page[Risk]:
    """Open risks past their next review date as of ``as_of``, the longest overdue first by default."""
    return await list_risks(session, actor, _with_filters(query, {**query.filters, "review_overdue": True}), as_of)


def _with_filters(query: ListQuery, filters: Mapping[str, Any]) -> ListQuery:
    return ListQuery(
        filters=filters,
        updated_since=query.updated_since,
        include_archived=query.include_archived,
        sort=query.sort,
        cursor=query.cursor,
        limit=query.limit,
    )


@dataclass(frozen=True)
class Reviewed:
    risk: Risk
    review: RiskReview


async def review_risk(
    session: AsyncSession, actor: Actor, id: uuid.UUID, data: Mapping[str, Any], as_of: date
) -> Reviewed:
    """Record a review: its residual score becomes the risk's, with the trend against the assessment
    before it, and the next review falls due by the new colour (or in eight weeks on the strategic register)."""
    risk = await get_risk(session, actor, id)
    reviewer_id = data.get("reviewer_id") or actor.person_id
    if data.get("reviewer_id") is not None and not await PersonRepository(session).exists(actor, data["reviewer_id"]):
        refuse([FieldProblem("reviewer_id", f"No person with id {data['reviewer_id']} in this organisation")])
    require_write(actor, Resource.risk, await placement(session, _current(risk)))
    if risk.status != "open":
        raise Conflict(detail="A closed risk is not reviewed: reopen it first (status open)")
    config = await risk_config(session, actor)
    likelihood, impact, reviewed_on = data["residual_likelihood"], data["residual_impact"], data["reviewed_on"]
    errors = score_problems(likelihood, impact, config.matrix, "residual")
    errors += review_date_problems(reviewed_on, as_of, risk.last_reviewed_on or risk.identified_on)
    refuse(field_problems(errors))
    assessment = assess_risk(likelihood, impact, config.matrix)
    register = RiskRegister(risk.register)
    due = next_risk_review(assessment.rag, reviewed_on, register, config)
    trend = risk_trend(risk.residual_score, assessment.score)
    review = RiskReview(
        organisation_id=actor.organisation_id,
        risk_id=risk.id,
        reviewed_on=reviewed_on,
        likelihood=likelihood,
        impact=impact,
        score=assessment.score,
        rag=assessment.rag.value,
        previous_score=risk.residual_score,
        trend=trend.value,
        commentary=data["commentary"],
        reviewer_id=reviewer_id,
        reviewed_by=actor.subject,
        register=register.value,
        next_review_due=due,
    )
    await audit.create(session, actor, review)
    changes = {
        "residual_likelihood": likelihood,
        "residual_impact": impact,
        "residual_score": assessment.score,
        "residual_rag": assessment.rag.value,
        "last_reviewed_on": reviewed_on,
        "next_review_due": due,
        "trend": trend.value,
    }
    await audit.update(session, actor, risk, changes, None, action="review", note=data["commentary"])
    return Reviewed(risk, review)


async def list_reviews(session: AsyncSession, actor: Actor, id: uuid.UUID, query: ListQuery) -> Page[RiskReview]:
    """A risk's review history, the latest first."""
    risk = await get_risk(session, actor, id)
    return await RiskReviewRepository(session).page(actor, _with_filters(query, {"risk_id": risk.id}))


async def escalate_risk(
    session: AsyncSession,
    actor: Actor,
    id: uuid.UUID,
    reason: str,
    expected_version: int | None,
    as_of: date,
) -> Risk:
    """Move an operational risk onto the strategic register: its history stays, who, when and why are
    recorded, and its next review comes onto the register's eight-week cycle from its last review."""
    risk = await get_risk(session, actor, id)
    require_write(actor, Resource.risk, await placement(session, _current(risk)))
    if risk.register != RiskRegister.OPERATIONAL:
        raise Conflict(detail="The risk is already on the strategic register")
    if risk.status != "open":
        raise Conflict(detail="A closed risk is not escalated: reopen it first (status open)")
    config = await risk_config(session, actor)
    last = risk.last_reviewed_on or risk.identified_on
    changes = {
        "register": RiskRegister.STRATEGIC.value,
        "next_review_due": next_risk_review(Rag(risk.residual_rag), last, RiskRegister.STRATEGIC, config),
        "escalated_on": as_of,
        "escalated_by": actor.subject,
        "escalated_by_name": actor.name,
        "escalation_reason": reason,
    }
    await audit.update(session, actor, risk, changes, expected_version, action="escalate", note=reason)
    await events.emit(
        session,
        organisation_id=actor.organisation_id,
        event_type="risk.escalated",
        subject={"risk_id": risk.id},
        data={"code": risk.code, "title": risk.title, "reason": reason, "escalated_on": as_of},
    )
    return risk
