"""Bulk push: many periods' values in one request, each row reported as created, updated,
unchanged, skipped or rejected; and the per-service template integration scripts and people fill in.

Each row follows the rules of entering one value (``pmf_api.performance.submissions``): who may
enter it, a period of the KPI's frequency that has ended, value or numerator and denominator by
aggregation, only drafts and queried values change, and the domain's sense-checks stored as flags
(seed 001_ec6bae7b38cacc6f.txt, C.2 and E.1). The jobs are apart: reading files (``parsing``),
checking rows (``checking``), writing them (``writing``), the answer (``results``); this module
is the use case that runs them, in one savepoint, and keeps its answer under an Idempotency-Key
(``idempotency``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import require_read
from pmf_api.domain import DomainError, Frequency, Period
from pmf_api.domain.reporting import closing_period
from pmf_api.framework.organisations.repository import PersonRepository, ServiceRepository
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.performance.bulk import idempotency
from pmf_api.performance.bulk.checking import check_rows
from pmf_api.performance.bulk.parsing import Upload
from pmf_api.performance.bulk.results import BulkReport, refuse_all, report_body
from pmf_api.performance.bulk.writing import save_in_batch, save_row_by_row
from pmf_api.performance.kpis.repository import KpiFilters, KpiRepository
from pmf_api.performance.submissions import service as submission_service
from pmf_api.platform.errors import Location, invalid

if TYPE_CHECKING:
    from pmf_api.framework.organisations.models import Service
    from pmf_api.performance.kpis.models import Kpi


@dataclass(frozen=True)
class BulkOptions:
    dry_run: bool = False
    atomic: bool = False
    submit: bool = False
    idempotency_key: str | None = None


async def push(session: AsyncSession, actor: Actor, upload: Upload, options: BulkOptions, *, as_of: date) -> BulkReport:
    """Apply every row of ``upload``; nothing is written for a dry run or a refused atomic push."""
    require_pusher(actor)
    submit = options.submit or bool(upload.submit)
    flags = {"dry_run": options.dry_run, "atomic": options.atomic, "submit": submit}
    asked = idempotency.fingerprint(actor, upload, flags)
    if options.idempotency_key is not None:
        stored = await idempotency.previous_answer(session, actor, options.idempotency_key, asked)
        if stored is not None:
            return BulkReport(stored.body, stored.refused, replayed=True)
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
        if refused:
            await everything.rollback()
            refuse_all(results)
        elif options.dry_run:
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
    body = report_body(results, dry_run=options.dry_run, atomic=options.atomic, warnings=upload.warnings)
    if options.idempotency_key is not None and not options.dry_run:
        await idempotency.remember(session, actor, options.idempotency_key, asked, body, refused)
    return BulkReport(body, refused)


def require_pusher(actor: Actor) -> None:
    """Who may push values at all (each row is then checked against its KPI): known before a file is read."""
    require_read(actor)
    submission_service.require_may_enter_some(actor)


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
        raise invalid("period", exc.message, Location.QUERY) from None
    kpis = await KpiRepository(session).active(actor, KpiFilters(service_id=service.id))
    due = [(kpi, p) for kpi in kpis if (p := closing_period(Frequency(kpi.frequency), period)) is not None]
    names = await PersonRepository(session).names(kpi.owner_id for kpi, _ in due if kpi.owner_id is not None)
    lines = [TemplateLine(kpi, p, names.get(kpi.owner_id) if kpi.owner_id else None) for kpi, p in due]
    return Template(service, period, lines)
