"""Use cases for actions: Corporate Plan actions, key activities and projects."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource
from pmf_api.framework.actions.models import Action
from pmf_api.framework.organisations.models import Person, Service
from pmf_api.framework.organisations.repository import placement_from
from pmf_api.framework.plans.models import Outcome, ServicePlan
from pmf_api.platform.errors import invalid


async def _check(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> None:
    start, due = values.get("start_date"), values.get("due_date")
    if start is not None and due is not None and due < start:
        raise invalid("due_date", f"The action is due ({due}) before it starts ({start})")
    plan_id = values.get("service_plan_id")
    if plan_id is not None:
        plan_service_id = await session.scalar(select(ServicePlan.service_id).where(ServicePlan.id == plan_id))
        if plan_service_id != values.get("service_id"):
            raise invalid("service_plan_id", "The service plan belongs to another service than the action")


def _of_services(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return Action.service_id.in_(select(Service.id).where(*conditions))


actions = records.EntitySpec(
    model=Action,
    what="action",
    resource=Resource.action,
    sortable={"code": Action.code, "title": Action.title, "updated_at": Action.updated_at},
    default_sort="code",
    references=(
        records.Reference("owner_id", Person, "person"),
        records.Reference("service_id", Service, "service"),
        records.Reference("outcome_id", Outcome, "outcome"),
        records.Reference("service_plan_id", ServicePlan, "service plan"),
    ),
    placement=placement_from,
    check=_check,
    filters={
        "directorate_id": lambda value: _of_services(Service.directorate_id == value),
        "portfolio_id": lambda value: _of_services(Service.portfolio_id == value),
        "due_before": lambda value: Action.due_date <= value,
        "due_after": lambda value: Action.due_date >= value,
    },
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
