"""Use cases for KPIs and contextual outcome measures."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_read
from pmf_api.domain.kpi import REDEFINING_FIELDS, Aggregation, Unit, definition_problems, redefinition_problems
from pmf_api.framework.organisations.repository import (
    PersonRepository,
    PortfolioRepository,
    ServiceRepository,
    placement_from,
)
from pmf_api.framework.plans.repository import OutcomeRepository
from pmf_api.performance.kpis.models import Kpi
from pmf_api.performance.kpis.repository import ContextualMeasureRepository, KpiRepository
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
    has_targets, has_values = kpi.first_target_at is not None, kpi.first_value_at is not None
    refuse(
        field_problems(redefinition_problems(kpi.code, changing, has_targets=has_targets, has_values=has_values)),
        Conflict,
    )


kpis = records.EntitySpec(
    repository=KpiRepository,
    resource=Resource.kpi,
    references=(
        records.Reference("service_id", ServiceRepository),
        records.Reference("portfolio_id", PortfolioRepository),
        records.Reference("outcome_id", OutcomeRepository),
        records.Reference("owner_id", PersonRepository),
        records.Reference("backup_owner_id", PersonRepository),
    ),
    placement=placement_from,
    check=check_kpi,
    check_change=check_redefinition,
)


async def create_kpi(session: AsyncSession, actor: Actor, data: dict[str, Any]) -> Kpi:
    """A KPI reports to its service's portfolio unless it names another."""
    if data.get("portfolio_id") is None and data.get("service_id") is not None:
        service = await ServiceRepository(session).find(actor, data["service_id"], lock=False)
        data = {**data, "portfolio_id": None if service is None else service.portfolio_id}
    return await records.create(session, actor, kpis, data)


contextual_measures = records.EntitySpec(
    repository=ContextualMeasureRepository,
    resource=Resource.contextual_measure,
    references=(
        records.Reference("outcome_id", OutcomeRepository),
        records.Reference("service_id", ServiceRepository),
    ),
)


async def load_kpi(session: AsyncSession, actor: Actor, kpi_id: uuid.UUID, *, lock: bool | None = None) -> Kpi:
    """The KPI, for a use case about it (its targets, values or status), or NotFound; locked in a
    unit of work that writes unless ``lock=False`` (see ``OwnedRepository.find``)."""
    require_read(actor)
    return await KpiRepository(session).get(actor, kpi_id, lock=lock)


async def note_targets(session: AsyncSession, kpi: Kpi, at: datetime) -> None:
    """The KPI now has a target: from then on how it is judged is fixed."""
    if kpi.first_target_at is None:
        await KpiRepository(session).note_targets(kpi.id, at)


async def note_values(session: AsyncSession, kpi_ids: Iterable[uuid.UUID], at: datetime) -> None:
    """These KPIs now have values: from then on how they are judged is fixed."""
    await KpiRepository(session).note_values(kpi_ids, at)
