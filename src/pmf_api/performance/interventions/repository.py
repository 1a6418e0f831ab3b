"""Queries of KPI Intervention Forms: the open form of each KPI (what status reads), a form's
progress, the portal's list, and the approvals waiting (what reminders read)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select

from pmf_api.domain.interventions import awaiting
from pmf_api.domain.workflow import InterventionState
from pmf_api.performance.interventions.models import Intervention, InterventionProgress
from pmf_api.platform.db.repository import OwnedRepository


@dataclass(frozen=True)
class OpenIntervention:
    """A KPI's open form, as status shows it."""

    id: uuid.UUID
    state: InterventionState
    period: str
    opened_on: Any  # a date


@dataclass(frozen=True)
class ApprovalWaiting:
    """A form waiting for an approval: who is expected to give it (a role, at a scope)."""

    organisation_id: uuid.UUID
    intervention_id: uuid.UUID
    kpi_id: uuid.UUID
    kpi_code: str
    kpi_title: str
    state: InterventionState
    approval: str  # head_of_service, director or portfolio_holder
    role: str  # the role that gives it: service_manager, director or portfolio_holder
    scope: str  # service, directorate or portfolio (access.actor.ScopeType's values)
    scope_id: uuid.UUID | None
    waiting_since: Any  # a datetime: when the form reached this state


_SCOPE_OF_ROLE = {"service_manager": "service", "director": "directorate", "portfolio_holder": "portfolio"}


class InterventionRepository(OwnedRepository[Intervention]):
    model = Intervention
    what = "intervention"
    sortable = {"opened_on": Intervention.opened_on, "updated_at": Intervention.updated_at}
    default_sort = "-opened_on"
    filters = {
        "opened_on_or_before": lambda value: Intervention.opened_on <= value,
        "opened_after": lambda value: Intervention.opened_on > value,
    }

    async def open_of_kpis(self, kpi_ids: Sequence[uuid.UUID] | Select[Any]) -> dict[uuid.UUID, OpenIntervention]:
        """The open form of each of ``kpi_ids`` that has one (ids, or a subquery giving them)."""
        statement = select(
            Intervention.kpi_id, Intervention.id, Intervention.state, Intervention.period, Intervention.opened_on
        ).where(Intervention.open_kpi_id.in_(kpi_ids))
        return {
            row.kpi_id: OpenIntervention(row.id, InterventionState(row.state), row.period, row.opened_on)
            for row in await self.session.execute(statement)
        }

    async def open_for_kpi(self, kpi_id: uuid.UUID) -> Intervention | None:
        found: Intervention | None = await self.session.scalar(
            select(Intervention).where(Intervention.open_kpi_id == kpi_id)
        )
        return found

    async def progress(self, intervention_id: uuid.UUID) -> list[InterventionProgress]:
        rows = await self.session.scalars(
            select(InterventionProgress)
            .where(InterventionProgress.intervention_id == intervention_id)
            .order_by(InterventionProgress.period_end)
        )
        return list(rows)

    async def progress_of_period(self, intervention_id: uuid.UUID, period: str) -> InterventionProgress | None:
        found: InterventionProgress | None = await self.session.scalar(
            select(InterventionProgress).where(
                InterventionProgress.intervention_id == intervention_id, InterventionProgress.period == period
            )
        )
        return found

    async def approvals_waiting(self, organisation_id: uuid.UUID | None = None) -> list[ApprovalWaiting]:
        """Every form waiting for an approval (of one organisation, or of all: a reminder job's
        query), oldest first, with the role and scope expected to give it (Appendix F's order)."""
        states = [state.value for state in InterventionState if awaiting(state) is not None]
        statement = (
            select(Intervention)
            .where(Intervention.state.in_(states), Intervention.is_open.is_(True))
            .order_by(Intervention.updated_at, Intervention.id)
        )
        if organisation_id is not None:
            statement = statement.where(Intervention.organisation_id == organisation_id)
        waiting: list[ApprovalWaiting] = []
        for form in await self.session.scalars(statement):
            state = InterventionState(form.state)
            step = awaiting(state)
            assert step is not None
            scope = _SCOPE_OF_ROLE[step.role.value]
            scope_id = {"service": form.service_id, "directorate": form.directorate_id}.get(scope, form.portfolio_id)
            waiting.append(
                ApprovalWaiting(
                    form.organisation_id,
                    form.id,
                    form.kpi_id,
                    form.kpi_code,
                    form.kpi_title,
                    state,
                    step.approval.value,
                    step.role.value,
                    scope,
                    scope_id,
                    form.updated_at,
                )
            )
        return waiting
