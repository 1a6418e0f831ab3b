"""Bulk push: many periods' values in one request, each row reported as created, updated,
unchanged, skipped or rejected; and the per-service template integration scripts and people fill in.

Each row follows the rules of entering one value (``pmf_api.performance.submissions``): who may
enter it, a period of the KPI's frequency that has ended, value or numerator and denominator by
aggregation, only drafts and queried values change, and the domain's sense-checks stored as flags
(seed 001_ec6bae7b38cacc6f.txt, C.2 and E.1). The jobs are apart: reading files (``parsing``),
checking rows (``checking``), writing them (``writing``), the answer (``results``); this module
is the use case that runs them, in one savepoint, and keeps its answer under an Idempotency-Key.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import require_read
from pmf_api.domain import DomainError, Frequency, Period
from pmf_api.domain.reporting import closing_period
from pmf_api.framework.organisations.repository import PersonRepository, ServiceRepository
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.performance.bulk.checking import check_rows
from pmf_api.performance.bulk.models import IdempotencyRecord
from pmf_api.performance.bulk.parsing import Upload
from pmf_api.performance.bulk.results import BulkReport, report_body
from pmf_api.performance.bulk.writing import save_in_batch, save_row_by_row
from pmf_api.performance.kpis.repository import KpiFilters, KpiRepository
from pmf_api.performance.submissions import service as submission_service
from pmf_api.platform.errors import Conflict, FieldProblem, invalid

if TYPE_CHECKING:
    from pmf_api.framework.organisations.models import Service
    from pmf_api.performance.kpis.models import Kpi

IDEMPOTENCY_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class BulkOptions:
    dry_run: bool = False
    atomic: bool = False
    submit: bool = False
    idempotency_key: str | None = None


async def push(session: AsyncSession, actor: Actor, upload: Upload, options: BulkOptions, *, as_of: date) -> BulkReport:
    """Apply every row of ``upload``; nothing is written for a dry run or a refused atomic push."""
    require_read(actor)
    submission_service.require_may_enter_some(actor)
    submit = options.submit or bool(upload.submit)
    fingerprint = _fingerprint(actor, upload, options, submit)
    if options.idempotency_key is not None:
        stored = await _stored_response(session, actor, options.idempotency_key, fingerprint)
        if stored is not None:
            return stored
    organisation = await get_organisation(session, actor)
    kpis = await KpiRepository(session).all_in_organisation(actor)
    contexts = await submission_service.contexts_for(session, actor, kpis)
    results, candidates = check_rows(upload.rows, kpis, contexts, organisation, as_of)

    everything = await session.begin_nested()
    try:
        # Rows are written even when an atomic push is already lost, so the report says what each
        # row would have become; the savepoint then takes it all back.
        if candidates:
            if submit:
                await save_row_by_row(session, actor, candidates, organisation, as_of, submit=True)
            else:
                await save_in_batch(session, actor, candidates, organisation, as_of)
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
    body = report_body(results, dry_run=options.dry_run, atomic=options.atomic)
    if options.idempotency_key is not None and not options.dry_run:
        await _store_response(session, actor, options.idempotency_key, fingerprint, body, refused)
    return BulkReport(body, refused)


# --- Idempotency --------------------------------------------------------------------------------


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


# --- The template -------------------------------------------------------------------------------


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


async def template(session: AsyncSession, actor: Actor, service_id: uuid.UUID, period_text: str) -> Template:
    """The KPIs a service owes values for at ``period``, with their owners, for people to fill in."""
    require_read(actor)
    service = await ServiceRepository(session).get(actor, service_id)
    try:
        period = Period.parse(period_text)
    except DomainError as exc:
        raise invalid("period", exc.message) from None
    kpis = await KpiRepository(session).active(actor, KpiFilters(service_id=service.id))
    due = [(kpi, p) for kpi in kpis if (p := closing_period(Frequency(kpi.frequency), period)) is not None]
    names = await PersonRepository(session).names(kpi.owner_id for kpi, _ in due if kpi.owner_id is not None)
    lines = [TemplateLine(kpi, p, names.get(kpi.owner_id) if kpi.owner_id else None) for kpi, p in due]
    return Template(service, period, lines)
