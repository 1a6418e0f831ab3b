"""The demo council's last ended quarter, frozen as reported (issue 13), so its Corporate
Performance Report is there to read straight after loading: ``GET /snapshots`` lists it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor, Grant, ScopeType
from pmf_api.demo.history import DEMO_TODAY
from pmf_api.domain import Frequency
from pmf_api.domain.periods import period_of
from pmf_api.domain.workflow import Role
from pmf_api.framework.organisations.models import Organisation, Person
from pmf_api.reporting.snapshots import service as snapshot_service


async def freeze_last_quarter(session: AsyncSession, organisation: Organisation, officer: Person) -> None:
    """Freeze the last quarter ended by the demo's today, as the performance officer would."""
    team = Actor(
        organisation_id=organisation.id,
        subject=officer.email,
        name=officer.name,
        grants=(Grant(Role.PERFORMANCE, ScopeType.ORGANISATION, None),),
        person_id=officer.id,
    )
    start_month = organisation.financial_year_start_month
    quarter = period_of(DEMO_TODAY, Frequency.QUARTERLY, start_month).previous()
    await snapshot_service.freeze(session, team, str(quarter), as_of=DEMO_TODAY)
