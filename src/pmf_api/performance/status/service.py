"""A KPI's status in a period, alone or as a scorecard of many: every figure from ``evaluate_kpi``.

Only validated and published values count (``mapping.COUNTED_STATES``); the period's own
submission is reported whatever its state, with the flags of its latest save, so the performance
team sees what is still with the owner.

Which period each KPI reports (``pmf_api.domain.reporting``): without a period, the latest of its
own frequency that has ended by ``as_of``; with one, the period of its frequency that goes with
it: "2026/27 P5" gives P5 for a monthly KPI, Q2 (the quarter containing it) for a quarterly one
and 2026/27 for an annual one; "2026/27 Q2" gives P6 for a monthly KPI.

Loading is a fixed handful of queries whatever the number of KPIs (the organisation, the KPIs,
their targets, the target revisions, the counted values, the period's submissions); the rules then
run in Python. Evaluations are memoised on a digest of exactly their inputs (the stored rows,
``as_of`` and the configuration), so a repeated scorecard skips the rules but never serves a
stale figure: any change to a value, target or setting changes the digest.
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, Row, Select, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import require_read
from pmf_api.domain import (
    DomainError,
    EvaluationConfig,
    FinancialYear,
    Frequency,
    KpiDefinition,
    KpiEvaluation,
    KpiTarget,
    Observation,
    Period,
    PeriodRag,
    Rag,
    evaluate_kpi,
    rate_period,
)
from pmf_api.domain.reporting import Completeness, completeness, due_date, latest_ended_period, reporting_period
from pmf_api.domain.workflow import SubmissionState
from pmf_api.framework.organisations.models import Organisation, Service
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.framework.plans.models import Outcome
from pmf_api.performance import mapping
from pmf_api.performance.kpis.models import Kpi
from pmf_api.performance.submissions.models import Submission
from pmf_api.performance.targets.models import Target, TargetRevision
from pmf_api.platform.db.base import DECIMAL_SCALE
from pmf_api.platform.db.repository import get_in_organisation
from pmf_api.platform.errors import Conflict, invalid

# Years of values loaded before the period's own: the domain needs last year's same period and
# previous years for seasonal forecasts and the SPC chart (three years in all, as bench_domain).
HISTORY_YEARS = 2

logger = logging.getLogger("pmf_api.performance.status")


@dataclass(frozen=True)
class ScorecardFilters:
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = None
    portfolio_id: uuid.UUID | None = None
    priority_id: uuid.UUID | None = None
    outcome_id: uuid.UUID | None = None
    statutory: bool | None = None
    frequency: Frequency | None = None
    rag: Rag | None = None


@dataclass(frozen=True)
class PeriodSubmission:
    """The period's submission as it stands, counted or not."""

    id: uuid.UUID
    state: SubmissionState
    revision: int
    flags: list[dict[str, Any]]


@dataclass(frozen=True)
class KpiStatus:
    kpi: Kpi
    directorate_id: uuid.UUID | None
    priority_id: uuid.UUID | None
    period: Period
    rated_on_ytd: bool
    annual_target: Decimal | None
    evaluation: KpiEvaluation
    # The year-to-date figure rated against the profiled YTD target, whatever the KPI is rated on.
    year_to_date: PeriodRag
    observation: Observation | None
    submission: PeriodSubmission | None
    completeness: Completeness
    # Identifies every input of this status: equal keys, equal statuses (responses reuse their output)
    key: Hashable

    @property
    def cache_key(self) -> Hashable:
        submission = self.submission
        return (
            self.key,
            self.directorate_id,
            self.priority_id,
            self.completeness,
            None
            if submission is None
            else (submission.id, submission.state, submission.revision, repr(submission.flags)),
        )


@dataclass(frozen=True)
class Scorecard:
    period: Period
    as_of: date
    items: list[KpiStatus]
    not_evaluated: list[NotEvaluated] = field(default_factory=list)


@dataclass(frozen=True)
class NotEvaluated:
    """A KPI whose stored data the rules cannot judge, and why (the domain's message)."""

    kpi_id: uuid.UUID
    code: str
    reason: str


def _requested_period(text: str | None, organisation: Organisation, as_of: date) -> Period | None:
    if text is None:
        return None
    try:
        period = Period.parse(text)
    except DomainError as exc:
        raise invalid("period", exc.message) from None
    if period.end_date(organisation.financial_year_start_month) >= as_of:
        raise invalid("period", f"{period} has not ended yet: ask for a period that ended before {as_of.isoformat()}")
    return period


def _period_chooser(requested: Period | None, as_of: date, start_month: int) -> Callable[[Frequency], Period]:
    if requested is None:
        return lambda frequency: latest_ended_period(as_of, frequency, start_month)
    return lambda frequency: reporting_period(requested, frequency)


async def kpi_status(
    session: AsyncSession, actor: Actor, kpi_id: uuid.UUID, period_text: str | None, *, as_of: date
) -> KpiStatus:
    """One KPI's status in ``period_text`` (default: the latest period of its frequency that has ended)."""
    require_read(actor)
    kpi = await get_in_organisation(session, Kpi, actor.organisation_id, kpi_id, "KPI")
    organisation = await get_organisation(session, actor)
    requested = _requested_period(period_text, organisation, as_of)
    places = await session.execute(
        select(Service.directorate_id, Outcome.priority_id)
        .select_from(Service)
        .outerjoin(Outcome, Outcome.id == kpi.outcome_id)
        .where(Service.id == kpi.service_id)
    )
    directorate_id, priority_id = places.one()
    choose = _period_chooser(requested, as_of, organisation.financial_year_start_month)
    evaluated, not_evaluated = await _evaluate(
        session, organisation, [(kpi, directorate_id, priority_id)], [kpi.id], choose, as_of
    )
    if not_evaluated:
        raise Conflict(detail=f"{kpi.code} cannot be judged as its data stands: {not_evaluated[0].reason}")
    return evaluated[0]


def _kpi_query(actor: Actor, filters: ScorecardFilters) -> Select[Kpi, uuid.UUID, uuid.UUID]:
    query = (
        select(Kpi, Service.directorate_id, Outcome.priority_id)
        .join(Service, Service.id == Kpi.service_id)
        .outerjoin(Outcome, Outcome.id == Kpi.outcome_id)
        .where(Kpi.organisation_id == actor.organisation_id, Kpi.archived_at.is_(None))
        .order_by(Kpi.code)
    )
    conditions = {
        Kpi.service_id: filters.service_id,
        Service.directorate_id: filters.directorate_id,
        Kpi.portfolio_id: filters.portfolio_id,
        Outcome.priority_id: filters.priority_id,
        Kpi.outcome_id: filters.outcome_id,
        Kpi.statutory: filters.statutory,
        Kpi.frequency: None if filters.frequency is None else filters.frequency.value,
    }
    for column, value in conditions.items():
        if value is not None:
            query = query.where(column == value)
    return query


async def scorecard(
    session: AsyncSession, actor: Actor, filters: ScorecardFilters, period_text: str | None, *, as_of: date
) -> Scorecard:
    """The status of every KPI that passes ``filters``, ordered by code.

    ``period`` in the result is the month asked for (or the latest month that has ended); each
    item carries the period it reports (see the module docstring).
    """
    require_read(actor)
    organisation = await get_organisation(session, actor)
    version = await data_version(session, organisation)
    cache_key = (organisation.id, version, as_of, period_text, filters)
    cached = _SCORECARDS.get(cache_key)
    if cached is not None:
        _SCORECARDS.move_to_end(cache_key)
        return cached
    start_month = organisation.financial_year_start_month
    requested = _requested_period(period_text, organisation, as_of)
    query = _kpi_query(actor, filters)
    rows = (await session.execute(query)).all()
    kpis = [(kpi, directorate_id, priority_id) for kpi, directorate_id, priority_id in rows]
    kpi_ids = query.with_only_columns(Kpi.id).order_by(None)
    choose = _period_chooser(requested, as_of, start_month)
    items, not_evaluated = await _evaluate(session, organisation, kpis, kpi_ids, choose, as_of) if kpis else ([], [])
    if filters.rag is not None:
        items = [item for item in items if item.evaluation.rag is filters.rag]
    shown = requested or latest_ended_period(as_of, Frequency.MONTHLY, start_month)
    result = Scorecard(period=shown, as_of=as_of, items=items, not_evaluated=not_evaluated)
    _SCORECARDS[cache_key] = result
    if len(_SCORECARDS) > SCORECARD_CACHE_SIZE:
        _SCORECARDS.popitem(last=False)
    return result


# Scorecards are read far more often than their data changes (dashboards refresh all day; values
# arrive once a month), so a whole scorecard is kept until anything it reads changes.
_SCORECARDS: OrderedDict[tuple[Any, ...], Scorecard] = OrderedDict()
SCORECARD_CACHE_SIZE = 64
_VERSIONED = (Submission, Kpi, Target, Service, Outcome)


async def data_version(session: AsyncSession, organisation: Organisation) -> tuple[Any, ...]:
    """A fingerprint of everything a scorecard reads in ``organisation``, in one query.

    Rows are never deleted (records are archived) and every change bumps a row's ``version`` and
    its ``updated_at``, so each table's count, version sum and latest change move with any insert
    or update (a value leaving the scorecard while another arrives still moves the latest change).
    """
    columns = [organisation.version, organisation.financial_year_start_month]
    parts = []
    for model in _VERSIONED:
        where = model.organisation_id == organisation.id
        parts.append(select(func.count()).where(where).scalar_subquery())
        parts.append(select(func.coalesce(func.sum(model.version), 0)).where(where).scalar_subquery())
        parts.append(select(func.max(model.updated_at)).where(where).scalar_subquery())
    row = (await session.execute(select(*parts))).one()
    return (*columns, *row)


async def _evaluate(
    session: AsyncSession,
    organisation: Organisation,
    kpis: Sequence[tuple[Kpi, uuid.UUID | None, uuid.UUID | None]],
    kpi_ids: Sequence[uuid.UUID] | Select[uuid.UUID],
    choose: Callable[[Frequency], Period],
    as_of: date,
) -> tuple[list[KpiStatus], list[NotEvaluated]]:
    """Load what the rules need for ``kpis`` in four queries, then evaluate each."""
    start_month = organisation.financial_year_start_month
    config = mapping.evaluation_config(organisation)
    periods = {kpi.id: choose(Frequency(kpi.frequency)) for kpi, _, _ in kpis}
    earliest = FinancialYear(min(p.financial_year.start_year for p in periods.values()) - HISTORY_YEARS)
    latest_end = max(p.end_date(start_month) for p in periods.values())

    years = range(earliest.start_year, max(p.financial_year.start_year for p in periods.values()) + 1)
    targets: dict[uuid.UUID, list[Target]] = {}
    target_query = select(Target).where(
        Target.kpi_id.in_(kpi_ids), Target.financial_year.in_([str(FinancialYear(y)) for y in years])
    )
    for target in await session.scalars(target_query):
        targets.setdefault(target.kpi_id, []).append(target)
    # Revisions matter only in the reported year (``mapping.targets_for``); other years use the latest.
    revisions: dict[uuid.UUID, list[TargetRevision]] = {}
    revision_query = (
        select(TargetRevision)
        .join(Target, Target.id == TargetRevision.target_id)
        .where(
            Target.kpi_id.in_(kpi_ids),
            Target.financial_year.in_(sorted({str(p.financial_year) for p in periods.values()})),
        )
    )
    for revision in await session.scalars(revision_query):
        revisions.setdefault(revision.target_id, []).append(revision)

    # The counted values are the bulk of what a scorecard reads (36 a KPI over three years). Their
    # fingerprint per KPI comes first, from one aggregate query; only KPIs whose evaluation is not
    # already kept for exactly these inputs have their values loaded.
    counted = (
        Submission.state.in_(mapping.COUNTED_STATES),
        Submission.period_end >= earliest.start_date(start_month),
        Submission.period_end <= latest_end,
    )
    fingerprints: dict[uuid.UUID, tuple[Any, ...]] = {}
    fingerprint_query = (
        select(Submission.kpi_id, func.count(), func.sum(Submission.version), func.max(Submission.updated_at))
        .where(Submission.kpi_id.in_(kpi_ids), *counted)
        .group_by(Submission.kpi_id)
    )
    for kpi_id, *fingerprint in await session.execute(fingerprint_query):
        fingerprints[kpi_id] = tuple(fingerprint)
    keys = {
        kpi.id: _memo_key(kpi, periods[kpi.id], fingerprints.get(kpi.id), targets.get(kpi.id, []), config, as_of)
        for kpi, _, _ in kpis
    }
    stale = [kpi_id for kpi_id, key in keys.items() if key not in _MEMO]
    counted_rows: dict[uuid.UUID, list[Row[Any]]] = {}
    if stale:
        # Plain rows, not ORM objects: tens of thousands of values load several times faster this way.
        exact = _exact_decimal(session)
        which = kpi_ids if len(stale) == len(keys) else stale
        counted_query = select(
            Submission.kpi_id,
            Submission.period,
            exact(Submission.value, "value"),
            exact(Submission.numerator, "numerator"),
            exact(Submission.denominator, "denominator"),
            Submission.commentary,
            exact(Submission.owner_forecast, "owner_forecast"),
        ).where(Submission.kpi_id.in_(which), *counted)
        for row in await session.execute(counted_query):
            counted_rows.setdefault(row.kpi_id, []).append(row)

    period_submissions: dict[tuple[uuid.UUID, str], PeriodSubmission] = {}
    period_query = select(
        Submission.id, Submission.kpi_id, Submission.period, Submission.state, Submission.revision, Submission.flags
    ).where(Submission.kpi_id.in_(kpi_ids), Submission.period.in_(sorted({str(p) for p in periods.values()})))
    for row in await session.execute(period_query):
        period_submissions[(row.kpi_id, row.period)] = PeriodSubmission(
            row.id, SubmissionState(row.state), row.revision, list(row.flags or [])
        )

    evaluated: list[KpiStatus] = []
    not_evaluated: list[NotEvaluated] = []
    for kpi, directorate_id, priority_id in kpis:
        try:
            evaluated.append(
                _status(
                    kpi,
                    directorate_id,
                    priority_id,
                    periods[kpi.id],
                    targets.get(kpi.id, []),
                    revisions,
                    keys[kpi.id],
                    counted_rows.get(kpi.id, []),
                    period_submissions.get((kpi.id, str(periods[kpi.id]))),
                    config,
                    as_of,
                )
            )
        except DomainError as exc:
            # Stored data the service would refuse (a raw-SQL fix, an old import) that the rules
            # cannot judge: that KPI is set aside, named with the reason, and the others are shown.
            logger.warning("KPI %s (%s) not evaluated: %s", kpi.code, kpi.id, exc.message)
            not_evaluated.append(NotEvaluated(kpi.id, kpi.code, exc.message))
    return evaluated, not_evaluated


_NUMERIC = Numeric(24, DECIMAL_SCALE, asdecimal=True)


def _exact_decimal(session: AsyncSession) -> Callable[[Any, str], Any]:
    """On PostgreSQL, read NUMERIC values as the driver's Decimals, skipping ``ExactDecimal``'s
    trailing-zero normalisation (a third of a scorecard's time); the numbers are the same, and the
    domain and the response only compare and round them. SQLite stores text and needs the type."""
    if session.get_bind().dialect.name == "postgresql":
        return lambda column, name: type_coerce(column, _NUMERIC).label(name)
    return lambda column, name: column


def _observations(rows: Iterable[Sequence[Any]]) -> list[Observation]:
    # Unpacked by position (the counted query's columns after kpi_id): reading 36 rows a KPI by
    # attribute name cost 2.5x as much (34 ms of a cold 300-KPI scorecard).
    return [
        mapping.observation_from(period, value, numerator, denominator, commentary, owner_forecast)
        for _kpi_id, period, value, numerator, denominator, commentary, owner_forecast in rows
    ]


def _status(
    kpi: Kpi,
    directorate_id: uuid.UUID | None,
    priority_id: uuid.UUID | None,
    period: Period,
    targets: Sequence[Target],
    revisions: dict[uuid.UUID, list[TargetRevision]],
    key: Hashable,
    rows: Sequence[Row[Any]],
    submission: PeriodSubmission | None,
    config: EvaluationConfig,
    as_of: date,
) -> KpiStatus:
    definition = mapping.definition_of(kpi)
    evaluation, year_to_date, observation, annual_target = _evaluated(
        key,
        definition,
        rows,
        lambda: mapping.targets_for(targets, revisions, period),
        period,
        as_of,
        config,
        (kpi.expected_min, kpi.expected_max),
    )
    return KpiStatus(
        kpi=kpi,
        directorate_id=directorate_id,
        priority_id=priority_id,
        period=period,
        rated_on_ytd=definition.is_cumulative,
        annual_target=annual_target,
        evaluation=evaluation,
        year_to_date=year_to_date,
        observation=observation,
        submission=submission,
        completeness=completeness(period, None if submission is None else submission.state, as_of, config),
        key=key,
    )


_Evaluated = tuple[KpiEvaluation, PeriodRag, Observation | None, Decimal | None]
_MEMO: OrderedDict[Hashable, _Evaluated] = OrderedDict()
MEMO_SIZE = 4096


def _memo_key(
    kpi: Kpi,
    period: Period,
    fingerprint: tuple[Any, ...] | None,
    targets: Sequence[Target],
    config: EvaluationConfig,
    as_of: date,
) -> Hashable:
    """Everything an evaluation depends on, cheaply: the KPI's definition by its version, its
    counted values by their count, version sum and latest change (rows are never deleted and
    every change bumps a version and the time), its targets by their versions (a revision bumps
    its target's), the period, the day and the organisation's configuration."""
    return (
        kpi.id,
        kpi.version,
        period,
        as_of,
        config,
        fingerprint,
        tuple(sorted((target.id, target.version) for target in targets)),
    )


def _evaluated(
    key: Hashable,
    definition: KpiDefinition,
    rows: Sequence[Row[Any]],
    targets_of: Callable[[], dict[FinancialYear, KpiTarget]],
    period: Period,
    as_of: date,
    config: EvaluationConfig,
    expected_range: tuple[Decimal | None, Decimal | None],
) -> _Evaluated:
    """``evaluate_kpi``, the YTD rating and the year's annual target, kept under ``key`` (see
    ``_memo_key``); the targets are worked out only when the evaluation is not kept."""
    found = _MEMO.get(key)
    if found is not None:
        _MEMO.move_to_end(key)
        return found
    targets = targets_of()
    target = targets.get(period.financial_year)
    observations = _observations(rows)
    evaluation = evaluate_kpi(
        definition, observations, targets, period, as_of, config=config, expected_range=expected_range
    )
    counted = {o.period: o for o in observations if o.period.frequency is period.frequency}
    # The YTD figure against the profiled YTD target (a ratio KPI: sum of numerators over sum of
    # denominators), rated as the domain rates a cumulative KPI.
    year_to_date = rate_period(
        replace(definition, rag_on_ytd=True),
        counted,
        targets.get(period.financial_year),
        period,
        due=as_of > due_date(period, config),
    )
    result = (evaluation, year_to_date, counted.get(period), None if target is None else target.annual_target)
    _MEMO[key] = result
    if len(_MEMO) > MEMO_SIZE:
        _MEMO.popitem(last=False)
    return result
