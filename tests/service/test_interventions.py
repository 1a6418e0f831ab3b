"""Use cases of the KPI Intervention Form called as a CLI or a job would (seed 001, Appendix F):
the approvals a reminder job reads, and four-eyes relaxed by the organisation."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor, Grant, ScopeType
from pmf_api.assurance.interventions import service as intervention_service
from pmf_api.domain.errors import FourEyesRefused
from pmf_api.domain.workflow import InterventionState, Role
from pmf_api.framework.organisations.models import Organisation
from pmf_api.performance.interventions.repository import InterventionRepository
from pmf_api.platform.audit import AuditEntry
from tests.service.builders import Council, actor, council, kpi

AS_OF = date(2026, 1, 10)
OPENING = {"period": "2025/26 P8", "reason": "Judged serious by the board", "cause": "Staff vacancies", "steps": "Hire"}


async def _opened_and_submitted(session: AsyncSession, place: Council, opener: Actor) -> uuid.UUID:
    made = await kpi(session, place)
    form = await intervention_service.open_intervention(session, opener, {"kpi_id": made.id, **OPENING}, as_of=AS_OF)
    await intervention_service.transition_intervention(session, place.team, form.id, InterventionState.SUBMITTED, None)
    return form.id


async def test_approvals_waiting_name_the_role_and_scope_in_turn(session: AsyncSession) -> None:
    place = await council(session)
    other = await council(session, "SOUTHMERE")
    form_id = await _opened_and_submitted(session, place, place.team)
    repository = InterventionRepository(session)

    waiting = await repository.approvals_waiting(place.organisation_id)
    assert [(w.intervention_id, w.approval, w.role, w.scope, w.scope_id) for w in waiting] == [
        (form_id, "head_of_service", "service_manager", "service", place.service_id)
    ]
    assert await repository.approvals_waiting(other.organisation_id) == []

    hos = actor(place.organisation_id, Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=place.service_id)
    await intervention_service.transition_intervention(
        session, hos, form_id, InterventionState.HEAD_OF_SERVICE_APPROVED, None
    )
    waiting = await repository.approvals_waiting()
    mine = [w for w in waiting if w.intervention_id == form_id]
    assert [(w.approval, w.role, w.scope, w.scope_id) for w in mine] == [
        ("director", "director", "directorate", place.directorate_id)
    ]


async def test_an_organisation_that_relaxes_four_eyes_records_it(session: AsyncSession) -> None:
    place = await council(session)
    both = Actor(
        place.organisation_id,
        "both@example.gov.uk",
        "Sam Both",
        (Grant(Role.PERFORMANCE), Grant(Role.SERVICE_MANAGER, ScopeType.SERVICE, place.service_id)),
    )
    form_id = await _opened_and_submitted(session, place, both)
    with pytest.raises(FourEyesRefused):
        await intervention_service.transition_intervention(
            session, both, form_id, InterventionState.HEAD_OF_SERVICE_APPROVED, None
        )

    organisation = await session.get(Organisation, place.organisation_id)
    assert organisation is not None
    organisation.settings = {"four_eyes": {"required": False}}
    await session.flush()
    form = await intervention_service.transition_intervention(
        session, both, form_id, InterventionState.HEAD_OF_SERVICE_APPROVED, None
    )
    assert form.head_of_service_by == "both@example.gov.uk" and form.head_of_service_name == "Sam Both"
    await session.flush()
    notes = await session.scalars(
        select(AuditEntry.note).where(AuditEntry.entity_id == form_id, AuditEntry.action == "transition")
    )
    notes = list(notes)
    assert any(note and "Four-eyes relaxed" in note for note in notes), notes
