"""Writing a bulk push's checked rows, in the request's transaction.

Two paths apply the rules of entering one value. The batch path (used unless the rows are also
submitted) loads the rows' existing submissions, counted history and targets once, works out each
row in memory and writes all new rows and their audit entries in a few multi-row statements:
20,000 values would otherwise take 100,000 queries. The row path calls ``save_values`` per row in
a savepoint; it runs when rows are submitted as well as saved, and when the batch meets a
concurrent writer (a unique or version clash), so that one clash rejects its row and not the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from pmf_api.access.actor import Actor
from pmf_api.domain import DomainError, SubmissionState
from pmf_api.framework.organisations.service import evaluation_config
from pmf_api.performance import mapping
from pmf_api.performance.bulk.checking import Candidate
from pmf_api.performance.kpis import service as kpi_service
from pmf_api.performance.period_closes import service as period_close_service
from pmf_api.performance.submissions import calculated
from pmf_api.performance.submissions import service as submission_service
from pmf_api.performance.submissions.repository import SubmissionRepository
from pmf_api.performance.targets.repository import KpiTargets, TargetRepository
from pmf_api.platform import audit
from pmf_api.platform.errors import FieldProblem, PMFError

if TYPE_CHECKING:
    from pmf_api.framework.organisations.models import Organisation
    from pmf_api.performance.submissions.models import Submission


async def save_row_by_row(
    session: AsyncSession,
    actor: Actor,
    candidates: Iterable[Candidate],
    organisation: Organisation,
    as_of: date,
    *,
    submit: bool,
) -> None:
    for candidate in candidates:
        result = candidate.result
        try:
            async with session.begin_nested():
                saved = await submission_service.save_values(
                    session,
                    actor,
                    candidate.kpi,
                    str(candidate.period),
                    candidate.values,
                    as_of=as_of,
                    submit=submit,
                    organisation=organisation,
                )
        except PMFError as exc:
            result.errors = exc.problems or [FieldProblem("", exc.detail)]
        except DomainError as exc:
            result.errors = [FieldProblem(exc.field or "", exc.message)]
        except (IntegrityError, StaleDataError):
            result.errors = [FieldProblem("period", "Someone else saved this value at the same moment; send it again")]
        else:
            result.outcome = saved.outcome
            result.submission_id = saved.submission.id
            result.flags = saved.submission.flags or ()
            continue
        result.outcome = "rejected"


async def save_in_batch(
    session: AsyncSession,
    actor: Actor,
    candidates: list[Candidate],
    organisation: Organisation,
    as_of: date,
) -> None:
    """Work out every row in memory against the rows' existing submissions, counted history and
    targets (loaded once), then write the new and changed ones with their audit entries."""
    kpi_ids = sorted({c.kpi.id for c in candidates})
    existing = await SubmissionRepository(session).of_periods(kpi_ids, {str(c.period) for c in candidates})
    current = {(s.kpi_id, s.period): s for s in existing}
    history: dict[Any, list[tuple[date, Any]]] = {}
    for counted in existing:
        if counted.state in mapping.COUNTED_STATES:
            history.setdefault(counted.kpi_id, []).append((counted.period_end, mapping.observation_of(counted)))
    targets = await TargetRepository(session).of_kpis(kpi_ids)
    config = evaluation_config(organisation)
    start_month = organisation.financial_year_start_month
    now = datetime.now(UTC)
    closed = await period_close_service.closed_periods(session, actor)

    creates: list[dict[str, Any]] = []
    updates: list[tuple[Submission, dict[str, Any], dict[str, Any]]] = []
    definitions = mapping.Definitions()
    for candidate in candidates:
        kpi, period, values, result = candidate.kpi, candidate.period, candidate.values, candidate.result
        definition = definitions.of(kpi)
        stored = submission_service.stored_values(definition, values)
        submission = current.get((kpi.id, str(period)))
        if submission is not None:
            result.submission_id = submission.id
            if all(submission_service.same_value(getattr(submission, k), v) for k, v in stored.items()):
                result.outcome = "unchanged"
                result.flags = submission.flags or ()
                continue
        # A value within a closed period is the performance team's to change (issue 13, item 2).
        locked = period_close_service.refusal(
            actor,
            closed,
            str(period),
            kpi_code=kpi.code,
            published=submission is not None and submission.state == SubmissionState.PUBLISHED.value,
        )
        if locked is not None:
            result.outcome = "rejected"
            result.errors = [FieldProblem("period", locked)]
            continue
        state = None if submission is None else SubmissionState(submission.state)
        if state is not None and state not in submission_service.EDITABLE:
            result.outcome = "rejected"
            result.errors = [FieldProblem("", submission_service.not_editable_message(kpi.code, period, state))]
            continue
        period_end = period.end_date(start_month)
        stored["flags"] = submission_service.flags_for(
            kpi,
            definition,
            config,
            period,
            stored,
            [observation for end, observation in history.get(kpi.id, ()) if end < period_end],
            targets.get(kpi.id, KpiTargets()).in_force(period),
            as_of,
        )
        result.flags = stored["flags"]
        if submission is None:
            row = submission_service.draft_values(actor, kpi.id, period, start_month, stored, now)
            result.outcome, result.submission_id = "created", row["id"]
            creates.append(row)
        else:
            result.outcome = "updated"
            updates.append((submission, stored, audit.snapshot(submission)))

    written = [c for c in candidates if c.result.outcome in {"created", "updated"}]
    batch = await session.begin_nested()
    try:
        await _write(session, actor, creates, updates, now)
    except (IntegrityError, StaleDataError):
        # Someone wrote some of these values meanwhile: redo them one by one, so only a clash is rejected.
        await batch.rollback()
        for candidate in written:
            candidate.result.outcome, candidate.result.submission_id, candidate.result.flags = "rejected", None, ()
        await save_row_by_row(session, actor, written, organisation, as_of, submit=False)
        return
    await batch.commit()
    # Calculated KPIs follow their inputs (issue 11, section 3).
    await calculated.recompute_many(session, actor, [(c.kpi.id, str(c.period)) for c in written])


async def _write(
    session: AsyncSession,
    actor: Actor,
    creates: list[dict[str, Any]],
    updates: list[tuple[Submission, dict[str, Any], dict[str, Any]]],
    now: datetime,
) -> None:
    """The new submissions (at once: COPY on PostgreSQL) and the changed ones, each with its audit entry."""
    entries = [
        audit.entry_values(actor, "create", "submission", row["id"], None, audit.json_row(row), at=now)
        for row in creates
    ]
    await SubmissionRepository(session).insert_new(creates)
    if creates:
        await kpi_service.note_values(session, {row["kpi_id"] for row in creates}, now)
    for submission, stored, _ in updates:
        for key, value in stored.items():
            setattr(submission, key, value)
        submission.entered_by = actor.subject
    await session.flush()
    entries.extend(
        audit.entry_values(actor, "update", "submission", submission.id, before, audit.snapshot(submission), at=now)
        for submission, _, before in updates
    )
    await audit.insert_entries(session, entries)
