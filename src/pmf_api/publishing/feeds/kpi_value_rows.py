"""Materialising the kpi-values feed (``kpi_values``): each KPI's rows computed with the status
rules (``performance.status.evaluation.evaluate``) and kept in ``feed_kpi_value``, computed again
only for the KPIs whose digest of inputs moved, under an advisory lock on PostgreSQL; a row's
``updated_at`` moves only when its content hash does.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, event, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from pmf_api.access.actor import Actor
from pmf_api.domain import Frequency, Period
from pmf_api.domain.reporting import latest_ended_period, reporting_period
from pmf_api.framework.organisations.repository import (
    DirectorateRepository,
    PersonRepository,
    PortfolioRepository,
    ServiceRepository,
    directorates_and_portfolios,
)
from pmf_api.framework.organisations.service import evaluation_config, get_organisation
from pmf_api.framework.plans.repository import OutcomeRepository, PriorityRepository
from pmf_api.performance.kpis.repository import KpiRepository
from pmf_api.performance.status.evaluation import KpiStatus, Placed, evaluate
from pmf_api.performance.status.inputs import data_version, evaluation_keys
from pmf_api.performance.status.schemas import figure, shown
from pmf_api.performance.submissions.repository import SubmissionRepository
from pmf_api.platform.db.base import utcnow
from pmf_api.publishing.feeds.models import FeedKpiDigest, FeedKpiValue

if TYPE_CHECKING:
    from pmf_api.performance.kpis.models import Kpi

logger = logging.getLogger("pmf_api.publishing.feeds")

MONTHS = 36
# Rows written by one refresh from which PostgreSQL's statistics of the table are brought up to date.
ANALYZE_AFTER = 1000
# Bump when what a row holds or how it is computed changes: every KPI's rows are computed again.
ROWS_VERSION = 1
# A row's columns that are not its content (its key, where it belongs, when it changed).
_NOT_CONTENT = frozenset({"kpi_id", "period_start", "organisation_id", "content_hash", "updated_at"})


@dataclass(frozen=True)
class Names:
    services: dict[uuid.UUID, str]
    directorates: dict[uuid.UUID, str]
    portfolios: dict[uuid.UUID, str]
    outcomes: dict[uuid.UUID, str]
    priorities: dict[uuid.UUID, str]
    owners: dict[uuid.UUID, str]


async def _names(
    session: AsyncSession, repository: Any, attribute: str, ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, str]:
    wanted = {id for id in ids if id is not None}
    if not wanted:
        return {}
    model = repository.model
    rows = await session.execute(select(model.id, getattr(model, attribute)).where(model.id.in_(wanted)))
    return {id: name for id, name in rows.all()}


def _digest(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _lock_key(organisation_id: uuid.UUID) -> int:
    return int.from_bytes(hashlib.sha256(b"feed_kpi_value" + organisation_id.bytes).digest()[:8], "big", signed=True)


def periods_of(kpi: Kpi, as_of: date, start_month: int) -> list[Period]:
    """The KPI's periods that ended in the ``MONTHS`` months before ``as_of``, oldest first."""
    month = latest_ended_period(as_of, Frequency.MONTHLY, start_month)
    frequency = Frequency(kpi.frequency)
    periods: dict[str, Period] = {}
    for _ in range(MONTHS):
        period = reporting_period(month, frequency)
        if period.end_date(start_month) < as_of:
            periods.setdefault(str(period), period)
        month = month.previous()
    return sorted(periods.values(), key=lambda p: p.end_date(start_month))


async def refresh(session: AsyncSession, actor: Actor, as_of: date) -> None:
    """Brings the rows of every KPI ``actor`` may read up to date for ``as_of``: those whose digest
    of inputs (its evaluation key, its names, the day) moved are evaluated again, period by period."""
    organisation = await get_organisation(session, actor)
    version = await data_version(session, organisation)
    # Nothing the rows are made of has moved since this process last refreshed them: nothing to do
    # (the usual case: Power BI refreshes far more often than values arrive).
    seen = (ROWS_VERSION, as_of, version, await _structure_version(session, organisation.id))
    if _REFRESHED.get(organisation.id) == seen:
        return
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # Two refreshes of one council run one after the other (the second finds nothing stale).
        await session.execute(select(func.pg_advisory_xact_lock(_lock_key(actor.organisation_id))))
    start_month = organisation.financial_year_start_month
    kpis = await KpiRepository(session).active(actor)
    keys = await evaluation_keys(session, version, [kpi.id for kpi in kpis])
    placements = await directorates_and_portfolios(session, organisation.id)
    priority_of = await OutcomeRepository(session).priorities_of(kpi.outcome_id for kpi in kpis)
    names = Names(
        services=await ServiceRepository(session).names(kpi.service_id for kpi in kpis),
        directorates=await _names(
            session, DirectorateRepository, "name", (p.directorate_id for p in placements.values())
        ),
        portfolios=await _names(
            session,
            PortfolioRepository,
            "name",
            [kpi.portfolio_id for kpi in kpis] + [p.portfolio_id for p in placements.values()],
        ),
        outcomes=await _names(session, OutcomeRepository, "title", (kpi.outcome_id for kpi in kpis)),
        priorities=await _names(session, PriorityRepository, "title", priority_of.values()),
        owners=await PersonRepository(session).names(kpi.owner_id for kpi in kpis),
    )
    placed = {
        kpi.id: Placed(
            kpi,
            None if (where := placements.get(kpi.service_id)) is None else where.directorate_id,
            None if kpi.outcome_id is None else priority_of.get(kpi.outcome_id),
        )
        for kpi in kpis
    }
    digests = {
        kpi.id: _digest(
            ROWS_VERSION,
            as_of,
            keys.get(kpi.id),
            kpi.version,
            kpi.updated_at,
            placed[kpi.id].directorate_id,
            placed[kpi.id].priority_id,
            _row_names(kpi, placed[kpi.id], placements, names),
        )
        for kpi in kpis
    }
    kept = dict(
        (
            await session.execute(
                select(FeedKpiDigest.kpi_id, FeedKpiDigest.digest).where(
                    FeedKpiDigest.organisation_id == organisation.id
                )
            )
        ).all()
    )
    stale = [kpi for kpi in kpis if kept.get(kpi.id) != digests[kpi.id]]
    gone = set(kept) - set(digests)
    if stale or gone:
        rows = await _rows(session, organisation, version, stale, placed, placements, names, as_of, start_month)
        await _write(session, organisation.id, stale, gone, rows, digests)
    # Kept once the unit of work has committed, so a refresh rolled back is done again next time.
    session.sync_session.info.setdefault(_AFTER_COMMIT, []).append((organisation.id, seen))


# What each council's rows were last brought up to date for, in this process (see ``refresh``).
_REFRESHED: dict[uuid.UUID, Hashable] = {}
_AFTER_COMMIT = "feed_kpi_value_refreshed"


@event.listens_for(Session, "after_commit")
def _remember(session: Session) -> None:
    for organisation_id, seen in session.info.pop(_AFTER_COMMIT, []):
        _REFRESHED[organisation_id] = seen


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


# The records a row names (and the digests kept): any change to one moves this fingerprint.
_STRUCTURE = (
    KpiRepository,
    ServiceRepository,
    DirectorateRepository,
    PortfolioRepository,
    PersonRepository,
    OutcomeRepository,
    PriorityRepository,
)


async def _structure_version(session: AsyncSession, organisation_id: uuid.UUID) -> tuple[Any, ...]:
    parts = [
        column
        for repository in _STRUCTURE
        for column in (
            select(func.count()).where(repository.model.organisation_id == organisation_id).scalar_subquery(),
            select(func.coalesce(func.sum(repository.model.version), 0))
            .where(repository.model.organisation_id == organisation_id)
            .scalar_subquery(),
            select(func.max(repository.model.updated_at))
            .where(repository.model.organisation_id == organisation_id)
            .scalar_subquery(),
        )
    ]
    kept = select(func.count()).where(FeedKpiDigest.organisation_id == organisation_id).scalar_subquery()
    return tuple((await session.execute(select(*parts, kept))).one())


def _row_names(kpi: Kpi, where: Placed, placements: Mapping[uuid.UUID, Any], names: Names) -> dict[str, Any]:
    placement = placements.get(kpi.service_id)
    portfolio_id = kpi.portfolio_id or (None if placement is None else placement.portfolio_id)
    return {
        "kpi_code": kpi.code,
        "kpi_title": kpi.title,
        "frequency": kpi.frequency,
        "unit": kpi.unit,
        "polarity": kpi.polarity,
        "decimal_places": kpi.decimal_places,
        "service_id": kpi.service_id,
        "service_name": names.services.get(kpi.service_id),
        "directorate_id": where.directorate_id,
        "directorate_name": None if where.directorate_id is None else names.directorates.get(where.directorate_id),
        "portfolio_id": portfolio_id,
        "portfolio_name": None if portfolio_id is None else names.portfolios.get(portfolio_id),
        "priority_id": where.priority_id,
        "priority_title": None if where.priority_id is None else names.priorities.get(where.priority_id),
        "outcome_id": kpi.outcome_id,
        "outcome_title": None if kpi.outcome_id is None else names.outcomes.get(kpi.outcome_id),
        "owner_id": kpi.owner_id,
        "owner_name": None if kpi.owner_id is None else names.owners.get(kpi.owner_id),
    }


async def _rows(
    session: AsyncSession,
    organisation: Any,
    version: tuple[Any, ...],
    stale: Sequence[Kpi],
    placed: Mapping[uuid.UUID, Placed],
    placements: Mapping[uuid.UUID, Any],
    names: Names,
    as_of: date,
    start_month: int,
) -> list[dict[str, Any]]:
    """Each stale KPI's rows, evaluated one month at a time (a quarterly KPI once per quarter)."""
    if not stale:
        return []
    config = evaluation_config(organisation)
    periods = {kpi.id: periods_of(kpi, as_of, start_month) for kpi in stale}
    all_ends = [p.end_date(start_month) for each in periods.values() for p in each]
    # The commentary of each counted value (rows of kpi_id, period, value, numerator, denominator, commentary, ...).
    counted = (
        await SubmissionRepository(session).counted_values([kpi.id for kpi in stale], min(all_ends), max(all_ends))
        if all_ends
        else {}
    )
    commentaries = {(row[0], row[1]): row[5] for each in counted.values() for row in each if row[5] is not None}
    # Round r evaluates each KPI's r-th period from its latest: evaluate() takes one period per KPI.
    rounds = max((len(each) for each in periods.values()), default=0)
    rows: list[dict[str, Any]] = []
    for back in range(1, rounds + 1):
        wanted = {kpi.id: each[-back] for kpi in stale if len(each := periods[kpi.id]) >= back}
        # evaluate() takes one period for every KPI it is given: the KPIs are grouped by theirs.
        groups: dict[Period, list[Placed]] = {}
        for kpi_id, period in wanted.items():
            groups.setdefault(period, []).append(placed[kpi_id])
        for period, members in groups.items():

            def chosen(_frequency: Frequency, period: Period = period) -> Period:
                return period

            statuses, not_evaluated = await evaluate(
                session, version, config, members, [m.kpi.id for m in members], chosen, as_of
            )
            for skipped in not_evaluated:
                logger.warning("kpi-values: %s %s not evaluated: %s", skipped.code, period, skipped.reason)
            rows += [
                _row(status, placements, names, commentaries, start_month, placed[status.kpi.id]) for status in statuses
            ]
    return rows


def _row(
    status: KpiStatus,
    placements: Mapping[uuid.UUID, Any],
    names: Names,
    commentaries: Mapping[tuple[uuid.UUID, str], str],
    start_month: int,
    where: Placed,
) -> dict[str, Any]:
    kpi, evaluation, period = status.kpi, status.evaluation, status.period
    places = kpi.decimal_places
    forecast, spc = evaluation.forecast, evaluation.spc
    submission = status.submission
    return {
        "kpi_id": kpi.id,
        "period_start": period.start_date(start_month),
        "period_end": period.end_date(start_month),
        "period": str(period),
        "financial_year": str(period.financial_year),
        **_row_names(kpi, where, placements, names),
        "value": figure(evaluation.value),
        "value_display": shown(evaluation.value, places),
        "target": figure(evaluation.status.target),
        "target_display": shown(evaluation.status.target, places),
        "intervention_level": figure(evaluation.status.intervention_level),
        "rag": None if evaluation.rag is None else evaluation.rag.value,
        "rag_basis": "ytd" if status.rated_on_ytd else "period",
        "ytd_value": figure(evaluation.year_to_date.value),
        "ytd_target": figure(status.year_to_date.target),
        "ytd_rag": None if status.year_to_date.rag is None else status.year_to_date.rag.value,
        "direction": _word(evaluation.direction.against_previous),
        "direction_against_last_year": _word(evaluation.direction.against_last_year),
        "spc_variation": None if spc is None else _word(spc.variation),
        "spc_assurance": None if spc is None else _word(spc.assurance),
        "forecast_outturn": None if forecast is None else figure(forecast.outturn),
        "forecast_rag": None if forecast is None else _word(forecast.rag),
        "commentary": commentaries.get((kpi.id, str(period))),
        "submission_state": None if submission is None else str(submission.state),
        "value_state": str(status.completeness.value_state),
    }


def _word(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def content_hash(row: Mapping[str, Any]) -> str:
    def text(value: Any) -> Any:
        if isinstance(value, Decimal):
            return format(value, "f")
        return value if value is None or isinstance(value, int | str) else str(value)

    content = sorted((name, text(value)) for name, value in row.items() if name not in _NOT_CONTENT)
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()


async def _write(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    stale: Sequence[Kpi],
    gone: set[uuid.UUID],
    rows: list[dict[str, Any]],
    digests: Mapping[uuid.UUID, str],
) -> None:
    """Replaces the stale KPIs' rows, keeping a row's ``updated_at`` when its content is the same."""
    changed_kpis = [kpi.id for kpi in stale] + list(gone)
    before = {
        (kpi_id, start): (hashed, updated)
        for kpi_id, start, hashed, updated in await session.execute(
            select(
                FeedKpiValue.kpi_id, FeedKpiValue.period_start, FeedKpiValue.content_hash, FeedKpiValue.updated_at
            ).where(FeedKpiValue.kpi_id.in_(changed_kpis))
        )
    }
    now = utcnow()
    for row in rows:
        hashed = content_hash(row)
        previous = before.get((row["kpi_id"], row["period_start"]))
        row["organisation_id"] = organisation_id
        row["content_hash"] = hashed
        row["updated_at"] = previous[1] if previous is not None and previous[0] == hashed else now
    await session.execute(delete(FeedKpiValue).where(FeedKpiValue.kpi_id.in_(changed_kpis)))
    await session.execute(delete(FeedKpiDigest).where(FeedKpiDigest.kpi_id.in_(changed_kpis)))
    for start in range(0, len(rows), 2000):
        await session.execute(insert(FeedKpiValue), rows[start : start + 2000])
    if stale:
        await session.execute(
            insert(FeedKpiDigest),
            [{"kpi_id": kpi.id, "organisation_id": organisation_id, "digest": digests[kpi.id]} for kpi in stale],
        )
    if len(rows) >= ANALYZE_AFTER and session.bind is not None and session.bind.dialect.name == "postgresql":
        # Thousands of rows replaced at once: without fresh statistics the planner takes the table
        # for empty and reads a council's rows through the wrong index (ten times slower).
        await session.execute(text("ANALYZE feed_kpi_value"))
