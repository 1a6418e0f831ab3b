"""Use cases for actions: Corporate Plan actions, key activities and projects."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource
from pmf_api.domain.actions import schedule_problems
from pmf_api.framework.actions.models import Action
from pmf_api.framework.actions.repository import ActionRepository
from pmf_api.framework.organisations.repository import PersonRepository, ServiceRepository, placement_from
from pmf_api.framework.plans.repository import OutcomeRepository, ServicePlanRepository
from pmf_api.platform.errors import field_problems, invalid, refuse


async def _check(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> None:
    refuse(field_problems(schedule_problems(values.get("start_date"), values.get("due_date"))))
    plan_id = values.get("service_plan_id")
    if plan_id is not None:
        plan_service_id = await ServicePlanRepository(session).service_of(plan_id)
        if plan_service_id != values.get("service_id"):
            raise invalid("service_plan_id", "The service plan belongs to another service than the action")


actions = records.EntitySpec(
    repository=ActionRepository,
    resource=Resource.action,
    references=(
        records.Reference("owner_id", PersonRepository),
        records.Reference("service_id", ServiceRepository),
        records.Reference("outcome_id", OutcomeRepository),
        records.Reference("service_plan_id", ServicePlanRepository),
    ),
    placement=placement_from,
    check=_check,
)


def _storable(data: Mapping[str, Any]) -> dict[str, Any]:
    """Milestones live in a JSON column, so their dates are stored as ISO text."""
    out = dict(data)
    if out.get("milestones") is not None:
        out["milestones"] = [
            {key: value.isoformat() if isinstance(value, date) else value for key, value in milestone.items()}
            for milestone in out["milestones"]
        ]
    return out


async def create_action(session: AsyncSession, actor: Actor, data: dict[str, Any]) -> Action:
    return await records.create(session, actor, actions, _storable(data))


async def update_action(
    session: AsyncSession,
    actor: Actor,
    id: uuid.UUID,
    changes: dict[str, Any],
    expected_version: int | None,
) -> Action:
    return await records.update(session, actor, actions, id, _storable(changes), expected_version)
