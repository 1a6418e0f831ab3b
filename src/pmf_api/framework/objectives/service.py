"""Use cases for individual objectives: the golden thread's last link (seeds 002_100bfcfd0ab8e4e8.txt,
003_2a403038ecab8362.txt, 004_d92670c30a2dff9f.txt), kept small: not an HR system.

Who writes: the performance team and the objective's line manager set, change and review it; its
person may only add their own comment, and nobody sets or reviews their own objective. A line manager
names themselves on an objective only for someone whose service their manager's role reaches (a service
manager of it, the director of its directorate): naming oneself is not enough. Who reads: those three
(``repository.ObjectiveRepository``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_read
from pmf_api.domain.objectives import ReviewStage, ReviewState, link_problems, review_problems
from pmf_api.domain.periods import FinancialYear
from pmf_api.domain.roles import Role
from pmf_api.framework.actions.repository import ActionRepository
from pmf_api.framework.objectives.models import Objective
from pmf_api.framework.objectives.repository import SEES_EVERY_OBJECTIVE, ObjectiveRepository
from pmf_api.framework.organisations.repository import PersonRepository, placement_of_service
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.framework.plans.repository import OutcomeRepository
from pmf_api.platform import audit
from pmf_api.platform.errors import PermissionDenied, field_problems, invalid, refuse

OWN_FIELDS = frozenset({"own_comment"})
# The roles of a line manager over the person's service
MANAGERS = frozenset({Role.SERVICE_MANAGER, Role.DIRECTOR})

objectives = records.EntitySpec(
    repository=ObjectiveRepository,
    resource=Resource.objective,
    references=(
        records.Reference("person_id", PersonRepository),
        records.Reference("manager_id", PersonRepository),
        records.Reference("action_id", ActionRepository),
        records.Reference("outcome_id", OutcomeRepository),
    ),
)


def _sets_objectives(actor: Actor, objective: Mapping[str, Any]) -> bool:
    """Whether the actor sets and reviews this objective: the performance team or its line manager,
    never its own person."""
    if actor.person_id is not None and actor.person_id == objective.get("person_id"):
        return False
    return actor.holds(SEES_EVERY_OBJECTIVE) or (
        actor.person_id is not None and actor.person_id == objective.get("manager_id")
    )


def _require_setter(actor: Actor, objective: Mapping[str, Any]) -> None:
    if not _sets_objectives(actor, objective):
        raise PermissionDenied(
            detail="Objectives are set and reviewed by the person's line manager or the performance team, "
            "never by the person themselves"
        )


async def _require_appointment(session: AsyncSession, actor: Actor, objective: Mapping[str, Any]) -> None:
    """Who names a person and their line manager on an objective: the performance team, or the manager
    named, with a manager's role over the person's service."""
    if actor.holds(SEES_EVERY_OBJECTIVE):
        return
    person = await PersonRepository(session).get(actor, objective["person_id"])
    where = await placement_of_service(session, person.service_id)
    if where is None or not actor.holds(MANAGERS, where):
        raise PermissionDenied(
            detail="A line manager sets objectives for people in a service their service manager or director "
            "role reaches; the performance team sets anyone's"
        )


def _check(values: Mapping[str, Any]) -> None:
    refuse(field_problems(link_problems(values.get("action_id"), values.get("outcome_id"))))
    if values.get("manager_id") is not None and values.get("manager_id") == values.get("person_id"):
        raise invalid("manager_id", "A person is not their own line manager")


async def create_objective(session: AsyncSession, actor: Actor, data: dict[str, Any]) -> Objective:
    require_read(actor)
    await records.check_references(session, actor, objectives, data)
    _require_setter(actor, data)
    _check(data)
    await _require_appointment(session, actor, data)
    entity = Objective(organisation_id=actor.organisation_id, **data)
    await audit.create(session, actor, entity)
    return entity


async def update_objective(
    session: AsyncSession,
    actor: Actor,
    id: uuid.UUID,
    changes: dict[str, Any],
    expected_version: int | None,
) -> Objective:
    """The line manager and the performance team change what the objective is (not its person's own
    comment); its person changes only their own comment."""
    entity = await records.get(session, actor, objectives, id)
    current = records.column_values(entity)
    if _sets_objectives(actor, current):
        if OWN_FIELDS & set(changes):
            raise PermissionDenied(detail="Only the objective's person writes their own comment")
        await records.check_references(session, actor, objectives, changes)
        merged = {**current, **changes}
        _check(merged)
        if {"person_id", "manager_id"} & set(changes):
            _require_setter(actor, merged)
            await _require_appointment(session, actor, merged)
    elif actor.person_id is not None and actor.person_id == entity.person_id:
        if set(changes) - OWN_FIELDS:
            raise PermissionDenied(detail="You may add your own comment to your objective; your line manager sets it")
    else:
        raise PermissionDenied(detail="Objectives are changed by the person's line manager or the performance team")
    await audit.update(session, actor, entity, changes, expected_version)
    return entity


async def review_objective(
    session: AsyncSession,
    actor: Actor,
    id: uuid.UUID,
    review: Mapping[str, Any],
    expected_version: int | None,
    *,
    as_of: date,
) -> Objective:
    """Record the mid-year or year-end review: how it stands, a comment, the date, and who reviewed it."""
    entity = await records.get(session, actor, objectives, id)
    _require_setter(actor, records.column_values(entity))
    stage, state = ReviewStage(review["stage"]), ReviewState(review["state"])
    reviewed_on = review.get("reviewed_on")
    if state is not ReviewState.NOT_DUE and reviewed_on is None:
        reviewed_on = as_of
    organisation = await get_organisation(session, actor)
    year_starts = FinancialYear.parse(entity.financial_year).start_date(organisation.financial_year_start_month)
    refuse(field_problems(review_problems(stage, state, reviewed_on, as_of, year_starts=year_starts)))
    changes = {
        f"{stage.value}_state": state.value,
        f"{stage.value}_comment": review.get("comment"),
        f"{stage.value}_reviewed_on": reviewed_on,
        f"{stage.value}_reviewer_id": actor.person_id,
    }
    await audit.update(session, actor, entity, changes, expected_version, action="review")
    return entity
