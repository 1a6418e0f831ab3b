"""Use cases of Data Quality Templates and reviews, called as a CLI or a job would: a session and an
actor, no HTTP (seed 001_ec6bae7b38cacc6f.txt, Appendix B)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import ScopeType
from pmf_api.domain.data_quality import TEMPLATE_QUESTIONS
from pmf_api.domain.errors import TransitionNotAllowed
from pmf_api.domain.workflow import Role
from pmf_api.framework.organisations import service as organisation_service
from pmf_api.performance.data_quality import service as data_quality_service
from pmf_api.performance.data_quality.repository import DataQualityTemplateRepository
from pmf_api.platform.errors import InvalidInput, NotFound, PermissionDenied, UnsignedTemplate
from tests.service.builders import actor, council, kpi

ANSWERS = dict.fromkeys(TEMPLATE_QUESTIONS, "Agreed with the service")
TODAY = date(2026, 3, 20)


async def test_the_owner_keeps_the_template_true_but_only_the_manager_signs(session: AsyncSession) -> None:
    place = await council(session)
    made = await kpi(session, place, owner_id=place.owner_id)
    owner = actor(place.organisation_id, Role.KPI_OWNER, person_id=place.owner_id, subject="ola@example.gov.uk")
    draft = await data_quality_service.create_template(
        session, owner, {"kpi_id": made.id, "financial_year": "2026/27", **ANSWERS}
    )
    changed = await data_quality_service.update_template(session, owner, draft.id, {"seasonality": "None"}, None)
    assert changed.seasonality == "None"
    stranger = actor(place.organisation_id, Role.KPI_OWNER)  # an owner of other KPIs
    with pytest.raises(PermissionDenied):
        await data_quality_service.update_template(session, stranger, draft.id, {"seasonality": "x"}, None)
    with pytest.raises(TransitionNotAllowed) as refused:
        await data_quality_service.sign_template(session, owner, draft.id, {}, None, as_of=TODAY)
    assert refused.value.allowed_roles == ("service_manager",)
    director = actor(place.organisation_id, Role.DIRECTOR, scope=ScopeType.DIRECTORATE, scope_id=place.directorate_id)
    with pytest.raises(TransitionNotAllowed):
        await data_quality_service.sign_template(session, director, draft.id, {}, None, as_of=TODAY)
    manager = actor(place.organisation_id, Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=place.service_id)
    with pytest.raises(InvalidInput) as future:
        await data_quality_service.sign_template(
            session, manager, draft.id, {"signed_on": date(2026, 3, 21)}, None, as_of=TODAY
        )
    assert future.value.problems[0].field == "signed_on"
    signed = await data_quality_service.sign_template(session, manager, draft.id, {}, None, as_of=TODAY)
    assert (signed.state, signed.signed_on, signed.signed_by_name) == ("signed", TODAY, "Service Manager")
    # Another council sees nothing of it.
    other = await council(session, "SOUTHMERE")
    with pytest.raises(NotFound):
        await data_quality_service.get_template(session, other.team, draft.id)


async def test_the_gate_and_the_reminders_query(session: AsyncSession) -> None:
    place = await council(session)
    waste = await kpi(session, place, code="WS01")
    planning = await kpi(session, place, code="PL01")
    archived = await kpi(session, place, code="OLD1")
    archived.archived_at = waste.created_at
    await session.flush()
    organisation_settings = {"data_quality": {"require_signed_template_to_publish": True}}
    await organisation_service.update_organisation(session, place.team, {"settings": organisation_settings}, None)
    with pytest.raises(UnsignedTemplate) as refused:
        await data_quality_service.require_publishable(session, place.team, waste, "2026/27")
    assert "WS01" in refused.value.detail and "2026/27" in refused.value.detail

    draft = await data_quality_service.create_template(
        session, place.team, {"kpi_id": waste.id, "financial_year": "2026/27", **ANSWERS}
    )
    repository = DataQualityTemplateRepository(session)
    due = await repository.sign_offs_due(place.organisation_id, ["2026/27"])
    assert [(d.kpi_code, d.template_id, d.signer_role) for d in due] == [
        ("PL01", None, "service_manager"),
        ("WS01", draft.id, "service_manager"),
    ]
    assert {d.service_id for d in due} == {place.service_id}

    manager = actor(place.organisation_id, Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=place.service_id)
    await data_quality_service.sign_template(session, manager, draft.id, {}, None, as_of=TODAY)
    await data_quality_service.require_publishable(session, place.team, waste, "2026/27")
    assert [d.kpi_code for d in await repository.sign_offs_due(place.organisation_id, ["2026/27"])] == ["PL01"]
    assert planning.code == "PL01"
    # Next year starts from this year's signed template, and is due again.
    next_year = await data_quality_service.create_template(
        session, place.team, {"kpi_id": waste.id, "financial_year": "2027/28"}
    )
    assert next_year.copied_from_id == draft.id and next_year.seasonality == ANSWERS["seasonality"]
    due = await repository.sign_offs_due(place.organisation_id, ["2027/28"])
    assert [(d.kpi_code, d.template_id) for d in due] == [("PL01", None), ("WS01", next_year.id)]
