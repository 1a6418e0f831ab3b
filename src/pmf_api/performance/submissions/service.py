"""Use cases of the collection cycle: enter and submit a value, query it, validate, publish, revise.

Who may move a submission where is the domain workflow's rule (``pmf_api.domain.workflow``); the
owner and backup owner of the KPI count as its owner, and roles count only where their scope
reaches the KPI. Every save runs the domain's sense-checks and stores their flags: they never block
a submission, they tell the performance team where to look.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor, Placement
from pmf_api.access.policy import Resource, require_read
from pmf_api.domain import (
    DomainError,
    EvaluationConfig,
    FinancialYear,
    Frequency,
    KpiDefinition,
    KpiTarget,
    Observation,
    Period,
    check_period,
)
from pmf_api.domain.figures import figure_problems, measured_value, missing_figure
from pmf_api.domain.workflow import (
    Role,
    SubmissionState,
    allowed_submission_transitions,
    start_submission_revision,
    submission_transition,
)
from pmf_api.framework.organisations.models import Organisation, Service
from pmf_api.framework.organisations.repository import placement_of_service
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.performance import mapping
from pmf_api.performance.kpis.models import Kpi
from pmf_api.performance.submissions.models import PublishedValue, Submission, SubmissionMessage
from pmf_api.performance.targets.models import Target, TargetRevision
from pmf_api.platform import audit
from pmf_api.platform.db.base import DECIMAL_SCALE
from pmf_api.platform.db.repository import get_in_organisation
from pmf_api.platform.errors import (
    Conflict,
    FieldProblem,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    field_problems,
    invalid,
    refuse,
)

EDITABLE = frozenset({SubmissionState.DRAFT, SubmissionState.QUERIED})
VALUE_FIELDS = ("value", "numerator", "denominator", "commentary", "owner_forecast")
# The domain's observation says "comment"; the API's field is "commentary".
FLAG_FIELDS: dict[str | None, str | None] = {"comment": "commentary"}


@dataclass(frozen=True)
class SubmissionValues:
    """What an owner reports for a period: the value (or numerator and denominator for a ratio
    KPI), a comment explaining it, and the year-end forecast (seed 001_ec6bae7b38cacc6f.txt, E.1)."""

    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    commentary: str | None = None
    owner_forecast: Decimal | None = None


Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class SaveResult:
    submission: Submission
    outcome: Outcome


@dataclass(frozen=True)
class SubmissionContext:
    """A submission's KPI and what the actor may do with it."""

    kpi: Kpi
    placement: Placement | None
    is_owner: bool
    roles: frozenset[Role]

    def allowed(self, state: SubmissionState) -> tuple[SubmissionState, ...]:
        return allowed_submission_transitions(state, self.roles, is_owner=self.is_owner)


async def context_for(session: AsyncSession, actor: Actor, kpi: Kpi) -> SubmissionContext:
    placement = await placement_of_service(session, kpi.service_id, kpi.portfolio_id)
    is_owner = actor.person_id is not None and actor.person_id in {kpi.owner_id, kpi.backup_owner_id}
    return SubmissionContext(kpi, placement, is_owner, actor.roles_over(placement))


def entry_refusal(context: SubmissionContext) -> str | None:
    """Why the actor may not enter this KPI's values (None when they may): only its owner or
    backup, or the performance team, enter them."""
    if context.is_owner or Role.PERFORMANCE in context.roles:
        return None
    return f"Only the owner or backup owner of {context.kpi.code}, or the performance team, enter its values"


def _require_entry(context: SubmissionContext) -> None:
    refusal = entry_refusal(context)
    if refusal is not None:
        raise PermissionDenied(detail=refusal)


def parse_period(text: str, kpi: Kpi, organisation: Organisation, as_of: date, field: str = "period") -> Period:
    """A period the KPI reports for (its frequency) that has ended by ``as_of``."""
    try:
        period = Period.parse(text)
    except DomainError as exc:
        raise invalid(field, exc.message) from None
    frequency = Frequency(kpi.frequency)
    if period.frequency is not frequency:
        example = {Frequency.MONTHLY: "2026/27 P3", Frequency.QUARTERLY: "2026/27 Q1"}.get(frequency, "2026/27")
        raise invalid(field, f"{kpi.code} is reported {frequency.value}: give a period like {example}, not {text}")
    if period.end_date(organisation.financial_year_start_month) >= as_of:
        raise invalid(field, f"{period} has not ended yet: its values can be entered from the day after it ends")
    return period


def _figures(values: SubmissionValues | Submission) -> dict[str, Decimal | None]:
    return {"value": values.value, "numerator": values.numerator, "denominator": values.denominator}


def value_problems(kpi: Kpi, values: SubmissionValues) -> list[FieldProblem]:
    """How the figures fit how the KPI is reported (``pmf_api.domain.figures``)."""
    return field_problems(figure_problems(mapping.definition_of(kpi), **_figures(values)))


def _check_values(kpi: Kpi, values: SubmissionValues) -> None:
    refuse(value_problems(kpi, values))


def _require_figures(kpi: Kpi, figures: SubmissionValues | Submission) -> None:
    missing = missing_figure(mapping.definition_of(kpi), **_figures(figures))
    if missing is not None:
        raise invalid(missing.field or "", missing.message)


def stored_values(definition: KpiDefinition, values: SubmissionValues) -> dict[str, Any]:
    """The submission columns a save writes."""
    return {
        "value": measured_value(definition, **_figures(values), decimal_places=DECIMAL_SCALE),
        "numerator": values.numerator,
        "denominator": values.denominator,
        "commentary": values.commentary,
        "owner_forecast": values.owner_forecast,
    }


async def load_kpi(session: AsyncSession, actor: Actor, kpi_id: uuid.UUID) -> Kpi:
    require_read(actor)
    return await get_in_organisation(session, Kpi, actor.organisation_id, kpi_id, "KPI")


def flags_for(
    kpi: Kpi,
    definition: KpiDefinition,
    config: EvaluationConfig,
    period: Period,
    stored: dict[str, Any],
    earlier: Sequence[Observation],
    targets: Mapping[FinancialYear, KpiTarget],
    as_of: date,
) -> list[dict[str, Any]]:
    """The domain's sense-checks of a period's values against earlier counted values and targets."""
    observation = Observation(
        period=period,
        value=stored["value"],
        numerator=stored["numerator"],
        denominator=stored["denominator"],
        comment=stored["commentary"] or "",
        owner_forecast=stored["owner_forecast"],
    )
    flags = check_period(
        definition,
        [*earlier, observation],
        targets,
        period,
        as_of,
        config=config,
        expected_range=(kpi.expected_min, kpi.expected_max),
    )
    return [
        {"code": f.code, "severity": f.severity.value, "message": f.message, "field": FLAG_FIELDS.get(f.field, f.field)}
        for f in flags
    ]


async def sense_check(
    session: AsyncSession,
    kpi: Kpi,
    organisation: Organisation,
    period: Period,
    stored: dict[str, Any],
    as_of: date,
) -> list[dict[str, Any]]:
    """``flags_for`` one submission, loading the KPI's counted history and targets."""
    history = await session.scalars(
        select(Submission).where(
            Submission.kpi_id == kpi.id,
            Submission.period_end < period.end_date(organisation.financial_year_start_month),
            Submission.state.in_(mapping.COUNTED_STATES),
        )
    )
    targets = list(await session.scalars(select(Target).where(Target.kpi_id == kpi.id)))
    revisions = await _revisions(session, targets)
    return flags_for(
        kpi,
        mapping.definition_of(kpi),
        mapping.evaluation_config(organisation),
        period,
        stored,
        mapping.observations_of(history),
        mapping.targets_for(targets, revisions, period),
        as_of,
    )


async def _revisions(session: AsyncSession, targets: Sequence[Target]) -> dict[uuid.UUID, list[TargetRevision]]:
    if not targets:
        return {}
    rows = await session.scalars(select(TargetRevision).where(TargetRevision.target_id.in_([t.id for t in targets])))
    out: dict[uuid.UUID, list[TargetRevision]] = {}
    for row in rows:
        out.setdefault(row.target_id, []).append(row)
    return out


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
    context = await context_for(session, actor, kpi)
    _require_entry(context)
    organisation = organisation or await get_organisation(session, actor)
    period = parse_period(period_text, kpi, organisation, as_of)
    _check_values(kpi, values)
    stored = stored_values(mapping.definition_of(kpi), values)
    if submit:
        _require_figures(kpi, values)
    submission = await session.scalar(
        select(Submission).where(Submission.kpi_id == kpi.id, Submission.period == str(period))
    )
    if submission is None:
        if expected_version is not None:
            raise PreconditionFailed(detail=f"There is no submission of {kpi.code} for {period} to match If-Match")
        submission = Submission(
            organisation_id=actor.organisation_id,
            kpi_id=kpi.id,
            period=str(period),
            financial_year=str(period.financial_year),
            period_end=period.end_date(organisation.financial_year_start_month),
            state=SubmissionState.DRAFT.value,
            entered_by=actor.subject,
            flags=await sense_check(session, kpi, organisation, period, stored, as_of),
            **stored,
        )
        await records.guard_unique(
            session,
            lambda: audit.create(session, actor, submission),
            # Two people created it at once: the other one won (412, as for any concurrent save).
            "Someone else saved this submission at the same moment; read it and apply your change again",
            conflict=PreconditionFailed,
        )
        outcome: Outcome = "created"
    else:
        if require_precondition and expected_version is None:
            raise PreconditionFailed(
                detail=f"{kpi.code} already has a submission for {period}: send If-Match with its ETag to change it"
            )
        state = SubmissionState(submission.state)
        unchanged = all(same_value(getattr(submission, k), v) for k, v in stored.items())
        if unchanged and not submit:
            return SaveResult(submission, "unchanged")
        if state not in EDITABLE and not (unchanged and submit):
            raise Conflict(detail=not_editable_message(kpi.code, period, state))
        if not unchanged:
            flags = await sense_check(session, kpi, organisation, period, stored, as_of)
            await audit.update(
                session, actor, submission, {**stored, "flags": flags, "entered_by": actor.subject}, expected_version
            )
        outcome = "unchanged" if unchanged else "updated"
    if submit:
        await _move(session, actor, context, submission, _submit_state(submission), None)
        outcome = "created" if outcome == "created" else "updated"
    return SaveResult(submission, outcome)


def _submit_state(submission: Submission) -> SubmissionState:
    return SubmissionState.RESUBMITTED if submission.state == SubmissionState.QUERIED else SubmissionState.SUBMITTED


def same_value(current: Any, new: Any) -> bool:
    """Whether a stored column already holds ``new`` (decimals compare by value: 1.50 is 1.5)."""
    if current is None or new is None:
        return current is new
    if isinstance(current, Decimal) or isinstance(new, Decimal):
        return Decimal(current) == Decimal(new)
    return bool(current == new)


def not_editable_message(code: str, period: Period, state: SubmissionState) -> str:
    if state is SubmissionState.PUBLISHED:
        return f"{code} for {period} is published: open a revision with a reason to change it"
    return f"{code} for {period} is {state.value} and with the performance team; it can change once queried"


async def get_submission(session: AsyncSession, actor: Actor, submission_id: uuid.UUID) -> Submission:
    require_read(actor)
    return await get_in_organisation(session, Submission, actor.organisation_id, submission_id, "submission")


async def find_submission(session: AsyncSession, actor: Actor, kpi: Kpi, period: str) -> Submission:
    submission = await session.scalar(
        select(Submission).where(Submission.kpi_id == kpi.id, Submission.period == period)
    )
    if submission is None:
        raise NotFound(detail=f"{kpi.code} has no submission for {period}")
    return submission


async def submission_context(session: AsyncSession, actor: Actor, submission: Submission) -> SubmissionContext:
    kpi = await session.get_one(Kpi, submission.kpi_id)
    return await context_for(session, actor, kpi)


async def transition(
    session: AsyncSession,
    actor: Actor,
    submission_id: uuid.UUID,
    to: SubmissionState,
    *,
    message: str | None = None,
    expected_version: int | None = None,
) -> Submission:
    """Move a submission through the workflow. A query needs a message saying what to check."""
    submission = await get_submission(session, actor, submission_id)
    context = await submission_context(session, actor, submission)
    if expected_version is not None and expected_version != submission.version:
        raise PreconditionFailed(
            detail=f"You read version {expected_version} but the submission is now at version {submission.version}"
        )
    if to is SubmissionState.QUERIED and not (message and message.strip()):
        raise invalid("message", "Say what the owner should check: a query needs a message")
    if to in {SubmissionState.SUBMITTED, SubmissionState.RESUBMITTED}:
        _require_figures(context.kpi, submission)
    await _move(session, actor, context, submission, to, message)
    return submission


async def _move(
    session: AsyncSession,
    actor: Actor,
    context: SubmissionContext,
    submission: Submission,
    to: SubmissionState,
    message: str | None,
) -> None:
    current = SubmissionState(submission.state)
    submission_transition(current, to, context.roles, is_owner=context.is_owner)
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
    await audit.update(session, actor, submission, changes, None, action="transition")
    if message and message.strip():
        kind = {SubmissionState.QUERIED: "query", SubmissionState.RESUBMITTED: "answer"}.get(to, "note")
        await _add_message(session, actor, submission, kind, message)
    if to is SubmissionState.PUBLISHED:
        published = PublishedValue(
            submission_id=submission.id,
            revision=submission.revision,
            **{k: getattr(submission, k) for k in VALUE_FIELDS},
            reason=submission.revision_reason,
            published_by=actor.subject,
            published_at=now,
        )
        await audit.create(session, actor, published)


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
    _require_entry(context)
    return await _add_message(session, actor, submission, "note", body)


async def messages(session: AsyncSession, actor: Actor, submission_id: uuid.UUID) -> list[SubmissionMessage]:
    submission = await get_submission(session, actor, submission_id)
    rows = await session.scalars(
        select(SubmissionMessage)
        .where(SubmissionMessage.submission_id == submission.id)
        .order_by(SubmissionMessage.created_at, SubmissionMessage.id)
    )
    return list(rows)


async def revise(
    session: AsyncSession, actor: Actor, submission_id: uuid.UUID, reason: str, expected_version: int | None
) -> Submission:
    """Reopen a published value as a new revision (a draft), keeping what was published."""
    submission = await get_submission(session, actor, submission_id)
    context = await submission_context(session, actor, submission)
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
    return submission


async def published_values(session: AsyncSession, actor: Actor, submission_id: uuid.UUID) -> list[PublishedValue]:
    submission = await get_submission(session, actor, submission_id)
    rows = await session.scalars(
        select(PublishedValue).where(PublishedValue.submission_id == submission.id).order_by(PublishedValue.revision)
    )
    return list(rows)


submissions = records.EntitySpec(
    model=Submission,
    what="submission",
    resource=Resource.kpi,
    sortable={"period_end": Submission.period_end, "updated_at": Submission.updated_at},
    default_sort="-period_end",
    filters={
        "service_id": lambda value: Submission.kpi_id.in_(select(Kpi.id).where(Kpi.service_id == value)),
        "directorate_id": lambda value: Submission.kpi_id.in_(
            select(Kpi.id).join(Service, Service.id == Kpi.service_id).where(Service.directorate_id == value)
        ),
        "owner_id": lambda value: Submission.kpi_id.in_(
            select(Kpi.id).where((Kpi.owner_id == value) | (Kpi.backup_owner_id == value))
        ),
    },
)
