"""Use cases for targets: set a year's target, revise it mid-year, move it through approval.

A target's values change only by a new revision, which records the period it takes effect from
and why; earlier revisions are kept, so a period is always judged against the target that applied
to it (seed 001_ec6bae7b38cacc6f.txt: targets are stretched every six months).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_write
from pmf_api.domain.errors import DomainError
from pmf_api.domain.kpi import Aggregation, Polarity, ToleranceKind, Unit
from pmf_api.domain.periods import FinancialYear, Frequency, Period
from pmf_api.domain.rag import Tolerance, check_target
from pmf_api.domain.workflow import (
    FourEyes,
    TargetRevisionState,
    TargetState,
    revision_state_on_revise,
    target_move,
    target_revision_move,
)
from pmf_api.framework.organisations.service import four_eyes_required, get_organisation
from pmf_api.performance.kpis import service as kpi_service
from pmf_api.performance.kpis.repository import KpiRepository, placement_of_kpi
from pmf_api.performance.targets.models import Target, TargetRevision
from pmf_api.performance.targets.repository import TargetRepository
from pmf_api.platform import audit
from pmf_api.platform.db.base import LARGEST_STORED, utcnow
from pmf_api.platform.db.pages import Page
from pmf_api.platform.errors import Conflict, NotFound, field_problems, invalid, refuse

if TYPE_CHECKING:
    from pmf_api.performance.kpis.models import Kpi

VALUE_FIELDS = ("annual_target", "band_lower", "band_upper", "tolerance_kind", "tolerance_value", "profile")


targets = records.EntitySpec(
    repository=TargetRepository,
    resource=Resource.target,
    references=(records.Reference("kpi_id", KpiRepository),),
    placement=placement_of_kpi,
)


def target_values(kpi: Kpi, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a target's values against its KPI with the domain rules; return the columns to store."""
    tolerance_in = data.get("tolerance")
    tolerance = Tolerance(ToleranceKind(tolerance_in["kind"]), tolerance_in["value"]) if tolerance_in else None
    profile: Sequence[Decimal] | None = data.get("profile")
    polarity, frequency = Polarity(kpi.polarity), Frequency(kpi.frequency)
    problems = field_problems(
        check_target(
            polarity=polarity,
            unit=Unit(kpi.unit),
            target=data.get("annual_target"),
            tolerance=tolerance,
            band_lower=data.get("band_lower"),
            band_upper=data.get("band_upper"),
            aggregation=Aggregation(kpi.aggregation),
            profile=profile,
            decimal_places=kpi.decimal_places,
            frequency=frequency,
        )
    )
    refuse(problems)
    intervention_level = None
    if tolerance is not None and polarity is not Polarity.WITHIN_BAND and data.get("annual_target") is not None:
        intervention_level = tolerance.intervention_level(data["annual_target"], polarity)
        if abs(intervention_level) >= LARGEST_STORED:
            raise invalid("tolerance", "That tolerance puts the intervention level beyond any value a KPI can hold")
    return {
        "annual_target": data.get("annual_target"),
        "band_lower": data.get("band_lower"),
        "band_upper": data.get("band_upper"),
        "tolerance_kind": tolerance.kind.value if tolerance else None,
        "tolerance_value": tolerance.value if tolerance else None,
        "intervention_level": intervention_level,
        "profile": [str(entry) for entry in profile] if profile is not None else None,
    }


def _first_period(financial_year: str, frequency: Frequency) -> Period:
    year = FinancialYear.parse(financial_year)
    return {Frequency.MONTHLY: Period.month, Frequency.QUARTERLY: Period.quarter}.get(
        frequency, lambda y, _i: Period.year(y)
    )(year, 1)


async def create_target(session: AsyncSession, actor: Actor, data: Mapping[str, Any]) -> Target:
    try:
        kpi = await kpi_service.load_kpi(session, actor, data["kpi_id"])
    except NotFound:
        raise invalid("kpi_id", f"No KPI with id {data['kpi_id']} in this organisation") from None
    require_write(actor, Resource.target, await placement_of_kpi(session, {"kpi_id": kpi.id}))
    values = target_values(kpi, data)
    target = Target(
        organisation_id=actor.organisation_id,
        kpi_id=kpi.id,
        financial_year=data["financial_year"],
        target_type=data["target_type"],
        state=TargetState.DRAFT.value,
        revision_count=1,
        **values,
    )
    await records.guard_unique(
        session,
        lambda: audit.create(session, actor, target),
        "This KPI already has a target for that financial year; revise it instead",
    )
    revision = TargetRevision(
        target_id=target.id,
        number=1,
        effective_from=str(_first_period(target.financial_year, Frequency(kpi.frequency))),
        reason=data.get("reason"),
        created_by=actor.subject,
        **values,
    )
    await audit.create(session, actor, revision)
    await kpi_service.note_targets(session, kpi, target.created_at)
    return target


async def revise_target(
    session: AsyncSession,
    actor: Actor,
    target_id: uuid.UUID,
    data: Mapping[str, Any],
    expected_version: int | None,
) -> Target:
    """Revise a target from a period onwards. A revision of an approved target is proposed, and
    applies only once someone else approves it (``transition_revision``); one of a target not yet
    approved applies at once, as part of what will be approved (and whoever makes it then counts as
    its proposer)."""
    target = await records.get(session, actor, targets, target_id)
    kpi = await kpi_service.load_kpi(session, actor, target.kpi_id)
    require_write(actor, Resource.target, await placement_of_kpi(session, {"kpi_id": kpi.id}))
    if target.pending_revision is not None:
        raise Conflict(
            detail=f"Revision {target.pending_revision} of this target waits for approval: approve or refuse it "
            "before revising again"
        )
    repository = TargetRepository(session)
    effective_from = _effective_from(data["effective_from"], target, await repository.latest_revision(target))
    current: dict[str, Any] = {
        "annual_target": target.annual_target,
        "band_lower": target.band_lower,
        "band_upper": target.band_upper,
        "tolerance": target.tolerance,
        "profile": [Decimal(v) for v in target.profile] if target.profile is not None else None,
    }
    merged = {**current, **{k: v for k, v in data.items() if k in current}}
    values = target_values(kpi, merged)
    number = target.revision_count + 1
    state = revision_state_on_revise(TargetState(target.state))
    if state is TargetRevisionState.PROPOSED:
        changes: dict[str, Any] = {"revision_count": number, "pending_revision": number}
    else:
        changes = {**values, "revision_count": number}
        if target.state == TargetState.PROPOSED.value:
            changes["proposed_by"] = actor.subject  # they changed what is proposed: not its approver
    await audit.update(session, actor, target, changes, expected_version, action="revise", note=data["reason"])
    revision = TargetRevision(
        target_id=target.id,
        number=number,
        effective_from=str(effective_from),
        reason=data["reason"],
        created_by=actor.subject,
        state=state.value,
        **values,
    )
    await audit.create(session, actor, revision)
    return target


async def transition_revision(
    session: AsyncSession,
    actor: Actor,
    target_id: uuid.UUID,
    number: int,
    to: TargetRevisionState,
    expected_version: int | None,
    comment: str | None = None,
) -> Target:
    """Approve a proposed revision (its values become the target's from its period on) or refuse it
    (nothing applies); who may is who may approve a proposed target, and its proposer does not."""
    target = await records.get(session, actor, targets, target_id)
    revision = await TargetRepository(session).revision(target.id, number)
    if revision is None:
        raise NotFound(detail=f"This target has no revision {number}")
    if to is TargetRevisionState.REFUSED and not (comment and comment.strip()):
        raise invalid("comment", "Say why the revision is refused: the proposer reads it")
    where = await placement_of_kpi(session, {"kpi_id": target.kpi_id})
    relaxed = not four_eyes_required(await get_organisation(session, actor))
    eyes = FourEyes.of(actor.subject, relaxed=relaxed, proposed=revision.created_by)
    move = target_revision_move(TargetRevisionState(revision.state), to, actor.roles_over(where), four_eyes=eyes)
    note = "; ".join(n for n in (comment, move.note) if n) or None
    decision = {"state": move.state.value, "decided_by": actor.subject, "decided_at": utcnow(), "decision_note": note}
    await audit.update(session, actor, revision, decision, None, action="transition", note=note)
    changes: dict[str, Any] = {"pending_revision": None}
    if move.state is TargetRevisionState.APPROVED:
        changes |= {name: getattr(revision, name) for name in (*VALUE_FIELDS, "intervention_level")}
    await audit.update(
        session, actor, target, changes, expected_version, action="revision " + move.state.value, note=note
    )
    return target


def _effective_from(text: str, target: Target, latest: TargetRevision) -> Period:
    try:
        period = Period.parse(text)
    except DomainError as exc:
        raise invalid("effective_from", exc.message) from None
    if str(period.financial_year) != target.financial_year:
        raise invalid("effective_from", f"The revision must take effect within {target.financial_year}")
    if period.first_month_index < Period.parse(latest.effective_from).first_month_index:
        raise invalid(
            "effective_from",
            f"Revision {latest.number} already takes effect from {latest.effective_from}; "
            "a new one cannot start earlier",
        )
    return period


async def list_revisions(
    session: AsyncSession, actor: Actor, target_id: uuid.UUID, *, cursor: str | None = None, limit: int = 50
) -> Page[TargetRevision]:
    """A page of a target's revisions, oldest first."""
    target = await records.get(session, actor, targets, target_id)
    return await TargetRepository(session).revision_page(target.id, cursor=cursor, limit=limit)


async def transition_target(
    session: AsyncSession,
    actor: Actor,
    target_id: uuid.UUID,
    to: TargetState,
    expected_version: int | None,
    comment: str | None = None,
) -> Target:
    """Propose, approve or send back a target; who may is the domain workflow's rule, within scope,
    and four-eyes: whoever proposed it does not approve it."""
    target = await records.get(session, actor, targets, target_id)
    where = await placement_of_kpi(session, {"kpi_id": target.kpi_id})
    relaxed = not four_eyes_required(await get_organisation(session, actor))
    eyes = FourEyes.of(actor.subject, relaxed=relaxed, proposed=target.proposed_by)
    move = target_move(TargetState(target.state), to, actor.roles_over(where), four_eyes=eyes)
    proposer = {TargetState.PROPOSED: actor.subject, TargetState.DRAFT: None}.get(move.state, target.proposed_by)
    changes = {"state": move.state.value, "proposed_by": proposer}
    note = "; ".join(n for n in (comment, move.note) if n) or None
    await audit.update(session, actor, target, changes, expected_version, action="transition", note=note)
    return target


async def update_target(
    session: AsyncSession,
    actor: Actor,
    target_id: uuid.UUID,
    changes: dict[str, Any],
    expected_version: int | None,
) -> Target:
    return await records.update(session, actor, targets, target_id, changes, expected_version)
