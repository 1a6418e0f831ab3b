"""Use cases of as-reported snapshots: freeze a period, list them, read one, build its report.

Freezing (the performance team) keeps everything a report of the period shows in one row, added
with its audit entry in the request's one transaction: a half-made snapshot is never visible, and
a snapshot is never changed afterwards (there is no route or service that writes one again).
A month's snapshot feeds the board pack (seed 001_ec6bae7b38cacc6f.txt, C.2), a quarter's the
Corporate Performance Report.

Reading: every role in the council reads its whole performance framework (``access.policy``),
so a snapshot, which holds only what the scorecard, actions, risks, forms and challenges show any
reader, is readable by any role in the council; another council's is 404.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_read, require_write
from pmf_api.domain import DomainError, Frequency, Period
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.platform.audit import AuditEntry, entry_values, snapshot
from pmf_api.platform.db.base import utcnow
from pmf_api.platform.db.pages import ListQuery, Page
from pmf_api.platform.errors import Conflict, Location, NotFound, invalid
from pmf_api.reporting.building import Filters, FrozenSnapshot, build_document, scope_of
from pmf_api.reporting.document import ReportDocument, ReportKind
from pmf_api.reporting.snapshots.content import gather
from pmf_api.reporting.snapshots.models import ReportSnapshot
from pmf_api.reporting.snapshots.repository import SnapshotRepository

FREEZABLE = (Frequency.MONTHLY, Frequency.QUARTERLY)


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the content's canonical JSON (keys sorted, no spaces): equal content, equal hash."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _period(text: str, start_month: int, as_of: date) -> Period:
    try:
        period = Period.parse(text)
    except DomainError as exc:
        raise invalid("period", exc.message) from None
    if period.frequency not in FREEZABLE:
        raise invalid(
            "period",
            f"{period} is a year: freeze a quarter ('2026/27 Q2', for the report) or a month ('2026/27 P5', "
            "for the board pack)",
        )
    if period.end_date(start_month) >= as_of:
        raise invalid(
            "period",
            f"{period} has not ended yet (it ends on {period.end_date(start_month).isoformat()}): "
            "a period is frozen once it has ended",
        )
    return period


async def freeze(session: AsyncSession, actor: Actor, period_text: str, *, as_of: date) -> ReportSnapshot:
    """Freeze ``period_text`` as reported (see the module docstring); a second freeze of it is 409."""
    require_write(actor, Resource.report)
    organisation = await get_organisation(session, actor)
    start_month = organisation.financial_year_start_month
    period = _period(period_text, start_month, as_of)
    repository = SnapshotRepository(session)
    if await repository.of_period(actor.organisation_id, str(period)) is not None:
        raise Conflict(detail=f"{period} has been frozen already: a period is reported once (see GET /snapshots)")
    # One moment for both: restatements are listed up to the instant the snapshot is frozen at, and the
    # next report lists those after it, so none falls between two reports.
    frozen_at = utcnow()
    content = await gather(session, actor, period, as_of=as_of, start_month=start_month, frozen_at=frozen_at)
    content["council"] = organisation.name
    entity = ReportSnapshot(
        organisation_id=actor.organisation_id,
        period=str(period),
        frequency=period.frequency.value,
        period_start=period.start_date(start_month),
        period_end=period.end_date(start_month),
        frozen_at=frozen_at,
        frozen_by=actor.subject,
        frozen_by_name=actor.name,
        content_hash=content_hash(content),
        content=content,
    )
    session.add(entity)
    await session.flush()
    # The audit entry keeps the snapshot's metadata and hash; its content is the row itself.
    after = {key: value for key, value in snapshot(entity).items() if key != "content"}
    session.add(AuditEntry(**entry_values(actor, "create", entity.__tablename__, entity.id, None, after)))
    await session.flush()
    return entity


async def list_snapshots(session: AsyncSession, actor: Actor, query: ListQuery) -> Page[ReportSnapshot]:
    require_read(actor)
    return await SnapshotRepository(session).page(actor, query)


async def get_snapshot(session: AsyncSession, actor: Actor, snapshot_id: uuid.UUID) -> ReportSnapshot:
    require_read(actor)
    return await SnapshotRepository(session).get(actor, snapshot_id)


async def of_period(session: AsyncSession, actor: Actor, period_text: str) -> uuid.UUID:
    """The id of the snapshot of ``period_text``: 404 when the period has not been frozen."""
    require_read(actor)
    try:
        period = Period.parse(period_text)
    except DomainError as exc:
        raise invalid("period", exc.message) from None
    found = await SnapshotRepository(session).of_period(actor.organisation_id, str(period))
    if found is None:
        raise NotFound(detail=f"{period} has not been frozen: freeze it first (POST /snapshots)")
    return found


@dataclass(frozen=True)
class ReportRequest:
    kind: ReportKind | None = None  # default: by the snapshot's period (a quarter's report, a month's pack)
    directorate_id: uuid.UUID | None = None
    portfolio_id: uuid.UUID | None = None


def frozen(entity: ReportSnapshot) -> FrozenSnapshot:
    return FrozenSnapshot(
        id=entity.id,
        period=entity.period,
        frequency=entity.frequency,
        period_start=entity.period_start,
        period_end=entity.period_end,
        frozen_at=entity.frozen_at,
        frozen_by=entity.frozen_by_name,
        content=entity.content,
    )


async def report(session: AsyncSession, actor: Actor, snapshot_id: uuid.UUID, request: ReportRequest) -> ReportDocument:
    """The report of ``request.kind`` built from the snapshot and the filter (``building``).

    A quarterly report needs a quarter's snapshot (422 from a month's); a board pack may be built
    from either (a quarter's shows its last month's monthly KPIs)."""
    entity = await get_snapshot(session, actor, snapshot_id)
    quarter = entity.frequency == Frequency.QUARTERLY.value
    kind: ReportKind = request.kind or ("quarterly_report" if quarter else "board_pack")
    if kind == "quarterly_report" and not quarter:
        raise invalid(
            "kind",
            f"The quarterly report is built from a quarter's snapshot; {entity.period} is a month "
            "(build its board_pack, or freeze the quarter)",
            Location.QUERY,
        )
    filters = Filters(request.directorate_id, request.portfolio_id)
    if scope_of(entity.content, filters) is None:
        for field, wanted, known in (
            ("directorate_id", filters.directorate_id, entity.content["directorates"]),
            ("portfolio_id", filters.portfolio_id, entity.content["portfolios"]),
        ):
            if wanted is not None and all(each["id"] != str(wanted) for each in known):
                raise invalid(field, f"The snapshot of {entity.period} has no {field[:-3]} {wanted}", Location.QUERY)
    return build_document(frozen(entity), kind, filters)
