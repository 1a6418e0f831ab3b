"""Use cases of the risk register called as a CLI or a job would (seeds 003_2a403038ecab8362.txt and
004_d92670c30a2dff9f.txt): who may record and change a risk where, a closed risk's place in the cycle,
and the owners' reminders of reviews due and overdue."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import ScopeType
from pmf_api.assurance.notifications.quarterly_reminders import RiskReviews
from pmf_api.assurance.notifications.reminders import notifier, sources
from pmf_api.assurance.risks import service as risk_service
from pmf_api.assurance.risks.models import RiskLink
from pmf_api.domain.workflow import Role
from pmf_api.platform.audit import AuditEntry
from pmf_api.platform.db.pages import ListQuery
from pmf_api.platform.errors import Conflict, InvalidInput, PermissionDenied
from pmf_api.platform.events import OutboxEvent
from tests.service.builders import Council, actor, council, kpi

AS_OF = date(2026, 11, 30)


def _data(place: Council, **overrides: Any) -> dict[str, Any]:
    return {
        "code": "OR-01",
        "title": "Agency staff costs overrun",
        "cause": "Vacancies",
        "event": "Agency spend beyond budget",
        "effect": "An overspend",
        "owner_id": place.owner_id,
        "register": "operational",
        "service_id": place.service_id,
        "inherent_likelihood": 4,
        "inherent_impact": 4,
        "residual_likelihood": 3,
        "residual_impact": 3,
        **overrides,
    }


async def test_managers_record_their_services_risks_and_the_team_the_strategic_ones(session: AsyncSession) -> None:
    place = await council(session)
    manager = actor(place.organisation_id, Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=place.service_id)
    director = actor(place.organisation_id, Role.DIRECTOR, scope=ScopeType.DIRECTORATE, scope_id=place.directorate_id)
    risk = await risk_service.create_risk(session, manager, _data(place), AS_OF)
    assert (risk.directorate_id, risk.residual_rag, risk.next_review_due) == (
        place.directorate_id,
        "amber",
        date(2027, 5, 30),
    )
    # A directorate's risk with no service: its director's, not a service manager's
    by_directorate = _data(place, code="OR-02", service_id=None, directorate_id=place.directorate_id)
    with pytest.raises(PermissionDenied):
        await risk_service.create_risk(session, manager, by_directorate, AS_OF)
    await risk_service.create_risk(session, director, by_directorate, AS_OF)
    # The strategic register is the council's: organisation-wide roles only
    strategic = _data(place, code="SR-01", register="strategic", service_id=None)
    with pytest.raises(PermissionDenied):
        await risk_service.create_risk(session, director, strategic, AS_OF)
    made = await risk_service.create_risk(session, place.team, strategic, AS_OF)
    assert made.next_review_due == AS_OF + timedelta(days=56)


async def test_changes_rescore_relink_and_are_audited(session: AsyncSession) -> None:
    place = await council(session)
    measure = await kpi(session, place)
    risk = await risk_service.create_risk(session, place.team, _data(place, kpi_ids=[measure.id]), AS_OF)
    linked = (await session.scalars(select(RiskLink.kind).where(RiskLink.risk_id == risk.id))).all()
    assert linked == ["kpi"]

    changed = await risk_service.update_risk(
        session, place.team, risk.id, {"inherent_impact": 5, "kpi_ids": [], "target_score": 4}, risk.version
    )
    assert (changed.inherent_score, changed.inherent_rag, changed.kpi_ids, changed.target_score) == (20, "red", [], 4)
    assert (await session.scalars(select(RiskLink).where(RiskLink.risk_id == risk.id))).all() == []
    page = await risk_service.list_risks(session, place.team, ListQuery(filters={"kpi_id": measure.id}), AS_OF)
    assert page.items == []

    with pytest.raises(InvalidInput) as refused:
        await risk_service.update_risk(session, place.team, risk.id, {"service_id": None}, None)
    assert [p.field for p in refused.value.problems] == ["service_id"]
    with pytest.raises(InvalidInput) as refused:
        await risk_service.update_risk(session, place.team, risk.id, {"inherent_likelihood": 7}, None)
    assert [p.field for p in refused.value.problems] == ["inherent_likelihood"]

    actions = (await session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == risk.id))).all()
    assert sorted(actions) == ["create", "update"]


async def test_a_closed_risk_leaves_the_cycle(session: AsyncSession) -> None:
    place = await council(session)
    risk = await risk_service.create_risk(
        session, place.team, _data(place, identified_on=AS_OF - timedelta(days=400)), AS_OF
    )
    overdue = await risk_service.list_overdue_reviews(session, place.team, ListQuery(), AS_OF)
    assert [r.id for r in overdue.items] == [risk.id]
    await risk_service.update_risk(session, place.team, risk.id, {"status": "closed"}, None)
    assert (await risk_service.list_overdue_reviews(session, place.team, ListQuery(), AS_OF)).items == []
    review = {"reviewed_on": AS_OF, "residual_likelihood": 1, "residual_impact": 1, "commentary": "Gone"}
    with pytest.raises(Conflict):
        await risk_service.review_risk(session, place.team, risk.id, review, AS_OF)
    with pytest.raises(Conflict):
        await risk_service.escalate_risk(session, place.team, risk.id, "Why", None, AS_OF)


async def test_escalation_tells_webhooks(session: AsyncSession) -> None:
    place = await council(session)
    risk = await risk_service.create_risk(session, place.team, _data(place), AS_OF)
    await risk_service.escalate_risk(session, place.team, risk.id, "Council-wide", None, AS_OF)
    events = (await session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "risk.escalated"))).all()
    assert [e.subject for e in events] == [{"risk_id": str(risk.id)}]
    assert events[0].data["reason"] == "Council-wide"


async def test_owners_are_reminded_of_reviews_due_and_overdue(session: AsyncSession) -> None:
    place = await council(session)
    other = await council(session, "SOUTHMERE")
    # Amber: due six months after it was identified
    due_soon = await risk_service.create_risk(
        session, place.team, _data(place, code="A", identified_on=date(2026, 6, 10)), AS_OF
    )
    overdue = await risk_service.create_risk(
        session, place.team, _data(place, code="B", identified_on=date(2026, 5, 1)), AS_OF
    )
    await risk_service.create_risk(session, place.team, _data(place, code="C", identified_on=date(2026, 6, 20)), AS_OF)
    await risk_service.create_risk(session, other.team, _data(other, code="D", identified_on=date(2026, 1, 1)), AS_OF)
    assert any(isinstance(source, RiskReviews) for source in sources())

    found = await RiskReviews().reminders(session, notifier(place.organisation_id), AS_OF)
    assert [(r.person_id, r.kind, r.title.split()[0]) for r in found] == [
        (place.owner_id, "risk_review_overdue", "B"),
        (place.owner_id, "risk_review_due", "A"),
    ]
    assert found[0].link == f"/api/v1/risks/{overdue.id}"
    assert "overdue since 1 Nov 2026" in found[0].detail and "due on 10 Dec 2026" in found[1].detail
    assert due_soon.next_review_due == date(2026, 12, 10)
