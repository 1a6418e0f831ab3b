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
from pmf_api.domain.action_updates import Milestone, stated_milestone_state
from pmf_api.domain.actions import schedule_problems
from pmf_api.domain.errors import DomainError
from pmf_api.framework.actions.models import Action
from pmf_api.framework.actions.repository import ActionRepository
from pmf_api.framework.organisations.repository import PersonRepository, ServiceRepository, placement_from
from pmf_api.framework.plans.repository import OutcomeRepository, ServicePlanRepository
from pmf_api.platform.errors import FieldProblem, field_problems, invalid, refuse


def _milestone_problems(milestones: list[dict[str, Any]] | None) -> list[FieldProblem]:
    """A milestone is completed exactly when it has a completion date (``domain.action_updates``)."""
    problems: list[FieldProblem] = []
    for index, item in enumerate(milestones or []):
        completed_on = None if item.get("completed_on") is None else date.fromisoformat(item["completed_on"])
        try:
            Milestone(
                item["title"],
                date.fromisoformat(item["due_date"]),
                stated_milestone_state(item.get("state"), completed_on),
                completed_on,
            )
        except DomainError as error:
            problems.append(FieldProblem(f"milestones.{index}.{error.field}", error.message))
    return problems


async def _check(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> None:
    refuse(field_problems(schedule_problems(values.get("start_date"), values.get("due_date"))))
    refuse(_milestone_problems(values.get("milestones")))
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
    """Milestones live in a JSON column, so their dates are stored as ISO text, each with its state
    (by default completed when it has a completion date)."""
    out = dict(data)
    if out.get("milestones") is not None:
        out["milestones"] = [
            {
                **{key: value.isoformat() if isinstance(value, date) else value for key, value in milestone.items()},
                "state": stated_milestone_state(milestone.get("state"), milestone.get("completed_on")).value,
            }
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
