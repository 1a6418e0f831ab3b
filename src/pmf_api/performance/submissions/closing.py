"""Where the collection cycle meets period close (issue 13, item 2): every write to a value asks whether
its period is open, and every publication of a value of a closed period goes into the restatement log.
The rules are ``pmf_api.domain.period_close``; the close and the log are ``performance.period_closes``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.domain.workflow import SubmissionState
from pmf_api.performance.period_closes import service as period_close_service
from pmf_api.performance.submissions.models import Submission
from pmf_api.performance.submissions.repository import SubmissionRepository
from pmf_api.platform.errors import Location

if TYPE_CHECKING:
    from pmf_api.performance.kpis.models import Kpi


async def ensure_writable(
    session: AsyncSession,
    actor: Actor,
    kpi: Kpi,
    value: Submission | str,
    *,
    revising: bool = False,
    publishing: bool = False,
    location: Location | None = None,
) -> None:
    """Refuse (409 ``period-closed``) a write to ``kpi``'s value (a submission, or the period of one not
    made yet) whose period is closed, unless the performance team makes it, a counted one as a revision.

    A counted value (validated or published) is what was reported: inside a closed period it changes only
    through a revision with its reason, never by being queried back and edited; publishing a validated
    value (``publishing``) changes nothing of it and may go ahead."""
    period = value if isinstance(value, str) else value.period
    state = None if isinstance(value, str) else value.state
    counted = state == SubmissionState.PUBLISHED.value or (state == SubmissionState.VALIDATED.value and not publishing)
    await period_close_service.ensure_open(
        session, actor, period, kpi_code=kpi.code, published=counted, revising=revising, location=location
    )


async def restate_if_closed(
    session: AsyncSession, actor: Actor, kpi: Kpi, submission: Submission, published_at: datetime
) -> None:
    """Log ``submission``'s publication as a restatement if its period is closed: what was published of
    its revisions before (if any) and what is published now, with the revision's reason."""
    previous = await SubmissionRepository(session).publication_before(submission.id, submission.revision)
    await period_close_service.record_restatement(
        session,
        actor,
        kpi_id=kpi.id,
        kpi_code=kpi.code,
        kpi_title=kpi.title,
        period=submission.period,
        submission_id=submission.id,
        revision=submission.revision,
        reported_value=None if previous is None else previous.value,
        reported_at=None if previous is None else previous.published_at,
        restated_value=submission.value,
        restated_at=published_at,
        revision_reason=submission.revision_reason,
    )
