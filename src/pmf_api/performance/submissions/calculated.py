"""Values of calculated KPIs: computed from their inputs' values for the same period, never entered.

Every write of a submission's value or state goes through :func:`recompute_dependents` in the same
transaction, so a calculated KPI's value always follows its inputs (issue 11, section 3). The rule of
which state a computed value takes is ``domain.formula.computed_state`` (docs/rules.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.domain.formula import MissingInput, ZeroDivisor, parse
from pmf_api.domain.formula_values import computed_state, evaluate
from pmf_api.domain.periods import Period
from pmf_api.domain.rag import round_half_up
from pmf_api.domain.workflow import SubmissionState
from pmf_api.performance.data_quality import service as data_quality_service
from pmf_api.performance.kpis import service as kpi_service
from pmf_api.performance.kpis.repository import KpiRepository
from pmf_api.performance.submissions import closing
from pmf_api.performance.submissions.models import PublishedValue, Submission
from pmf_api.performance.submissions.repository import SubmissionRepository
from pmf_api.platform import audit, events
from pmf_api.platform.db.base import DECIMAL_SCALE
from pmf_api.platform.errors import Conflict

if TYPE_CHECKING:
    from pmf_api.performance.kpis.models import Kpi

COMPUTED_BY = "calculated"


def refuse_hand_entry(kpi: Kpi) -> None:
    """A calculated KPI's values are computed from its inputs: nobody enters or moves them by hand."""
    if kpi.formula is not None:
        raise Conflict(
            detail=f"{kpi.code} is calculated ({kpi.formula}): its values are computed from its inputs' "
            "values and follow them through the cycle; enter or change the inputs instead"
        )


async def recompute_dependents(session: AsyncSession, actor: Actor, kpi_id: Any, period: str) -> None:
    """Recompute, for ``period``, every calculated KPI that uses ``kpi_id`` (and those that use them)."""
    await recompute_many(session, actor, [(kpi_id, period)])


async def recompute_many(session: AsyncSession, actor: Actor, changed: Sequence[tuple[Any, str]]) -> None:
    """:func:`recompute_dependents` for each (KPI id, period) whose value was written (a bulk push)."""
    calculated = await KpiRepository(session).calculated(actor)
    if not calculated:
        return
    for kpi_id, period in changed:
        await _recompute_from(session, actor, calculated, str(kpi_id), period, depth=0)


async def _recompute_from(
    session: AsyncSession, actor: Actor, calculated: Sequence[Kpi], changed: str, period: str, depth: int
) -> None:
    # Formulas are checked for cycles when set; the depth is a guard against rows written otherwise.
    if depth > len(calculated):
        return
    for kpi in calculated:
        if changed in (kpi.formula_inputs or []) and await recompute(session, actor, kpi, period):
            await _recompute_from(session, actor, calculated, str(kpi.id), period, depth + 1)


async def recompute(session: AsyncSession, actor: Actor, kpi: Kpi, period: str) -> bool:
    """Compute ``kpi``'s value for ``period`` from its inputs and store it; True if anything changed."""
    assert kpi.formula is not None
    values, states, first = await _inputs(session, actor, kpi, period)
    value = evaluate(
        parse(kpi.formula),
        values,
        on_missing=MissingInput(kpi.on_missing_input or MissingInput.MISSING.value),
        on_zero_divisor=None if kpi.on_zero_divisor is None else ZeroDivisor(kpi.on_zero_divisor),
    )
    if value is not None:
        value = round_half_up(value, DECIMAL_SCALE)
    state = computed_state(states) if value is not None else SubmissionState.DRAFT
    if state is SubmissionState.PUBLISHED and not await data_quality_service.may_publish(
        session, actor, kpi, str(Period.parse(period).financial_year)
    ):
        # The data quality gate holds a computed value too (seed 001, B.1): it waits, validated,
        # until the KPI's template is signed and the performance team publishes it (held_back).
        state = SubmissionState.VALIDATED
    repository = SubmissionRepository(session)
    submission = await repository.of_period(kpi.id, period)
    if submission is None:
        if value is None or first is None:
            return False
        # A closed period's values follow their inputs only as the performance team changes them.
        await closing.ensure_writable(session, actor, kpi, period, revising=True)
        submission = _new(actor, kpi, first, value, state)
        await audit.create(session, actor, submission)
        await kpi_service.note_values(session, [kpi.id], submission.created_at)
        await _published(session, actor, kpi, submission)
        return True
    return await _update(session, actor, kpi, submission, value, state)


async def held_back(session: AsyncSession, actor: Actor, kpi: Kpi, submission: Submission) -> bool:
    """Whether ``submission`` is a computed value the data quality gate held at validated though every
    input is published: the one move anyone makes on a calculated KPI's value is publishing it then."""
    if kpi.formula is None or submission.state != SubmissionState.VALIDATED.value:
        return False
    _, states, _ = await _inputs(session, actor, kpi, submission.period)
    return bool(states) and computed_state(states) is SubmissionState.PUBLISHED


async def _inputs(
    session: AsyncSession, actor: Actor, kpi: Kpi, period: str
) -> tuple[dict[str, Decimal | None], list[SubmissionState], Submission | None]:
    """The inputs' values for ``period`` by code, their states, and the first input's submission."""
    inputs = await KpiRepository(session).of_ids(actor, [uuid.UUID(i) for i in kpi.formula_inputs or []])
    code_of = {str(k.id): k.code for k in inputs}
    repository = SubmissionRepository(session)
    values: dict[str, Decimal | None] = {}
    states: list[SubmissionState] = []
    first: Submission | None = None
    for kpi_input in inputs:
        found = await repository.of_period(kpi_input.id, period)
        if found is None or found.value is None:
            continue
        values[code_of[str(kpi_input.id)]] = found.value
        states.append(SubmissionState(found.state))
        first = first or found
    return values, states, first


def _progress(state: SubmissionState, now: datetime) -> dict[str, Any]:
    """The workflow's time stamps a computed value carries in ``state``."""
    at_least_submitted = state is not SubmissionState.DRAFT
    return {
        "submitted_by": COMPUTED_BY if at_least_submitted else None,
        "submitted_at": now if at_least_submitted else None,
        "validated_by": COMPUTED_BY if state in {SubmissionState.VALIDATED, SubmissionState.PUBLISHED} else None,
        "validated_at": now if state in {SubmissionState.VALIDATED, SubmissionState.PUBLISHED} else None,
        "published_at": now if state is SubmissionState.PUBLISHED else None,
    }


def _new(actor: Actor, kpi: Kpi, like: Submission, value: Decimal, state: SubmissionState) -> Submission:
    now = datetime.now(UTC)
    progress = _progress(state, now)
    return Submission(
        organisation_id=kpi.organisation_id,
        kpi_id=kpi.id,
        period=like.period,
        financial_year=like.financial_year,
        period_end=like.period_end,
        state=state.value,
        value=value,
        flags=[],
        revision=1,
        entered_by=actor.subject,
        first_submitted_at=progress["submitted_at"],
        **progress,
    )


async def _update(
    session: AsyncSession,
    actor: Actor,
    kpi: Kpi,
    submission: Submission,
    value: Decimal | None,
    state: SubmissionState,
) -> bool:
    current = SubmissionState(submission.state)
    same_value = (submission.value is None and value is None) or (
        submission.value is not None and value is not None and Decimal(submission.value) == value
    )
    if same_value and current is state:
        return False
    # Reopening a published computed value is a revision with its reason ("An input's value was revised").
    await closing.ensure_writable(session, actor, kpi, submission, revising=True)
    changes: dict[str, Any] = {"value": value, "state": state.value, "entered_by": actor.subject}
    if current is not state:
        now = datetime.now(UTC)
        changes |= _progress(state, now)
        if state is not SubmissionState.DRAFT and submission.first_submitted_at is None:
            changes["first_submitted_at"] = now
    if current is SubmissionState.PUBLISHED and state is not SubmissionState.PUBLISHED:
        # An input was reopened: so is the calculated value, as a new revision; what was published is kept.
        changes |= {"revision": submission.revision + 1, "revision_reason": "An input's value was revised"}
    await audit.update(session, actor, submission, changes, None, action="recompute", note="Computed from its inputs")
    await _published(session, actor, kpi, submission)
    return True


async def _published(session: AsyncSession, actor: Actor, kpi: Kpi, submission: Submission) -> None:
    """Keep the computed value as published, once per revision, when it reaches published."""
    if submission.state != SubmissionState.PUBLISHED.value:
        return
    kept = await SubmissionRepository(session).publication(submission.id, submission.revision)
    if kept is not None:
        return
    published = PublishedValue(
        submission_id=submission.id,
        revision=submission.revision,
        value=submission.value,
        reason=submission.revision_reason,
        published_by=COMPUTED_BY,
        published_at=submission.published_at or datetime.now(UTC),
    )
    await audit.create(session, actor, published)
    await closing.restate_if_closed(session, actor, kpi, submission, published.published_at)
    await events.emit(
        session,
        organisation_id=submission.organisation_id,
        event_type="value.published",
        subject={"submission_id": submission.id, "kpi_id": submission.kpi_id, "period": submission.period},
        data={
            "kpi_code": kpi.code,
            "kpi_title": kpi.title,
            "state": submission.state,
            "revision": submission.revision,
            "value": submission.value,
            "by": COMPUTED_BY,
        },
    )


async def recompute_all(session: AsyncSession, actor: Actor, kpi: Kpi) -> int:
    """Recompute ``kpi`` for every period any of its inputs has a value for (after its formula is set);
    the number of periods whose value changed."""
    inputs = [uuid.UUID(i) for i in kpi.formula_inputs or []]
    found = await SubmissionRepository(session).periods_of(inputs)
    changed = 0
    calculated = await KpiRepository(session).calculated(actor)
    for period in found:
        if await recompute(session, actor, kpi, period):
            changed += 1
            await _recompute_from(session, actor, calculated, str(kpi.id), period, depth=1)
    return changed
