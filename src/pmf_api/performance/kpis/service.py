"""Use cases for KPIs and contextual outcome measures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource
from pmf_api.domain.kpi import REDEFINING_FIELDS, Aggregation, Unit, definition_problems, redefinition_problems
from pmf_api.framework.organisations.models import Person, Portfolio, Service
from pmf_api.framework.organisations.repository import placement_from
from pmf_api.framework.plans.models import Outcome
from pmf_api.performance.kpis.models import ContextualMeasure, Kpi
from pmf_api.performance.submissions.models import Submission
from pmf_api.performance.targets.models import Target
from pmf_api.platform.errors import Conflict, field_problems, refuse


async def check_kpi(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> None:
    """Rules across fields (``domain.kpi.definition_problems``), checked on create and on the merged
    result of a change."""
    unit, aggregation = values.get("unit"), values.get("aggregation")
    refuse(
        field_problems(
            definition_problems(
                unit=None if unit is None else Unit(unit),
                aggregation=None if aggregation is None else Aggregation(aggregation),
                expected_min=values.get("expected_min"),
                expected_max=values.get("expected_max"),
                owner=values.get("owner_id"),
                backup_owner=values.get("backup_owner_id"),
            )
        )
    )


async def check_redefinition(session: AsyncSession, actor: Actor, kpi: Kpi, changes: Mapping[str, Any]) -> None:
    """A KPI with targets or values keeps how it is judged (``domain.kpi.redefinition_problems``)."""
    changing = {
        name: (getattr(kpi, name), changes[name])
        for name in REDEFINING_FIELDS
        if name in changes and changes[name] != getattr(kpi, name)
    }
    if not changing:
        return
    has_targets = await session.scalar(select(exists().where(Target.kpi_id == kpi.id)))
    has_values = await session.scalar(select(exists().where(Submission.kpi_id == kpi.id)))
    refuse(
        field_problems(
            redefinition_problems(kpi.code, changing, has_targets=bool(has_targets), has_values=bool(has_values))
        ),
        Conflict,
    )


def _search_pattern(words: str) -> str:
    return f"%{words.strip().lower()}%"


def _search(pattern: Any) -> Any:
    return or_(Kpi.code.ilike(pattern), Kpi.title.ilike(pattern))


kpis = records.EntitySpec(
    model=Kpi,
    what="KPI",
    resource=Resource.kpi,
    sortable={"code": Kpi.code, "title": Kpi.title, "updated_at": Kpi.updated_at},
    default_sort="code",
    references=(
        records.Reference("service_id", Service, "service"),
        records.Reference("portfolio_id", Portfolio, "portfolio"),
        records.Reference("outcome_id", Outcome, "outcome"),
        records.Reference("owner_id", Person, "person"),
        records.Reference("backup_owner_id", Person, "person"),
    ),
    placement=placement_from,
    check=check_kpi,
    check_change=check_redefinition,
    filters={
        "directorate_id": lambda value: Kpi.service_id.in_(select(Service.id).where(Service.directorate_id == value)),
        "priority_id": lambda value: Kpi.outcome_id.in_(select(Outcome.id).where(Outcome.priority_id == value)),
        "owner_id": lambda value: or_(Kpi.owner_id == value, Kpi.backup_owner_id == value),
        "search": _search,
    },
    filter_values={"search": _search_pattern},
)


async def create_kpi(session: AsyncSession, actor: Actor, data: dict[str, Any]) -> Kpi:
    """A KPI reports to its service's portfolio unless it names another."""
    if data.get("portfolio_id") is None and data.get("service_id") is not None:
        data = {
            **data,
            "portfolio_id": await session.scalar(
                select(Service.portfolio_id).where(
                    Service.id == data["service_id"], Service.organisation_id == actor.organisation_id
                )
            ),
        }
    return await records.create(session, actor, kpis, data)


contextual_measures = records.EntitySpec(
    model=ContextualMeasure,
    what="contextual measure",
    resource=Resource.contextual_measure,
    sortable={
        "code": ContextualMeasure.code,
        "title": ContextualMeasure.title,
        "updated_at": ContextualMeasure.updated_at,
    },
    default_sort="code",
    references=(
        records.Reference("outcome_id", Outcome, "outcome"),
        records.Reference("service_id", Service, "service"),
    ),
)
