"""Use cases of the collection cycle: enter and submit a value, query it, validate, publish, revise.

Who may move a submission where is the domain workflow's rule (``pmf_api.domain.workflow``); the
owner and backup owner of the KPI count as its owner, and roles count only where their scope
reaches the KPI. Every save runs the domain's sense-checks and stores their flags: they never block
a submission, they tell the performance team where to look; one rule does block submitting: a value
shown Amber or Red needs a commentary (seed 001, E.1; an organisation setting, on by default).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_read
from pmf_api.domain.workflow import (
    EDITABLE_SUBMISSION_STATES,
    Role,
    SubmissionState,
    start_submission_revision,
    submission_move,
    submitted_state,
)
from pmf_api.framework.organisations.service import get_organisation, settings_of
from pmf_api.performance import mapping
from pmf_api.performance.data_quality import service as data_quality_service
from pmf_api.performance.kpis import service as kpi_service
from pmf_api.performance.submissions import closing
from pmf_api.performance.submissions.calculated import held_back, recompute_dependents, refuse_hand_entry
from pmf_api.performance.submissions.context import (
    SubmissionContext,
    context_for,
    contexts_for,
    entry_refusal,
    require_entry,
    require_may_enter_some,
)
from pmf_api.performance.submissions.models import PublishedValue, Submission, SubmissionMessage
from pmf_api.performance.submissions.repository import SubmissionRepository
from pmf_api.performance.submissions.values import (
    VALUE_FIELDS,
    SubmissionValues,
    check_values,
    draft_values,
    flags_for,
    not_editable_message,
    parse_period,
    require_figures,
    same_value,
    sense_check,
    stored_values,
    value_problems,
)
from pmf_api.platform import audit, events
from pmf_api.platform.db.pages import Page
from pmf_api.platform.errors import (
    Conflict,
    Location,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    invalid,
)

if TYPE_CHECKING:
    from pmf_api.framework.organisations.models import Organisation
    from pmf_api.performance.kpis.models import Kpi

EDITABLE = EDITABLE_SUBMISSION_STATES
__all__ = [
    "EDITABLE",
    "SubmissionContext",
    "SubmissionValues",
    "contexts_for",
    "draft_values",
    "entry_refusal",
    "flags_for",
    "not_editable_message",
    "parse_period",
    "require_may_enter_some",
    "same_value",
    "stored_values",
    "value_problems",
]
SaveOutcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class SaveResult:
    submission: Submission
    outcome: SaveOutcome


async def load_kpi(session: AsyncSession, actor: Actor, kpi_id: uuid.UUID) -> Kpi:
    return await kpi_service.load_kpi(session, actor, kpi_id)


async def save_values(
    session: AsyncSession,
    actor: Actor,
    kpi: Kpi,
    period_text: str,
    values: SubmissionValues,
    *,
    as_of: date,
    submit: bool = False,
    expected_version: int | None = None,
    require_precondition: bool = False,
    organisation: Organisation | None = None,
) -> SaveResult:
    """Enter (or change) the values of one KPI for one period, and optionally submit them.

    A new submission starts as a draft. An existing one can be changed only while it is a draft
    or queried; a submitted value is with the performance team and a published one changes only
    through a revision. ``require_precondition`` makes an unconditional overwrite of an existing
    submission an error (the HTTP API asks for If-Match, so two people saving at once cannot
    silently overwrite each other).
    """
    refuse_hand_entry(kpi)
    context = await context_for(session, actor, kpi)
    require_entry(context)
    organisation = organisation or await get_organisation(session, actor)
    period = parse_period(period_text, kpi, organisation, as_of, location=Location.PATH)
    check_values(kpi, values)
    stored = stored_values(mapping.definition_of(kpi), values)
    if submit:
        require_figures(kpi, values)
    submission = await SubmissionRepository(session).of_period(kpi.id, str(period))
    if submission is None:
        if expected_version is not None:
            raise PreconditionFailed.if_match(f"There is no submission of {kpi.code} for {period} to match If-Match")
        await closing.ensure_writable(session, actor, kpi, str(period), location=Location.PATH)
        flags = await sense_check(session, kpi, organisation, period, stored, as_of)
        submission = Submission(
            **draft_values(actor, kpi.id, period, organisation.financial_year_start_month, {**stored, "flags": flags})
        )
        await records.guard_unique(
            session,
            lambda: audit.create(session, actor, submission),
            # Two people created it at once: the other one won (412, as for any concurrent save).
            "Someone else saved this submission at the same moment; read it and apply your change again",
            conflict=PreconditionFailed,
        )
        await kpi_service.note_values(session, [kpi.id], submission.created_at)
        outcome: SaveOutcome = "created"
    else:
        if require_precondition and expected_version is None:
            raise PreconditionFailed.if_match(
                f"{kpi.code} already has a submission for {period}: send If-Match with its ETag to change it"
            )
        state = SubmissionState(submission.state)
        unchanged = all(same_value(getattr(submission, k), v) for k, v in stored.items())
        if unchanged and not submit:
            return SaveResult(submission, "unchanged")
        await closing.ensure_writable(session, actor, kpi, submission, location=Location.PATH)
        if state not in EDITABLE and not (unchanged and submit):
            raise Conflict(detail=not_editable_message(kpi.code, period, state))
        if not unchanged:
            flags = await sense_check(session, kpi, organisation, period, stored, as_of)
            await audit.update(
                session, actor, submission, {**stored, "flags": flags, "entered_by": actor.subject}, expected_version
            )
        outcome = "unchanged" if unchanged else "updated"
    if submit:
        require_commentary(organisation, submission)
        await _move(session, actor, context, submission, submitted_state(SubmissionState(submission.state)), None)
        outcome = "created" if outcome == "created" else "updated"
    await recompute_dependents(session, actor, kpi.id, submission.period)
    return SaveResult(submission, outcome)


def require_commentary(organisation: Organisation, submission: Submission) -> None:
    """A value shown Amber or Red is not submitted without a commentary (seed 001_ec6bae7b38cacc6f.txt,
    E.1: "add a comment explaining what has happened and why"), unless the organisation turns it off.
    The RAG is the one the latest save's sense-checks found (their ``missing_comment`` flag)."""
    if not settings_of(organisation).commentary_required:
        return
    flag = next((f for f in submission.flags or () if f.get("code") == "missing_comment"), None)
    if flag is not None and not (submission.commentary or "").strip():
        raise invalid("commentary", str(flag.get("message") or "A commentary is needed to submit this value"))


async def get_submission(session: AsyncSession, actor: Actor, submission_id: uuid.UUID) -> Submission:
    require_read(actor)
    return await SubmissionRepository(session).get(actor, submission_id)


async def find_submission(session: AsyncSession, actor: Actor, kpi: Kpi, period: str) -> Submission:
    submission = await SubmissionRepository(session).of_period(kpi.id, period)
    if submission is None:
        raise NotFound(detail=f"{kpi.code} has no submission for {period}")
    return submission


async def allowed_moves(
    session: AsyncSession, actor: Actor, context: SubmissionContext, submission: Submission
) -> tuple[SubmissionState, ...]:
    """The moves ``actor`` may make on ``submission`` now: the workflow's, less what the council's rules
    refuse. Nobody moves a calculated KPI's value (except publishing one the data quality gate held), and
    publishing waits for a signed template while the gate is on."""
    allowed = context.allowed(submission)
    if context.kpi.formula is not None:
        held = SubmissionState.PUBLISHED in allowed and await held_back(session, actor, context.kpi, submission)
        allowed = (SubmissionState.PUBLISHED,) if held else ()
    if SubmissionState.PUBLISHED in allowed and not await data_quality_service.may_publish(
        session, actor, context.kpi, submission.financial_year
    ):
        allowed = tuple(state for state in allowed if state is not SubmissionState.PUBLISHED)
    return allowed


async def submission_context(session: AsyncSession, actor: Actor, submission: Submission) -> SubmissionContext:
    # Not locked: the submission is, and a save locks the KPI before its submission (no deadlock).
    kpi = await kpi_service.load_kpi(session, actor, submission.kpi_id, lock=False)
    return await context_for(session, actor, kpi)


async def transition(
    session: AsyncSession,
    actor: Actor,
    submission_id: uuid.UUID,
    to: SubmissionState,
    *,
    message: str | None = None,
    expected_version: int | None = None,
    commentary_public: bool = False,
) -> Submission:
    """Move a submission through the workflow. A query needs a message saying what to check;
    ``commentary_public`` (publishing only) lets the commentary go out with the value as open data."""
    submission = await get_submission(session, actor, submission_id)
    context = await submission_context(session, actor, submission)
    if expected_version is not None and expected_version != submission.version:
        raise PreconditionFailed.if_match(
            f"You read version {expected_version} but the submission is now at version {submission.version}"
        )
    if to is SubmissionState.QUERIED and not (message and message.strip()):
        raise invalid("message", "Say what the owner should check: a query needs a message")
    if commentary_public and to is not SubmissionState.PUBLISHED:
        raise invalid("commentary_public", "Only a value being published has a commentary to make public")
    if not (to is SubmissionState.PUBLISHED and await held_back(session, actor, context.kpi, submission)):
        refuse_hand_entry(context.kpi)
    if to in {SubmissionState.SUBMITTED, SubmissionState.RESUBMITTED}:
        require_figures(context.kpi, submission)
        require_commentary(await get_organisation(session, actor), submission)
    await closing.ensure_writable(session, actor, context.kpi, submission, publishing=to is SubmissionState.PUBLISHED)
    await _move(session, actor, context, submission, to, message, commentary_public=commentary_public)
    await recompute_dependents(session, actor, submission.kpi_id, submission.period)
    return submission


async def _move(
    session: AsyncSession,
    actor: Actor,
    context: SubmissionContext,
    submission: Submission,
    to: SubmissionState,
    message: str | None,
    *,
    commentary_public: bool = False,
) -> None:
    current = SubmissionState(submission.state)
    move = submission_move(
        current, to, context.roles, is_owner=context.is_owner, four_eyes=context.four_eyes(submission)
    )
    if to is SubmissionState.PUBLISHED:
        # Every publication comes through here: the organisation's data quality gate (seed 001, B.1).
        await data_quality_service.require_publishable(session, actor, context.kpi, submission.financial_year)
    now = datetime.now(UTC)
    changes: dict[str, Any] = {"state": to.value}
    if to in {SubmissionState.SUBMITTED, SubmissionState.RESUBMITTED}:
        changes |= {"submitted_by": actor.subject, "submitted_at": now}
        if submission.first_submitted_at is None:
            changes["first_submitted_at"] = now
    elif to is SubmissionState.VALIDATED:
        changes |= {"validated_by": actor.subject, "validated_at": now}
    elif to is SubmissionState.PUBLISHED:
        changes |= {"published_at": now}
    await audit.update(session, actor, submission, changes, None, action="transition", note=move.note)
    if message and message.strip():
        kind = {SubmissionState.QUERIED: "query", SubmissionState.RESUBMITTED: "answer"}.get(to, "note")
        await _add_message(session, actor, submission, kind, message)
    await _emit(session, actor, context, submission, to, message)
    if to is SubmissionState.PUBLISHED:
        published = PublishedValue(
            submission_id=submission.id,
            revision=submission.revision,
            **{k: getattr(submission, k) for k in VALUE_FIELDS},
            reason=submission.revision_reason,
            commentary_public=commentary_public,
            published_by=actor.subject,
            published_at=now,
        )
        await audit.create(session, actor, published)
        await closing.restate_if_closed(session, actor, context.kpi, submission, now)


# The workflow steps a webhook may hear of (issue 11, section 4), emitted in the step's transaction.
EVENTS = {
    SubmissionState.SUBMITTED: "value.submitted",
    SubmissionState.RESUBMITTED: "value.submitted",
    SubmissionState.QUERIED: "value.queried",
    SubmissionState.PUBLISHED: "value.published",
}


async def _emit(
    session: AsyncSession,
    actor: Actor,
    context: SubmissionContext,
    submission: Submission,
    to: SubmissionState,
    message: str | None,
) -> None:
    event_type = EVENTS.get(to)
    if event_type is None:
        return
    kpi = context.kpi
    data: dict[str, Any] = {
        "kpi_code": kpi.code,
        "kpi_title": kpi.title,
        "state": to.value,
        "revision": submission.revision,
        **{name: getattr(submission, name) for name in VALUE_FIELDS},
        "by": actor.subject,
    }
    if to is SubmissionState.QUERIED:
        data["message"] = (message or "").strip()
    await events.emit(
        session,
        organisation_id=submission.organisation_id,
        event_type=event_type,
        subject={"submission_id": submission.id, "kpi_id": kpi.id, "period": submission.period},
        data=data,
    )


async def _add_message(
    session: AsyncSession, actor: Actor, submission: Submission, kind: str, body: str
) -> SubmissionMessage:
    message = SubmissionMessage(
        submission_id=submission.id,
        kind=kind,
        body=body.strip(),
        author_subject=actor.subject,
        author_name=actor.name,
    )
    session.add(message)
    await session.flush()
    await audit.record(session, actor, "message", submission, None)
    return message


async def add_message(session: AsyncSession, actor: Actor, submission_id: uuid.UUID, body: str) -> SubmissionMessage:
    """Add to the submission's conversation: the owner, backup and performance team take part."""
    submission = await get_submission(session, actor, submission_id)
    context = await submission_context(session, actor, submission)
    require_entry(context)
    return await _add_message(session, actor, submission, "note", body)


async def messages(
    session: AsyncSession, actor: Actor, submission_id: uuid.UUID, *, cursor: str | None = None, limit: int = 50
) -> Page[SubmissionMessage]:
    """A page of a submission's query thread, oldest first."""
    submission = await get_submission(session, actor, submission_id)
    return await SubmissionRepository(session).messages(submission.id, cursor=cursor, limit=limit)


async def revise(
    session: AsyncSession, actor: Actor, submission_id: uuid.UUID, reason: str, expected_version: int | None
) -> Submission:
    """Reopen a published value as a new revision (a draft), keeping what was published."""
    submission = await get_submission(session, actor, submission_id)
    context = await submission_context(session, actor, submission)
    refuse_hand_entry(context.kpi)
    await closing.ensure_writable(session, actor, context.kpi, submission, revising=True)
    new_state = start_submission_revision(
        SubmissionState(submission.state), context.roles, is_owner=context.is_owner, reason=reason
    )
    await audit.update(
        session,
        actor,
        submission,
        {"state": new_state.value, "revision": submission.revision + 1, "revision_reason": reason.strip()},
        expected_version,
        action="revise",
        note=reason.strip(),
    )
    await recompute_dependents(session, actor, submission.kpi_id, submission.period)
    return submission


async def published_values(
    session: AsyncSession, actor: Actor, submission_id: uuid.UUID, *, cursor: str | None = None, limit: int = 50
) -> Page[PublishedValue]:
    """A page of a submission's published versions, oldest first."""
    submission = await get_submission(session, actor, submission_id)
    return await SubmissionRepository(session).publications(submission.id, cursor=cursor, limit=limit)


async def set_commentary_public(
    session: AsyncSession,
    actor: Actor,
    submission_id: uuid.UUID,
    revision: int,
    commentary_public: bool | None,
    expected_version: int | None = None,
) -> PublishedValue:
    """Say whether a publication's commentary goes out with its value as open data. The commentary
    is written for colleagues, so only the performance team, who publish, decide (audited)."""
    submission = await get_submission(session, actor, submission_id)
    context = await submission_context(session, actor, submission)
    if Role.PERFORMANCE not in context.roles:
        raise PermissionDenied(detail="Only the performance team decides whether a published commentary is open data")
    published = await SubmissionRepository(session).publication(submission.id, revision)
    if published is None:
        raise NotFound(detail=f"Revision {revision} of this submission has not been published")
    if commentary_public is not None:
        await audit.update(session, actor, published, {"commentary_public": commentary_public}, expected_version)
    return published


submissions = records.EntitySpec(repository=SubmissionRepository, resource=Resource.kpi)
