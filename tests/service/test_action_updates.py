"""Use cases of quarterly action updates, called as a CLI or a job would: a session and an actor, no
HTTP, and a fixed "today" (seed 001_ec6bae7b38cacc6f.txt, "Corporate Plan Actions")."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import ScopeType
from pmf_api.assurance.notifications.quarterly_reminders import ActionUpdatesDue
from pmf_api.assurance.notifications.reminders import notifier
from pmf_api.domain.errors import DomainError, FourEyesRefused, InvalidValue, TransitionNotAllowed
from pmf_api.domain.workflow import Role
from pmf_api.framework.action_updates import service as update_service
from pmf_api.framework.actions import service as action_service
from pmf_api.framework.organisations import service as organisation_service
from pmf_api.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pmf_api.platform.events import OutboxEvent
from tests.service.builders import Council, actor, council

TODAY = date(2026, 11, 30)  # in 2026/27 Q3; Q2 ended on 30 September


async def _action(session: AsyncSession, place: Council, code: str = "CPA-01", **extra: Any) -> Any:
    data: dict[str, Any] = {
        "code": code,
        "title": f"Action {code}",
        "delivery_role": "do",
        "status": "in_progress",
        "service_id": place.service_id,
        "owner_id": place.owner_id,
        "start_date": date(2026, 4, 1),
        "due_date": date(2027, 3, 31),
        **extra,
    }
    return await action_service.create_action(session, place.team, data)


def _body(action: Any, **extra: Any) -> dict[str, Any]:
    return {
        "action_id": action.id,
        "financial_year": "2026/27",
        "quarter": 2,
        "progress_percent": 50,
        "rag": "green",
        "commentary": "On track",
        **extra,
    }


async def test_the_check_is_judged_at_the_quarters_end_and_stored(session: AsyncSession) -> None:
    place = await council(session)
    action = await _action(session, place)
    owner = actor(place.organisation_id, Role.KPI_OWNER, person_id=place.owner_id, subject="ola@x.gov.uk")
    # At 30 September half the time has passed: 20% done is 30 points behind, so red, not green.
    update = await update_service.create_update(session, owner, _body(action, progress_percent=20), as_of=TODAY)
    assert (update.state, update.flagged, update.rag_consistent, update.rag_suggested) == (
        "submitted",
        True,
        False,
        "red",
    )
    assert update.status == "in_progress" and update.submitted_by == "ola@x.gov.uk"
    # This quarter is still running: judged as of today, when 66% is expected; 60% is on track.
    current = await update_service.create_update(
        session, owner, _body(action, quarter=3, progress_percent=60), as_of=TODAY
    )
    assert (current.flagged, current.rag_consistent) == (False, True)
    with pytest.raises(InvalidValue) as not_started:
        await update_service.create_update(session, owner, _body(action, quarter=4), as_of=TODAY)
    assert not_started.value.field == "quarter"
    with pytest.raises(Conflict):
        await update_service.create_update(session, owner, _body(action), as_of=TODAY)
    archived = await _action(session, place, "OLD-1")
    await records.set_archived(session, place.team, action_service.actions, archived.id, True, None)
    with pytest.raises(InvalidInput) as refused:
        await update_service.create_update(session, owner, _body(archived), as_of=TODAY)
    assert refused.value.problems[0].field == "action_id"


async def test_an_action_without_dates_is_not_judged(session: AsyncSession) -> None:
    place = await council(session)
    action = await _action(session, place, start_date=None, due_date=None)
    update = await update_service.create_update(session, place.team, _body(action, progress_percent=0), as_of=TODAY)
    assert (update.flagged, update.rag_consistent, update.rag_suggested) == (False, None, None)
    assert "no start and due dates" in (update.rag_reason or "")


async def test_who_may_submit_and_who_may_accept(session: AsyncSession) -> None:
    place = await council(session)
    action = await _action(session, place)
    stranger = actor(place.organisation_id, Role.KPI_OWNER)  # owns other things
    with pytest.raises(PermissionDenied):
        await update_service.create_update(session, stranger, _body(action), as_of=TODAY)
    manager = actor(place.organisation_id, Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=place.service_id)
    update = await update_service.create_update(session, manager, _body(action), as_of=TODAY)
    with pytest.raises(TransitionNotAllowed) as not_theirs:
        await update_service.move_update(session, manager, update.id, "accepted", None, None, as_of=TODAY)
    assert not_theirs.value.allowed_roles == ("performance",)
    with pytest.raises(DomainError) as no_comment:
        await update_service.move_update(session, place.team, update.id, "returned", " ", None, as_of=TODAY)
    assert no_comment.value.field == "comment"
    returned = await update_service.move_update(session, place.team, update.id, "returned", "Why?", None, as_of=TODAY)
    assert (returned.state, returned.review_comment, returned.reviewed_by) == (
        "returned",
        "Why?",
        "performance@example.gov.uk",
    )
    with pytest.raises(TransitionNotAllowed):  # not the owner nor over the service
        await update_service.move_update(session, stranger, update.id, "resubmitted", None, None, as_of=TODAY)
    # The team resubmits on the manager's behalf, so the team member who did does not accept it...
    await update_service.move_update(session, place.team, update.id, "resubmitted", None, None, as_of=TODAY)
    with pytest.raises(FourEyesRefused):
        await update_service.move_update(session, place.team, update.id, "accepted", None, None, as_of=TODAY)
    # ...unless the council relaxes four-eyes, and then the audit note says so.
    relaxed = {"four_eyes": {"required": False}}
    await organisation_service.update_organisation(session, place.team, {"settings": relaxed}, None)
    accepted = await update_service.move_update(session, place.team, update.id, "accepted", None, None, as_of=TODAY)
    assert accepted.state == "accepted"
    with pytest.raises(TransitionNotAllowed):
        await update_service.change_update(session, place.team, update.id, {"rag": "red"}, None, as_of=TODAY)
    # Another council sees nothing of it.
    other = await council(session, "SOUTHMERE")
    with pytest.raises(NotFound):
        await update_service.get_update(session, other.team, update.id)
    with pytest.raises(InvalidInput) as unknown:
        await update_service.create_update(session, other.team, _body(action), as_of=TODAY)
    assert unknown.value.problems[0].field == "action_id"


async def test_summary_and_reminders(session: AsyncSession) -> None:
    place = await council(session)
    do = await _action(session, place, "DO-1")
    influence = await _action(session, place, "IN-1", delivery_role="influence")
    await _action(session, place, "EN-1", delivery_role="enable")
    await update_service.create_update(session, place.team, _body(do, progress_percent=10), as_of=TODAY)
    update = await update_service.create_update(session, place.team, _body(influence, rag="amber"), as_of=TODAY)
    found = await update_service.summary(session, place.team, "2026/27", 2)
    roles = {row["delivery_role"]: row for row in found["by_delivery_role"]}
    assert (roles["do"]["green"], roles["do"]["flagged"]) == (1, 1)
    assert (roles["influence"]["amber"], roles["enable"]["missing"]) == (1, 1)
    assert found["total"]["awaiting_acceptance"] == 2

    source = ActionUpdatesDue()
    reminders = await source.reminders(session, notifier(place.organisation_id), TODAY)
    assert [(r.kind, r.title.split()[0], r.person_id) for r in reminders] == [
        ("action_update_due", "EN-1", place.owner_id)
    ]
    await update_service.move_update(session, place.team, update.id, "returned", "More on impact", None, as_of=TODAY)
    reminders = await source.reminders(session, notifier(place.organisation_id), TODAY)
    assert [(r.kind, r.title.split()[0]) for r in reminders] == [
        ("action_update_due", "EN-1"),
        ("action_update_returned", "IN-1"),
    ]
    assert "More on impact" in reminders[1].detail
    # In April, the year's last quarter (2026/27 Q4) is the one due: every open action is chased.
    april = await source.reminders(session, notifier(place.organisation_id), date(2027, 4, 10))
    assert sorted(r.title.split()[0] for r in april if r.kind == "action_update_due") == ["DO-1", "EN-1", "IN-1"]


async def test_milestones_stored_before_they_had_states_still_read(session: AsyncSession) -> None:
    place = await council(session)
    action = await _action(session, place)
    action.milestones = [
        {"title": "Met", "due_date": "2026-06-30", "completed_on": "2026-06-01"},
        {"title": "Missed", "due_date": "2026-09-30", "completed_on": None},
    ]
    await session.flush()
    shown = await update_service.action_milestones(session, place.team, action.id, as_of=TODAY)
    assert [(m["state"], m["late"]) for m in shown["milestones"]] == [("completed", False), ("not_started", True)]
    # An update takes the action's milestones by default, late as at its quarter's end.
    update = await update_service.create_update(session, place.team, _body(action), as_of=TODAY)
    assert [(m["state"], m["late"]) for m in update.milestones] == [("completed", False), ("not_started", False)]
    assert update.late_milestones == 0
    q3 = await update_service.create_update(session, place.team, _body(action, quarter=3), as_of=TODAY)
    assert q3.late_milestones == 1
    # The action is still edited with its old milestones in place.
    changed = await action_service.update_action(session, place.team, action.id, {"title": "Renamed"}, None)
    assert changed.title == "Renamed"


async def test_each_step_tells_subscribers(session: AsyncSession) -> None:
    place = await council(session)
    action = await _action(session, place)
    owner = actor(place.organisation_id, Role.KPI_OWNER, person_id=place.owner_id, subject="ola@x.gov.uk")
    update = await update_service.create_update(session, owner, _body(action, progress_percent=5), as_of=TODAY)
    await update_service.move_update(session, place.team, update.id, "returned", "More", None, as_of=TODAY)
    await update_service.move_update(session, owner, update.id, "resubmitted", None, None, as_of=TODAY)
    await update_service.move_update(session, place.team, update.id, "accepted", None, None, as_of=TODAY)
    rows = await session.scalars(select(OutboxEvent).where(OutboxEvent.organisation_id == place.organisation_id))
    # Compared sorted: events written within a microsecond of each other may share a timestamp.
    sent = sorted((e.event_type, e.data["state"], e.data["flagged"]) for e in rows if e.event_type.startswith("action"))
    assert sent == sorted(
        [
            ("action_update.submitted", "submitted", True),
            ("action_update.returned", "returned", True),
            ("action_update.submitted", "resubmitted", True),
            ("action_update.accepted", "accepted", True),
        ]
    )
