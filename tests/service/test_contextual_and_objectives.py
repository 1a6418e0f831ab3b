"""Use cases of contextual measures' values and individual objectives, called with a session and an
actor (no HTTP): the direction of a value, the duplicate period, the objectives' read rule on every
path (get, list, exists), and who may write what."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.assurance.notifications import quarterly_reminders, reminders
from pmf_api.domain.direction import Direction
from pmf_api.domain.workflow import Role
from pmf_api.framework.actions import service as action_service
from pmf_api.framework.objectives import service as objective_service
from pmf_api.framework.objectives.repository import ObjectiveRepository
from pmf_api.framework.organisations import service as organisation_service
from pmf_api.performance.contextual_values import service as value_service
from pmf_api.performance.kpis import service as kpi_service
from pmf_api.platform.db.pages import ListQuery
from pmf_api.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.service.builders import actor, council

TODAY = date(2026, 11, 30)


async def test_a_values_direction_follows_the_preferred_direction_and_a_period_is_recorded_once(
    session: AsyncSession,
) -> None:
    place = await council(session)
    measure = await records.create(
        session,
        place.team,
        kpi_service.contextual_measures,
        {
            "code": "CM-01",
            "title": "Residents claiming benefits",
            "unit": "number",
            "preferred_direction": "lower_is_better",
        },
    )
    data = {"source": "DWP", "published_on": date(2026, 5, 1), "note": None}
    await value_service.add_value(
        session, place.team, measure.id, {**data, "period": "2024/25", "value": Decimal(900)}, as_of=TODAY
    )
    view = await value_service.add_value(
        session, place.team, measure.id, {**data, "period": "2025/26", "value": Decimal(850)}, as_of=TODAY
    )
    assert view.direction.against_previous is Direction.IMPROVING  # fewer claimants is better
    assert view.value.period_end == date(2026, 3, 31)
    with pytest.raises(Conflict):
        await value_service.add_value(
            session, place.team, measure.id, {**data, "period": "2025/26", "value": Decimal(1)}, as_of=TODAY
        )
    with pytest.raises(InvalidInput) as refused:
        await value_service.add_value(
            session, place.team, measure.id, {**data, "period": "2026/27", "value": Decimal(1)}, as_of=TODAY
        )
    assert refused.value.problems[0].field == "period"
    viewer = actor(place.organisation_id, Role.VIEWER)
    with pytest.raises(PermissionDenied):
        await value_service.add_value(
            session, viewer, measure.id, {**data, "period": "2023/24", "value": Decimal(1)}, as_of=TODAY
        )
    listed = await value_service.list_values(session, viewer, measure.id)
    assert [(v.value.period, v.direction.against_previous) for v in listed] == [
        ("2024/25", Direction.NOT_COMPARABLE),
        ("2025/26", Direction.IMPROVING),
    ]


async def test_objectives_are_read_by_their_person_manager_and_the_performance_team_only(session: AsyncSession) -> None:
    place = await council(session)
    people = {}
    for name in ("worker", "manager", "colleague"):
        people[name] = await records.create(
            session,
            place.team,
            organisation_service.people,
            {"name": name, "email": f"{name}@northdale.gov.uk", "service_id": place.service_id},
        )
    made_action = await action_service.create_action(
        session,
        place.team,
        {"code": "CPA-1", "title": "Caddies", "delivery_role": "do", "service_id": place.service_id},
    )
    manager = actor(place.organisation_id, Role.SERVICE_MANAGER, person_id=people["manager"].id)
    objective = await objective_service.create_objective(
        session,
        manager,
        {
            "person_id": people["worker"].id,
            "manager_id": people["manager"].id,
            "financial_year": "2026/27",
            "action_id": made_action.id,
            "title": "Deliver caddies",
        },
    )
    await session.flush()
    repository = ObjectiveRepository(session)
    readers = {
        "worker": actor(place.organisation_id, Role.VIEWER, person_id=people["worker"].id),
        "manager": manager,
        "team": place.team,
    }
    for reader in readers.values():
        assert (await repository.get(reader, objective.id, lock=False)).id == objective.id
        assert [o.id for o in (await repository.page(reader, ListQuery())).items] == [objective.id]
        assert await repository.exists(reader, objective.id)
    strangers = (
        actor(place.organisation_id, Role.VIEWER, person_id=people["colleague"].id),
        actor(place.organisation_id, Role.DIRECTOR),  # no person: sees none
        actor(place.organisation_id, Role.AUDITOR, person_id=people["colleague"].id),
    )
    for stranger in strangers:
        with pytest.raises(NotFound):
            await repository.get(stranger, objective.id, lock=False)
        assert (await repository.page(stranger, ListQuery())).items == []
        assert not await repository.exists(stranger, objective.id)
        with pytest.raises(NotFound):
            await objective_service.update_objective(session, stranger, objective.id, {"title": "x"}, None)

    with pytest.raises(PermissionDenied):  # the person writes only their own comment
        await objective_service.update_objective(session, readers["worker"], objective.id, {"title": "x"}, None)
    changed = await objective_service.update_objective(
        session, readers["worker"], objective.id, {"own_comment": "On it"}, None
    )
    assert changed.own_comment == "On it"
    reviewed = await objective_service.review_objective(
        session,
        manager,
        objective.id,
        {"stage": "year_end", "state": "achieved", "reviewed_on": None},
        None,
        as_of=TODAY,
    )
    assert (reviewed.year_end_state, reviewed.year_end_reviewed_on) == ("achieved", TODAY)
    assert reviewed.year_end_reviewer_id == people["manager"].id


async def test_the_line_manager_is_reminded_of_a_review_that_is_due(session: AsyncSession) -> None:
    place = await council(session)
    worker = await records.create(
        session, place.team, organisation_service.people, {"name": "W", "email": "w@n.gov.uk"}
    )
    manager = await records.create(
        session, place.team, organisation_service.people, {"name": "M", "email": "m@n.gov.uk"}
    )
    made_action = await action_service.create_action(
        session,
        place.team,
        {"code": "CPA-1", "title": "Caddies", "delivery_role": "do", "service_id": place.service_id},
    )
    base = {"person_id": worker.id, "manager_id": manager.id, "financial_year": "2026/27", "action_id": made_action.id}
    due = await objective_service.create_objective(session, place.team, {**base, "title": "Reviewed late"})
    done = await objective_service.create_objective(session, place.team, {**base, "title": "Reviewed"})
    await objective_service.create_objective(session, place.team, {**base, "manager_id": None, "title": "No manager"})
    await session.flush()
    await objective_service.review_objective(
        session, place.team, done.id, {"stage": "mid_year", "state": "at_risk", "reviewed_on": None}, None, as_of=TODAY
    )
    await session.flush()
    source = next(s for s in reminders.sources() if isinstance(s, quarterly_reminders.ObjectiveReviews))
    notifier = reminders.notifier(place.organisation_id)
    found = await source.reminders(session, notifier, TODAY)
    assert [(r.person_id, r.kind, r.title, r.detail) for r in found] == [
        (manager.id, "objective_review", "Objective 2026/27: Reviewed late", "Its mid-year review is due")
    ]
    assert found[0].link == f"/api/v1/objectives/{due.id}"
    assert await source.reminders(session, notifier, date(2026, 9, 30)) == []  # the first half of the year
