"""What an actor may do with a KPI's submissions: its placement, whether they own it, their roles there.

Who enters values and who moves a submission where are the domain workflow's rules
(``pmf_api.domain.workflow``); the owner and backup owner of the KPI count as its owner, and roles
count only where their scope reaches the KPI.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor, Placement
from pmf_api.domain.workflow import (
    FourEyes,
    Role,
    SubmissionState,
    allowed_submission_transitions,
    may_enter_values,
)
from pmf_api.framework.organisations.repository import directorates_and_portfolios, placement_of_service
from pmf_api.framework.organisations.service import four_eyes_required, get_organisation
from pmf_api.platform.errors import (
    PermissionDenied,
)

if TYPE_CHECKING:
    from pmf_api.performance.kpis.models import Kpi
    from pmf_api.performance.submissions.models import Submission


@dataclass(frozen=True)
class SubmissionContext:
    """A submission's KPI and what the actor may do with it."""

    kpi: Kpi
    placement: Placement | None
    is_owner: bool
    roles: frozenset[Role]
    subject: str = ""
    four_eyes_relaxed: bool = False

    def four_eyes(self, submission: Submission) -> FourEyes:
        """Four-eyes: whoever entered or submitted the value does not validate or publish it."""
        return FourEyes.of(
            self.subject,
            relaxed=self.four_eyes_relaxed,
            entered=submission.entered_by,
            submitted=submission.submitted_by,
        )

    def allowed(self, submission: Submission) -> tuple[SubmissionState, ...]:
        state = SubmissionState(submission.state)
        return allowed_submission_transitions(
            state, self.roles, is_owner=self.is_owner, four_eyes=self.four_eyes(submission)
        )


async def context_for(session: AsyncSession, actor: Actor, kpi: Kpi) -> SubmissionContext:
    placement = await placement_of_service(session, kpi.service_id, kpi.portfolio_id)
    relaxed = not four_eyes_required(await get_organisation(session, actor))
    return _context(actor, kpi, placement, relaxed)


async def contexts_for(session: AsyncSession, actor: Actor, kpis: Sequence[Kpi]) -> dict[uuid.UUID, SubmissionContext]:
    """:func:`context_for` of many KPIs, from one query of the structure."""
    services = await directorates_and_portfolios(session, actor.organisation_id)
    contexts = {}
    for kpi in kpis:
        service = services.get(kpi.service_id)
        placement = Placement(
            directorate_id=None if service is None else service.directorate_id,
            service_id=kpi.service_id,
            portfolio_id=kpi.portfolio_id or (None if service is None else service.portfolio_id),
        )
        contexts[kpi.id] = _context(actor, kpi, placement)
    return contexts


def _context(actor: Actor, kpi: Kpi, placement: Placement | None, relaxed: bool = False) -> SubmissionContext:
    # contexts_for serves bulk pushes, which enter and submit but never check: four-eyes needs no setting there.
    is_owner = actor.person_id is not None and actor.person_id in {kpi.owner_id, kpi.backup_owner_id}
    return SubmissionContext(kpi, placement, is_owner, actor.roles_over(placement), actor.subject, relaxed)


def require_may_enter_some(actor: Actor) -> None:
    """Refuse at once whoever could enter no KPI's values (neither a person, who might own some,
    nor the performance team)."""
    if actor.person_id is None and not may_enter_values(actor.roles, is_owner=False):
        raise PermissionDenied(
            detail="Pushing values needs the performance role over the KPIs (or being their owner or backup owner)"
        )


def entry_refusal(context: SubmissionContext) -> str | None:
    """Why the actor may not enter this KPI's values (None when they may): only its owner or
    backup, or the performance team, enter them (``domain.workflow.ENTRY_RULE``)."""
    if may_enter_values(context.roles, is_owner=context.is_owner):
        return None
    return f"Only the owner or backup owner of {context.kpi.code}, or the performance team, enter its values"


def require_entry(context: SubmissionContext) -> None:
    refusal = entry_refusal(context)
    if refusal is not None:
        raise PermissionDenied(detail=refusal)
