"""Calculated KPIs and the annual cycle, called as a CLI or a job would: a session and an actor, no HTTP."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.domain.workflow import Role, SubmissionState
from pmf_api.performance.annual_cycle import service as cycle_service
from pmf_api.performance.calculations import service as calculation_service
from pmf_api.performance.submissions import service as submission_service
from pmf_api.performance.submissions.repository import SubmissionRepository
from pmf_api.platform.errors import Conflict, InvalidInput, PermissionDenied
from tests.service.builders import actor, council, kpi

AS_OF = date(2026, 11, 30)
COUNT = {"unit": "count", "aggregation": "sum", "decimal_places": 0}


async def test_a_formula_set_later_computes_the_periods_its_inputs_have(session: AsyncSession) -> None:
    place = await council(session)
    first = await kpi(session, place, code="FIRST", **COUNT)
    second = await kpi(session, place, code="SECOND", **COUNT)
    share = await kpi(session, place, code="SHARE", aggregation="average")
    for made, value in ((first, 3), (second, 1)):
        for period in ("2026/27 P1", "2026/27 P2"):
            await submission_service.save_values(
                session,
                place.team,
                made,
                period,
                submission_service.SubmissionValues(value=Decimal(value)),
                as_of=AS_OF,
            )
    view = await calculation_service.set_formula(
        session,
        place.team,
        share.id,
        {"formula": "{FIRST}/({FIRST}+{SECOND})*100", "on_zero_divisor": "zero"},
        None,
    )
    assert view.periods_recomputed == 2
    assert [code for _, code in view.inputs] == ["FIRST", "SECOND"]
    computed = await SubmissionRepository(session).of_period(share.id, "2026/27 P2")
    assert computed is not None
    assert (computed.value, computed.state) == (Decimal(75), SubmissionState.DRAFT.value)
    with pytest.raises(Conflict):
        await submission_service.save_values(
            session, place.team, share, "2026/27 P3", submission_service.SubmissionValues(value=Decimal(1)), as_of=AS_OF
        )
    # A KPI with values entered by hand does not become calculated.
    with pytest.raises(Conflict):
        await calculation_service.set_formula(session, place.team, first.id, {"formula": "{SECOND} * 2"}, None)
    # Only those who may change the KPI set its formula.
    with pytest.raises(PermissionDenied):
        await calculation_service.set_formula(
            session, actor(place.organisation_id, Role.VIEWER), share.id, {"formula": "{FIRST}"}, None
        )
    with pytest.raises(InvalidInput) as refused:
        await calculation_service.set_formula(session, place.team, share.id, {"formula": "{FIRST} / {SECOND}"}, None)
    assert refused.value.problems[0].field == "formula"


async def test_a_roll_forward_with_no_history_proposes_nothing_and_creates_nothing(session: AsyncSession) -> None:
    place = await council(session)
    await kpi(session, place, code="NEW", **COUNT)
    proposals = await cycle_service.roll_forward(
        session, place.team, None, growth_percentage=Decimal(5), reduction_percentage=Decimal(5), as_of=AS_OF
    )
    assert {p.financial_year for p in proposals} == {"2027/28"}  # the year after the current one
    assert [(p.kpi.code, p.proposed_annual_target, p.profile) for p in proposals] == [("NEW", None, None)]
    outcome = await cycle_service.apply_roll_forward(
        session, place.team, "2027/28", growth_percentage=Decimal(5), reduction_percentage=Decimal(5), as_of=AS_OF
    )
    assert outcome.created == [] and [p.kpi.code for p, _ in outcome.skipped] == ["NEW"]
    with pytest.raises(InvalidInput):
        await cycle_service.roll_forward(
            session, place.team, "2027", growth_percentage=Decimal(5), reduction_percentage=Decimal(5), as_of=AS_OF
        )
