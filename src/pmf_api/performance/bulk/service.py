"""Bulk push: many periods' values in one request, each row reported as created, updated,
unchanged, skipped or rejected, and the per-service template integration scripts and people fill in.

Each row follows the rules of entering one value (``pmf_api.performance.submissions.service.save_values``):
who may enter it, a period of the KPI's frequency that has ended, value or numerator and
denominator by aggregation, only drafts and queried values change, and the domain's sense-checks
stored as flags (seed 001_ec6bae7b38cacc6f.txt, C.2 and E.1).

Two paths apply them. The batch path (used unless the rows are also submitted) loads the
organisation's KPIs, their existing submissions and targets once, checks every row in memory
and writes all new rows and their audit entries in a few multi-row INSERTs: 20,000 values would
otherwise take 100,000 queries. The row path calls ``save_values`` per row inside a savepoint;
it runs when rows are submitted as well as saved, and when the batch write meets a concurrent
writer (a unique or version clash), so that one clash rejects its row and not the file.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from pmf_api.access.actor import Actor, Placement
from pmf_api.access.policy import require_read
from pmf_api.domain import DomainError, Frequency, Period
from pmf_api.domain.workflow import Role, SubmissionState
from pmf_api.framework.organisations.models import Organisation, Person, Service
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.performance import mapping
from pmf_api.performance.bulk.models import IdempotencyRecord
from pmf_api.performance.bulk.parsing import NUMBER_COLUMNS, Upload, UploadRow
from pmf_api.performance.kpis.models import Kpi
from pmf_api.performance.submissions import service as submission_service
from pmf_api.performance.submissions.models import Submission
from pmf_api.performance.submissions.service import EDITABLE, SubmissionContext, SubmissionValues
from pmf_api.performance.targets.models import Target, TargetRevision
from pmf_api.platform.audit import AuditEntry
from pmf_api.platform.db.base import DECIMAL_SCALE, normalise_decimal
from pmf_api.platform.db.repository import get_in_organisation, snapshot
from pmf_api.platform.errors import Conflict, FieldProblem, PermissionDenied, PMFError, invalid

RowOutcome = Literal["created", "updated", "unchanged", "skipped", "rejected"]
OUTCOMES: tuple[RowOutcome, ...] = ("created", "updated", "unchanged", "skipped", "rejected")
IDEMPOTENCY_TTL = timedelta(hours=24)
MAX_DIGITS = 24  # ExactDecimal is NUMERIC(24, 6)
MAX_COMMENTARY = 20_000
# Multi-row statements stay well inside both databases' bound-parameter limits.
INSERT_CHUNK = 1_000
IN_CHUNK = 500


@dataclass(frozen=True)
class BulkOptions:
    dry_run: bool = False
    atomic: bool = False
    submit: bool = False
    idempotency_key: str | None = None


@dataclass
class RowResult:
    row: int
    kpi_code: str | None
    period: str | None
    outcome: RowOutcome = "rejected"
    submission_id: uuid.UUID | None = None
    errors: list[FieldProblem] = field(default_factory=list)


@dataclass(frozen=True)
class BulkReport:
    """What to answer: ``body`` is the JSON result; ``refused`` when atomic and a row was rejected."""

    body: dict[str, Any]
    refused: bool
    replayed: bool = False


@dataclass
class Candidate:
    """A row that names a KPI it may enter, a valid period and well-formed values."""

    result: RowResult
    kpi: Kpi
    period: Period
    values: SubmissionValues


# --------------------------------------------------------------------------------------------
# The use case
# --------------------------------------------------------------------------------------------


async def push(session: AsyncSession, actor: Actor, upload: Upload, options: BulkOptions, *, as_of: date) -> BulkReport:
    """Apply every row of ``upload``; nothing is written for a dry run or a refused atomic push."""
    require_read(actor)
    if actor.person_id is None and Role.PERFORMANCE not in actor.roles:
        raise PermissionDenied(
            detail="Pushing values needs the performance role over the KPIs (or being their owner or backup owner)"
        )
    submit = options.submit or bool(upload.submit)
    fingerprint = _fingerprint(actor, upload, options, submit)
    if options.idempotency_key is not None:
        stored = await _stored_response(session, actor, options.idempotency_key, fingerprint)
        if stored is not None:
            return stored
    organisation = await get_organisation(session, actor)
    kpis = list(await session.scalars(select(Kpi).where(Kpi.organisation_id == actor.organisation_id)))
    contexts = await _contexts(session, actor, kpis)
    results, candidates = _check_rows(upload.rows, kpis, contexts, organisation, as_of)

    everything = await session.begin_nested()
    try:
        # Rows are written even when an atomic push is already lost, so the report says what each
        # row would have become; the savepoint then takes it all back.
        if candidates:
            if submit:
                await _save_row_by_row(session, actor, candidates, organisation, as_of, submit=True)
            else:
                await _save_in_batch(session, actor, candidates, contexts, organisation, as_of)
        refused = options.atomic and any(r.outcome == "rejected" for r in results)
        if options.dry_run or refused:
            await everything.rollback()
            for result in results:
                if result.outcome == "created":
                    result.submission_id = None  # rolled back: the id names nothing
        else:
            await everything.commit()
    except BaseException:
        if everything.is_active:
            await everything.rollback()
        raise
    body = _body(results, options)
    if options.idempotency_key is not None and not options.dry_run:
        await _store_response(session, actor, options.idempotency_key, fingerprint, body, refused)
    return BulkReport(body, refused)


def _body(results: Sequence[RowResult], options: BulkOptions) -> dict[str, Any]:
    summary = dict.fromkeys(OUTCOMES, 0)
    for result in results:
        summary[result.outcome] += 1
    return {
        "dry_run": options.dry_run,
        "atomic": options.atomic,
        "summary": summary,
        "rows": [
            {
                "row": r.row,
                "kpi_code": r.kpi_code,
                "period": r.period,
                "outcome": r.outcome,
                "submission_id": str(r.submission_id) if r.submission_id else None,
                "errors": [{"field": p.field or None, "message": p.message} for p in r.errors],
            }
            for r in results
        ],
    }


# --------------------------------------------------------------------------------------------
# Idempotency
# --------------------------------------------------------------------------------------------


def _fingerprint(actor: Actor, upload: Upload, options: BulkOptions, submit: bool) -> str:
    # The payload, not the raw body: a retried multipart upload has a new boundary but the same file.
    asked = json.dumps(
        {
            "actor": actor.subject,
            "format": upload.format,
            "dry_run": options.dry_run,
            "atomic": options.atomic,
            "submit": submit,
        },
        sort_keys=True,
    )
    return hashlib.sha256(asked.encode() + b"\0" + upload.payload).hexdigest()


async def _stored_response(session: AsyncSession, actor: Actor, key: str, fingerprint: str) -> BulkReport | None:
    now = datetime.now(UTC)
    await session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.organisation_id == actor.organisation_id, IdempotencyRecord.expires_at < now
        )
    )
    record = await session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.organisation_id == actor.organisation_id, IdempotencyRecord.key == key
        )
    )
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise Conflict(
            detail=f"The Idempotency-Key {key!r} was used for a different request in the last 24 hours; "
            "send a new key for a new request",
            problems=[FieldProblem("Idempotency-Key", "Already used for a different request")],
        )
    return BulkReport(record.response, record.refused, replayed=True)


async def _store_response(
    session: AsyncSession, actor: Actor, key: str, fingerprint: str, body: dict[str, Any], refused: bool
) -> None:
    now = datetime.now(UTC)
    session.add(
        IdempotencyRecord(
            organisation_id=actor.organisation_id,
            key=key,
            request_hash=fingerprint,
            refused=refused,
            response=body,
            actor_subject=actor.subject,
            created_at=now,
            expires_at=now + IDEMPOTENCY_TTL,
        )
    )
    # Two requests racing with one key: the second fails here on the unique key and writes nothing.
    await session.flush()


# --------------------------------------------------------------------------------------------
# Checking rows (no writes)
# --------------------------------------------------------------------------------------------


async def _contexts(session: AsyncSession, actor: Actor, kpis: Sequence[Kpi]) -> dict[uuid.UUID, SubmissionContext]:
    """Each KPI's placement and the actor's roles there, from one query of the services."""
    services = {
        row.id: row
        for row in await session.execute(
            select(Service.id, Service.directorate_id, Service.portfolio_id).where(
                Service.organisation_id == actor.organisation_id
            )
        )
    }
    contexts = {}
    for kpi in kpis:
        service = services.get(kpi.service_id)
        placement = Placement(
            directorate_id=service.directorate_id if service else None,
            service_id=kpi.service_id,
            portfolio_id=kpi.portfolio_id or (service.portfolio_id if service else None),
        )
        is_owner = actor.person_id is not None and actor.person_id in {kpi.owner_id, kpi.backup_owner_id}
        contexts[kpi.id] = SubmissionContext(kpi, placement, is_owner, actor.roles_over(placement))
    return contexts


def _check_rows(
    rows: Sequence[UploadRow],
    kpis: Sequence[Kpi],
    contexts: dict[uuid.UUID, SubmissionContext],
    organisation: Organisation,
    as_of: date,
) -> tuple[list[RowResult], list[Candidate]]:
    by_code = {kpi.code: kpi for kpi in kpis}
    by_id = {str(kpi.id): kpi for kpi in kpis}
    seen: dict[tuple[uuid.UUID, str], int] = {}
    results: list[RowResult] = []
    candidates: list[Candidate] = []
    periods: dict[tuple[str, str], Period] = {}  # (frequency, text) -> period, once per file
    for upload_row in rows:
        result, candidate = _check_row(upload_row, by_code, by_id, contexts, organisation, as_of, periods)
        results.append(result)
        if candidate is None:
            continue
        key = (candidate.kpi.id, result.period or "")
        if key in seen:
            result.errors.append(
                FieldProblem("period", f"{result.kpi_code} for {result.period} is already in row {seen[key]}")
            )
            continue
        seen[key] = upload_row.row
        if _nothing_to_save(candidate.values):
            result.outcome = "skipped"  # a template line left empty: nothing to enter
            continue
        candidates.append(candidate)
    for result in results:
        if result.errors:
            result.outcome = "rejected"
    return results, candidates


def _check_row(
    upload_row: UploadRow,
    by_code: dict[str, Kpi],
    by_id: dict[str, Kpi],
    contexts: dict[uuid.UUID, SubmissionContext],
    organisation: Organisation,
    as_of: date,
    periods: dict[tuple[str, str], Period],
) -> tuple[RowResult, Candidate | None]:
    cells = upload_row.cells
    code_text = _text(cells.get("kpi_code"))
    id_text = _text(cells.get("kpi_id"))
    period_text = _text(cells.get("period"))
    result = RowResult(upload_row.row, code_text, period_text, errors=list(upload_row.problems))
    kpi_field = "kpi_code" if code_text else "kpi_id"
    kpi = by_code.get(code_text) if code_text else by_id.get(id_text.lower()) if id_text else None
    if kpi is None:
        named = code_text or id_text
        message = f"No KPI {named} in your organisation" if named else "Give the KPI's code (kpi_code) or id"
        result.errors.append(FieldProblem(kpi_field, message))
    elif kpi.archived_at is not None:
        result.errors.append(FieldProblem(kpi_field, f"{kpi.code} is archived: it takes no new values"))
        kpi = None
    else:
        result.kpi_code = kpi.code
        refusal = submission_service.entry_refusal(contexts[kpi.id])
        if refusal is not None:
            result.errors.append(FieldProblem(kpi_field, refusal))
            kpi = None
    period: Period | None = None
    if not period_text:
        result.errors.append(FieldProblem("period", "Give the period, e.g. 2026/27 P3"))
    elif kpi is not None:
        period = periods.get((kpi.frequency, period_text))
        if period is None:
            try:
                period = periods[kpi.frequency, period_text] = submission_service.parse_period(
                    period_text, kpi, organisation, as_of
                )
            except PMFError as exc:
                result.errors.extend(exc.problems or [FieldProblem("period", exc.detail)])
        if period is not None:
            result.period = str(period)
    numbers: dict[str, Decimal | None] = {}
    for column in NUMBER_COLUMNS:
        try:
            numbers[column] = parse_number(cells.get(column))
        except ValueError as exc:
            result.errors.append(FieldProblem(column, str(exc)))
    commentary = _text(cells.get("commentary")) or None
    if commentary is not None and len(commentary) > MAX_COMMENTARY:
        result.errors.append(FieldProblem("commentary", f"At most {MAX_COMMENTARY} characters"))
    values = SubmissionValues(
        value=numbers.get("value"),
        numerator=numbers.get("numerator"),
        denominator=numbers.get("denominator"),
        commentary=commentary,
        owner_forecast=numbers.get("owner_forecast"),
    )
    if kpi is not None and not _nothing_to_save(values):
        result.errors.extend(submission_service.value_problems(kpi, values))
    if result.errors or kpi is None or period is None:
        return result, None
    return result, Candidate(result, kpi, period, values)


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).strip()


def parse_number(cell: Any) -> Decimal | None:
    """A cell as an exact decimal: a point separates decimals, and there is no thousands separator."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, bool):
        raise ValueError("Give a number, not true or false")
    if isinstance(cell, float):
        # A spreadsheet stores binary floats (0.1 + 0.2 is 0.30000000000000004): keep what was typed.
        number = round(Decimal(repr(cell)), DECIMAL_SCALE)
    elif isinstance(cell, int | Decimal):
        number = Decimal(cell)
    elif isinstance(cell, str):
        text = cell.strip()
        if "," in text:
            raise ValueError(f"Use a point as the decimal separator and no thousands separator: not {text}")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{text} is not a number") from None
    else:
        raise ValueError("Give a number")
    if not number.is_finite():
        raise ValueError("Give a finite number")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -DECIMAL_SCALE:
        raise ValueError(f"At most {DECIMAL_SCALE} decimal places")
    if abs(number) >= Decimal(10) ** (MAX_DIGITS - DECIMAL_SCALE):
        raise ValueError("The number is too large")
    return number


def _nothing_to_save(values: SubmissionValues) -> bool:
    return all(v is None for v in (values.value, values.numerator, values.denominator, values.owner_forecast)) and not (
        values.commentary
    )


# --------------------------------------------------------------------------------------------
# Writing: row by row through save_values
# --------------------------------------------------------------------------------------------


async def _save_row_by_row(
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
            continue
        result.outcome = "rejected"


# --------------------------------------------------------------------------------------------
# Writing: the batch path
# --------------------------------------------------------------------------------------------


async def _save_in_batch(
    session: AsyncSession,
    actor: Actor,
    candidates: list[Candidate],
    contexts: dict[uuid.UUID, SubmissionContext],
    organisation: Organisation,
    as_of: date,
) -> None:
    kpi_ids = sorted({c.kpi.id for c in candidates})
    periods = sorted({str(c.period) for c in candidates})
    existing = await _submissions(session, kpi_ids, periods)
    current = {(s.kpi_id, s.period): s for s in existing}
    history: dict[uuid.UUID, list[Submission]] = {}
    for counted in existing:
        if counted.state in mapping.COUNTED_STATES:
            history.setdefault(counted.kpi_id, []).append(counted)
    observations = {
        kpi_id: [(s.period_end, mapping.observation_of(s)) for s in rows] for kpi_id, rows in history.items()
    }
    targets, revisions = await _targets(session, kpi_ids)
    config = mapping.evaluation_config(organisation)
    definitions = {kpi_id: mapping.definition_of(contexts[kpi_id].kpi) for kpi_id in kpi_ids}
    start_month = organisation.financial_year_start_month
    now = datetime.now(UTC)

    creates: list[dict[str, Any]] = []
    updates: list[tuple[Candidate, Submission, dict[str, Any], dict[str, Any]]] = []
    for candidate in candidates:
        kpi, period, values, result = candidate.kpi, candidate.period, candidate.values, candidate.result
        definition = definitions[kpi.id]
        stored = submission_service.stored_values(definition, values)
        submission = current.get((kpi.id, str(period)))
        if submission is not None:
            result.submission_id = submission.id
            if all(submission_service.same_value(getattr(submission, k), v) for k, v in stored.items()):
                result.outcome = "unchanged"
                continue
            state = SubmissionState(submission.state)
            if state not in EDITABLE:
                result.outcome = "rejected"
                result.errors = [FieldProblem("", submission_service.not_editable_message(kpi.code, period, state))]
                continue
        period_end = period.end_date(start_month)
        kpi_targets = targets.get(kpi.id)
        stored["flags"] = submission_service.flags_for(
            kpi,
            definition,
            config,
            period,
            stored,
            [o for end, o in observations.get(kpi.id, ()) if end < period_end],
            mapping.targets_for(kpi_targets, revisions, period) if kpi_targets else {},
            as_of,
        )
        if submission is None:
            submission_id = uuid.uuid4()
            result.outcome, result.submission_id = "created", submission_id
            creates.append(
                {
                    "id": submission_id,
                    "organisation_id": actor.organisation_id,
                    "kpi_id": kpi.id,
                    "period": str(period),
                    "financial_year": str(period.financial_year),
                    "period_end": period_end,
                    "state": SubmissionState.DRAFT.value,
                    **stored,
                    "revision": 1,
                    "revision_reason": None,
                    "entered_by": actor.subject,
                    "submitted_by": None,
                    "submitted_at": None,
                    "validated_by": None,
                    "validated_at": None,
                    "published_at": None,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
        else:
            result.outcome = "updated"
            updates.append((candidate, submission, stored, snapshot(submission)))

    written = [c for c in candidates if c.result.outcome in {"created", "updated"}]
    batch = await session.begin_nested()
    try:
        await _insert_created(session, actor, creates, now)
        for _, submission, stored, _ in updates:
            for key, value in stored.items():
                setattr(submission, key, value)
            submission.entered_by = actor.subject
        await session.flush()
        session.add_all(
            _audit_entry(actor, "update", submission, before, snapshot(submission), now)
            for _, submission, _, before in updates
        )
        await session.flush()
    except (IntegrityError, StaleDataError):
        # Someone wrote some of these values meanwhile: redo them one by one, so only a clash is rejected.
        await batch.rollback()
        for candidate in written:
            candidate.result.outcome, candidate.result.submission_id = "rejected", None
        await _save_row_by_row(session, actor, written, organisation, as_of, submit=False)
        return
    await batch.commit()


async def _submissions(session: AsyncSession, kpi_ids: Sequence[uuid.UUID], periods: Sequence[str]) -> list[Submission]:
    """The rows' existing submissions, and the counted history their sense-checks compare against."""
    found: list[Submission] = []
    for start in range(0, len(kpi_ids), IN_CHUNK):
        chunk = kpi_ids[start : start + IN_CHUNK]
        found.extend(
            await session.scalars(
                select(Submission).where(
                    Submission.kpi_id.in_(chunk),
                    or_(Submission.period.in_(periods), Submission.state.in_(mapping.COUNTED_STATES)),
                )
            )
        )
    return found


async def _targets(
    session: AsyncSession, kpi_ids: Sequence[uuid.UUID]
) -> tuple[dict[uuid.UUID, list[Target]], dict[uuid.UUID, list[TargetRevision]]]:
    targets: dict[uuid.UUID, list[Target]] = {}
    revisions: dict[uuid.UUID, list[TargetRevision]] = {}
    for start in range(0, len(kpi_ids), IN_CHUNK):
        chunk = kpi_ids[start : start + IN_CHUNK]
        found = list(await session.scalars(select(Target).where(Target.kpi_id.in_(chunk))))
        for target in found:
            targets.setdefault(target.kpi_id, []).append(target)
        if found:
            target_ids = [t.id for t in found]
            for revision in await session.scalars(
                select(TargetRevision).where(TargetRevision.target_id.in_(target_ids))
            ):
                revisions.setdefault(revision.target_id, []).append(revision)
    return targets, revisions


async def _insert_created(session: AsyncSession, actor: Actor, creates: list[dict[str, Any]], now: datetime) -> None:
    """The new submissions and their audit entries, in the request's transaction.

    On PostgreSQL through COPY on the session's own connection (inside its savepoint, so a dry run
    or a refused atomic push still takes it back); elsewhere as multi-row INSERTs.
    """
    if not creates:
        return
    audits = [_created_audit(actor, row, now) for row in creates]
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        from asyncpg.exceptions import IntegrityConstraintViolationError

        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        try:
            await _copy(raw, Submission.__tablename__, creates, json_column="flags")
            await _copy(raw, AuditEntry.__tablename__, audits, json_column="after")
        except IntegrityConstraintViolationError as exc:
            # The driver's own error (COPY bypasses SQLAlchemy): raised as the clash the caller handles.
            raise IntegrityError("COPY", None, exc) from exc
        return
    for start in range(0, len(creates), INSERT_CHUNK):
        await session.execute(insert(Submission), creates[start : start + INSERT_CHUNK])
        await session.execute(insert(AuditEntry), audits[start : start + INSERT_CHUNK])


async def _copy(raw: Any, table: str, rows: list[dict[str, Any]], *, json_column: str) -> None:
    columns = list(rows[0])
    records = [tuple(json.dumps(row[c]) if c == json_column else row[c] for c in columns) for row in rows]
    await raw.copy_records_to_table(table, columns=columns, records=records)


def _created_audit(actor: Actor, row: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "organisation_id": actor.organisation_id,
        "at": now,
        "actor_subject": actor.subject,
        "actor_name": actor.name,
        "request_id": actor.request_id,
        "entity_type": Submission.__tablename__,
        "entity_id": row["id"],
        "action": "create",
        "before": None,
        "after": {key: _json_safe(value) for key, value in row.items()},
        "note": None,
    }


def _audit_entry(
    actor: Actor, action: str, entity: Submission, before: dict[str, Any], after: dict[str, Any], now: datetime
) -> AuditEntry:
    return AuditEntry(
        organisation_id=actor.organisation_id,
        at=now,
        actor_subject=actor.subject,
        actor_name=actor.name,
        request_id=actor.request_id,
        entity_type=Submission.__tablename__,
        entity_id=entity.id,
        action=action,
        before=before,
        after=after,
    )


def _json_safe(value: Any) -> Any:
    """As ``snapshot`` writes a column value into the audit trail."""
    if value is None or isinstance(value, str | int | list):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(normalise_decimal(value))
    return str(value)


# --------------------------------------------------------------------------------------------
# The template
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateLine:
    kpi: Kpi
    period: Period
    owner: str | None


@dataclass(frozen=True)
class Template:
    service: Service
    period: Period
    lines: list[TemplateLine]


def due_period(kpi_frequency: Frequency, period: Period) -> Period | None:
    """The period of a KPI of ``kpi_frequency`` that closes with ``period`` (P6 closes Q2; P12 the year)."""
    if kpi_frequency.months_per_period < period.frequency.months_per_period:
        return None
    due = period.within(kpi_frequency)
    return due if due.last_month_index == period.last_month_index else None


async def template(session: AsyncSession, actor: Actor, service_id: uuid.UUID, period_text: str) -> Template:
    """The KPIs a service owes values for at ``period``, with their owners, for people to fill in."""
    require_read(actor)
    service = await get_in_organisation(session, Service, actor.organisation_id, service_id, "service")
    try:
        period = Period.parse(period_text)
    except DomainError as exc:
        raise invalid("period", exc.message) from None
    kpis = await session.scalars(
        select(Kpi)
        .where(Kpi.organisation_id == actor.organisation_id, Kpi.service_id == service.id, Kpi.archived_at.is_(None))
        .order_by(Kpi.code)
    )
    due = [(kpi, p) for kpi in kpis if (p := due_period(Frequency(kpi.frequency), period)) is not None]
    owner_ids = {kpi.owner_id for kpi, _ in due if kpi.owner_id is not None}
    names: dict[uuid.UUID, str] = {}
    if owner_ids:
        rows = await session.execute(select(Person.id, Person.name).where(Person.id.in_(owner_ids)))
        names = {row.id: row.name for row in rows}
    lines = [TemplateLine(kpi, p, names.get(kpi.owner_id) if kpi.owner_id else None) for kpi, p in due]
    return Template(service, period, lines)
