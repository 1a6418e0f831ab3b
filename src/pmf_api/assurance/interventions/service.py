"""Use cases of the KPI Intervention Form (seed 001_ec6bae7b38cacc6f.txt, Appendix F): open it, fill
it in, submit and approve it in order, record progress, close it.

The rules are the domain's (``domain.interventions``, ``workflow.INTERVENTION_MACHINE``); the form's
records and queries are ``performance.interventions``. The use cases live here, a layer above
status, because two of them ask status: opening reads whether the escalation rule recommends a form,
and closing on recovery reads whether the closing rule allows it. Status in turn reads the open form
of each KPI from ``performance.interventions``, so there is no cycle.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor, Placement
from pmf_api.access.policy import require_read
from pmf_api.domain.errors import DomainError
from pmf_api.domain.interventions import (
    APPROVAL_STEPS,
    EDITABLE_STATES,
    OPEN_STATES,
    InterventionOutcome,
    approval_four_eyes,
    approval_reached,
    check_progress_period,
    closing_state,
    intervention_move,
    opening_basis,
)
from pmf_api.domain.periods import Period
from pmf_api.domain.roles import Role
from pmf_api.domain.workflow import InterventionState
from pmf_api.framework.organisations.repository import PersonRepository, PortfolioRepository
from pmf_api.framework.organisations.service import four_eyes_required, get_organisation
from pmf_api.performance.interventions.models import Intervention, InterventionProgress
from pmf_api.performance.interventions.repository import InterventionRepository
from pmf_api.performance.kpis import service as kpi_service
from pmf_api.performance.kpis.repository import KpiRepository
from pmf_api.performance.status import service as status_service
from pmf_api.platform import audit, events
from pmf_api.platform.db.base import utcnow
from pmf_api.platform.errors import Conflict, InvalidInput, Location, NotFound, PermissionDenied, invalid

if TYPE_CHECKING:
    from pmf_api.performance.kpis.models import Kpi

# Who opens a form and fills it in: the performance team, or the Head of Service, over the KPI's
# service (and the KPI's owner or backup fills it in and submits it).
WRITERS = frozenset({Role.PERFORMANCE, Role.SERVICE_MANAGER})


@dataclass(frozen=True)
class Form:
    """A form with its KPI and where the KPI sits (what scoped roles reach it by)."""

    record: Intervention
    kpi: Kpi
    where: Placement | None

    def is_owner(self, actor: Actor) -> bool:
        return actor.person_id is not None and actor.person_id in {self.kpi.owner_id, self.kpi.backup_owner_id}

    def require_writer(self, actor: Actor, doing: str) -> None:
        if not (self.is_owner(actor) or actor.holds(WRITERS, self.where)):
            raise PermissionDenied(
                detail=f"{doing} needs the performance or service_manager role over the KPI's service, "
                "or to own the KPI"
            )


async def load_form(session: AsyncSession, actor: Actor, intervention_id: uuid.UUID) -> Form:
    require_read(actor)
    record = await InterventionRepository(session).get(actor, intervention_id)
    kpi = await kpi_service.load_kpi(session, actor, record.kpi_id)
    return Form(record, kpi, await KpiRepository(session).placement(kpi.id))


async def _status(session: AsyncSession, actor: Actor, kpi_id: uuid.UUID, period: str | None, as_of: date) -> Any:
    """The KPI's status; a period status refuses is pointed at in the body (``#/period``)."""
    try:
        return await status_service.kpi_status(session, actor, kpi_id, period, as_of=as_of)
    except InvalidInput as exc:
        raise invalid("period", exc.detail) from None


async def _names(
    session: AsyncSession, actor: Actor, kpi: Kpi, where: Placement | None
) -> tuple[str | None, str | None]:
    """The portfolio holder's and the KPI holder's names, as they are now."""
    portfolio_id = None if where is None else where.portfolio_id
    portfolio = None if portfolio_id is None else await PortfolioRepository(session).find(actor, portfolio_id)
    holder_id = None if portfolio is None else portfolio.holder_id
    names = await PersonRepository(session).names([holder_id, kpi.owner_id])
    return (
        None if holder_id is None else names.get(holder_id),
        None if kpi.owner_id is None else names.get(kpi.owner_id),
    )


async def open_intervention(
    session: AsyncSession, actor: Actor, data: Mapping[str, Any], *, as_of: date
) -> Intervention:
    """Open a form for a KPI in a month (default: its latest period that has ended): on the
    escalation rule, or on judgement with a reason. One open form per KPI."""
    require_read(actor)
    try:
        kpi = await kpi_service.load_kpi(session, actor, data["kpi_id"])
    except NotFound:
        raise invalid("kpi_id", f"No KPI with id {data['kpi_id']} in this organisation") from None
    where = await KpiRepository(session).placement(kpi.id)
    if not actor.holds(WRITERS, where):
        raise PermissionDenied(
            detail="Opening a KPI Intervention Form needs the performance or service_manager role "
            "over the KPI's service"
        )
    repository = InterventionRepository(session)
    existing = await repository.open_for_kpi(kpi.id)
    if existing is not None:
        raise _already_open(kpi, existing)
    status = await _status(session, actor, kpi.id, data.get("period"), as_of)
    evaluation = status.evaluation
    try:
        basis = opening_basis(evaluation.escalation, data.get("reason"))
    except DomainError as exc:
        raise invalid("reason", exc.message) from None
    portfolio_holder, kpi_holder = await _names(session, actor, kpi, where)
    form = Intervention(
        organisation_id=actor.organisation_id,
        kpi_id=kpi.id,
        open_kpi_id=kpi.id,
        is_open=True,
        state=InterventionState.DRAFT.value,
        service_id=kpi.service_id,
        directorate_id=None if where is None else where.directorate_id,
        portfolio_id=None if where is None else where.portfolio_id,
        period=str(status.period),
        kpi_code=kpi.code,
        kpi_title=kpi.title,
        portfolio_holder=portfolio_holder,
        kpi_holder=kpi_holder,
        target=evaluation.status.target,
        intervention_level=evaluation.status.intervention_level,
        actual=evaluation.value,
        rag=None if evaluation.rag is None else evaluation.rag.value,
        basis=basis.value,
        opening_reasons=list(evaluation.escalation.reasons),
        opening_reason=data.get("reason"),
        opened_on=as_of,
        opened_by=actor.subject,
        opened_by_name=actor.name,
        cause=data.get("cause"),
        steps=data.get("steps"),
    )
    await records.guard_unique(
        session, lambda: audit.create(session, actor, form), f"{kpi.code} already has an open intervention"
    )
    await _emit(session, form, "intervention.opened", {"by": actor.subject, "basis": basis.value})
    return form


async def _emit(session: AsyncSession, form: Intervention, event_type: str, data: dict[str, Any]) -> None:
    """Tell subscribers (webhooks: a portal, Teams, Power Automate) of the form, in the write's transaction."""
    await events.emit(
        session,
        organisation_id=form.organisation_id,
        event_type=event_type,
        subject={"intervention_id": form.id, "kpi_id": form.kpi_id, "period": form.period},
        data={"kpi_code": form.kpi_code, "kpi_title": form.kpi_title, "state": form.state, **data},
    )


def _already_open(kpi: Kpi, existing: Intervention) -> Conflict:
    return Conflict(
        detail=f"{kpi.code} already has an open intervention ({existing.id}, {existing.state}): "
        "one form per KPI is open at a time; close or withdraw it first"
    )


async def update_intervention(
    session: AsyncSession,
    actor: Actor,
    intervention_id: uuid.UUID,
    changes: dict[str, Any],
    expected_version: int | None,
) -> Intervention:
    """Change the cause and the steps, while the form is a draft (new, or sent back)."""
    form = await load_form(session, actor, intervention_id)
    form.require_writer(actor, "Filling in a KPI Intervention Form")
    state = InterventionState(form.record.state)
    if state not in EDITABLE_STATES:
        raise Conflict(
            detail=f"The form is {state.value}: its cause and steps change only while it is a draft "
            "(the approver whose turn it is may send it back)"
        )
    await audit.update(session, actor, form.record, changes, expected_version)
    return form.record


def _approvals_cleared() -> dict[str, Any]:
    return {f"{step.approval.value}_{part}": None for step in APPROVAL_STEPS for part in ("by", "name", "at")}


async def transition_intervention(
    session: AsyncSession,
    actor: Actor,
    intervention_id: uuid.UUID,
    to: InterventionState,
    expected_version: int | None,
    comment: str | None = None,
) -> Intervention:
    """Submit, approve (in order, within scope, four-eyes) or send back a form."""
    form = await load_form(session, actor, intervention_id)
    record = form.record
    relaxed = not four_eyes_required(await get_organisation(session, actor))
    eyes = approval_four_eyes(
        actor.subject,
        opened_by=record.opened_by,
        submitted_by=record.submitted_by,
        approved_by=(record.head_of_service_by, record.director_by),
        relaxed=relaxed,
    )
    unanswered = tuple(name for name in ("cause", "steps") if not (getattr(record, name) or "").strip())
    move = intervention_move(
        InterventionState(record.state),
        to,
        actor.roles_over(form.where),
        four_eyes=eyes,
        is_owner=form.is_owner(actor),
        comment=comment,
        unanswered=unanswered,
    )
    now = utcnow()
    changes: dict[str, Any] = {"state": move.state.value}
    step = approval_reached(move.state)
    if move.state is InterventionState.SUBMITTED:
        changes |= {"submitted_by": actor.subject, "submitted_at": now}
    elif move.state is InterventionState.DRAFT:
        # Sent back: the approvals start again once it is submitted again.
        changes |= {"submitted_by": None, "submitted_at": None, "sent_back_comment": comment, **_approvals_cleared()}
    elif step is not None:
        prefix = step.approval.value
        changes |= {f"{prefix}_by": actor.subject, f"{prefix}_name": actor.name, f"{prefix}_at": now}
    note = "; ".join(n for n in (comment, move.note) if n) or None
    await audit.update(session, actor, record, changes, expected_version, action="transition", note=note)
    if step is not None:
        approval = {"approval": step.approval.value, "by": actor.subject, "name": actor.name}
        await _emit(session, record, "intervention.approved", approval)
    return record


async def close_intervention(
    session: AsyncSession,
    actor: Actor,
    intervention_id: uuid.UUID,
    outcome: InterventionOutcome,
    reason: str | None,
    expected_version: int | None,
    *,
    as_of: date,
) -> Intervention:
    """Close a form: on recovery, when the closing rule says the KPI is back within tolerance in
    its latest period that has ended; or withdrawn, with a reason."""
    form = await load_form(session, actor, intervention_id)
    record = form.record
    closure = None
    if outcome is InterventionOutcome.RECOVERED and InterventionState(record.state) in OPEN_STATES:
        closure = (await _status(session, actor, form.kpi.id, None, as_of)).evaluation.closure
    end = closing_state(
        InterventionState(record.state), outcome, actor.roles_over(form.where), closure=closure, reason=reason
    )
    why = reason or ("" if closure is None else " ".join(closure.reasons))
    changes = {
        "state": end.value,
        "is_open": False,
        "open_kpi_id": None,
        "outcome": outcome.value,
        "closing_reason": why,
        "closed_by": actor.subject,
        "closed_at": utcnow(),
    }
    await audit.update(session, actor, record, changes, expected_version, action="close", note=why)
    return record


async def record_progress(
    session: AsyncSession,
    actor: Actor,
    intervention_id: uuid.UUID,
    period_text: str,
    data: Mapping[str, Any],
    expected_version: int | None,
) -> Intervention:
    """The team's note and "further intervention required?" for a period after opening (the
    target and actual are read from the published values when the form is shown)."""
    form = await load_form(session, actor, intervention_id)
    form.require_writer(actor, "Recording an intervention's progress")
    record = form.record
    if not record.is_open:
        raise Conflict(detail=f"The form is {record.state}: its progress is kept as it was when it closed")
    try:
        period = Period.parse(period_text)
        check_progress_period(Period.parse(record.period), period)
    except DomainError as exc:
        raise invalid("period", exc.message, Location.PATH) from None
    organisation = await get_organisation(session, actor)
    repository = InterventionRepository(session)
    row = await repository.progress_of_period(record.id, str(period))
    values = {key: data[key] for key in ("note", "further_intervention_required") if key in data}
    # The form's version moves with its progress, so its ETag covers it (and If-Match guards it).
    await audit.update(
        session, actor, record, {"updated_at": utcnow()}, expected_version, action="progress", note=str(period)
    )
    if row is None:
        row = InterventionProgress(
            intervention_id=record.id,
            period=str(period),
            period_end=period.end_date(organisation.financial_year_start_month),
            recorded_by=actor.subject,
            **values,
        )
        await audit.create(session, actor, row)
    else:
        await audit.update(session, actor, row, {**values, "recorded_by": actor.subject, "recorded_at": utcnow()}, None)
    return record
