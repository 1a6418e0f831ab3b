"""Loading what the rules need for a set of KPIs, and evaluating each (``domain.evaluate_kpi``).

Loading is a fixed handful of queries whatever the number of KPIs: each KPI's evaluation key
(``inputs.evaluation_keys``), then, for the KPIs whose evaluation is not kept for exactly those
inputs, their targets and revisions and their counted values; and the period's submissions of all.
Only validated and published values count (``mapping.COUNTED_STATES``); the period's own
submission is reported whatever its state, with the flags of its latest save.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.domain import (
    DomainError,
    EvaluationConfig,
    FinancialYear,
    Frequency,
    KpiEvaluation,
    Observation,
    Period,
    PeriodRag,
    evaluate_kpi,
    rate_period,
)
from pmf_api.domain.reporting import Completeness, completeness, missing_from
from pmf_api.performance import mapping
from pmf_api.performance.benchmarks.service import Headline
from pmf_api.performance.interventions.repository import InterventionRepository, OpenIntervention
from pmf_api.performance.status.inputs import evaluation_keys
from pmf_api.performance.submissions.repository import PeriodSubmission, SubmissionRepository, observations
from pmf_api.performance.targets.repository import KpiTargets, TargetRepository
from pmf_api.platform.cache import Kept

if TYPE_CHECKING:
    from pmf_api.performance.kpis.models import Kpi

# Years of values loaded before the period's own: the domain needs last year's same period and
# previous years for seasonal forecasts and the SPC chart (three years in all).
HISTORY_YEARS = 2

logger = logging.getLogger("pmf_api.performance.status")


@dataclass(frozen=True)
class Placed:
    """A KPI with where it sits in the structure and the plan."""

    kpi: Kpi
    directorate_id: uuid.UUID | None
    priority_id: uuid.UUID | None


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
    # Identifies every input of the evaluation (the open intervention's row among them): equal keys, equal evaluations
    key: Hashable
    # The KPI's open KPI Intervention Form, if any (seed 001, Appendix F)
    intervention: OpenIntervention | None = None
    # Its headline position among its comparators (seed 003), if it is mapped and benchmarked
    benchmark: Headline | None = None

    @property
    def cache_key(self) -> Hashable:
        """Identifies every input of this status: equal keys, equal statuses (responses reuse their output)."""
        submission = self.submission
        return (
            self.key,
            self.directorate_id,
            self.priority_id,
            self.completeness,
            None
            if submission is None
            else (submission.id, submission.state, submission.revision, repr(submission.flags)),
            self.intervention,
            self.benchmark,
        )


@dataclass(frozen=True)
class NotEvaluated:
    """A KPI whose stored data the rules cannot judge, and why (the domain's message)."""

    kpi_id: uuid.UUID
    code: str
    title: str
    reason: str


# What evaluating one KPI gives: kept under its evaluation key (``inputs``), the period and the day.
Evaluated = tuple[KpiEvaluation, PeriodRag, Observation | None, Decimal | None]
EVALUATIONS: Kept[Evaluated] = Kept(4096)


async def evaluate(
    session: AsyncSession,
    version: tuple[Any, ...],
    config: EvaluationConfig,
    placed: Sequence[Placed],
    kpi_ids: Sequence[uuid.UUID] | Any,
    choose: Callable[[Frequency], Period],
    as_of: date,
) -> tuple[list[KpiStatus], list[NotEvaluated]]:
    """The status of each of ``placed`` (``kpi_ids`` names the same KPIs: a list, or a subquery)."""
    start_month = config.start_month
    periods = {each.kpi.id: choose(Frequency(each.kpi.frequency)) for each in placed}
    inputs = await evaluation_keys(session, version, kpi_ids)
    keys = {kpi_id: (inputs.get(kpi_id), period, as_of, config) for kpi_id, period in periods.items()}
    stale = [kpi_id for kpi_id, key in keys.items() if key not in EVALUATIONS]
    targets: dict[uuid.UUID, KpiTargets] = {}
    values: dict[uuid.UUID, list[Sequence[Any]]] = {}
    if stale:
        which = kpi_ids if len(stale) == len(keys) else stale
        first_year = FinancialYear(min(p.financial_year.start_year for p in periods.values()) - HISTORY_YEARS)
        last_year = max(p.financial_year.start_year for p in periods.values())
        years = [str(FinancialYear(year)) for year in range(first_year.start_year, last_year + 1)]
        # Revisions matter only in the reported year (``mapping.targets_for``); other years use the latest.
        reported_years = {str(p.financial_year) for p in periods.values()}
        targets = await TargetRepository(session).of_kpis(which, years, reported_years)
        last_end = max(p.end_date(start_month) for p in periods.values())
        values = await SubmissionRepository(session).counted_values(which, first_year.start_date(start_month), last_end)
    submissions = await SubmissionRepository(session).states_of_periods(kpi_ids, {str(p) for p in periods.values()})
    interventions = await InterventionRepository(session).open_of_kpis(kpi_ids)

    evaluated: list[KpiStatus] = []
    not_evaluated: list[NotEvaluated] = []
    for each in placed:
        kpi, period = each.kpi, periods[each.kpi.id]
        submission = submissions.get((kpi.id, str(period)))
        done = completeness(period, None if submission is None else submission.state, as_of, config)
        try:
            # The key covers the KPI's submissions, so whether the period's value awaits validation too.
            result = EVALUATIONS.get(keys[kpi.id]) or EVALUATIONS.put(
                keys[kpi.id],
                _evaluated(
                    kpi,
                    values.get(kpi.id, []),
                    targets.get(kpi.id, KpiTargets()),
                    period,
                    as_of,
                    config,
                    awaiting_validation=done.awaiting_validation,
                    intervention_open=kpi.id in interventions,
                ),
            )
        except DomainError as exc:
            # Stored data the service would refuse (a raw-SQL fix, an old import) that the rules
            # cannot judge: that KPI is set aside, named with the reason, and the others are shown.
            logger.warning("KPI %s (%s) not evaluated: %s", kpi.code, kpi.id, exc.message)
            not_evaluated.append(NotEvaluated(kpi.id, kpi.code, kpi.title, exc.message))
            continue
        evaluation, year_to_date, observation, annual_target = result
        evaluated.append(
            KpiStatus(
                kpi=kpi,
                directorate_id=each.directorate_id,
                priority_id=each.priority_id,
                period=period,
                rated_on_ytd=mapping.definition_of(kpi).is_cumulative,
                annual_target=annual_target,
                evaluation=evaluation,
                year_to_date=year_to_date,
                observation=observation,
                submission=submission,
                completeness=done,
                key=keys[kpi.id],
                intervention=interventions.get(kpi.id),
            )
        )
    return evaluated, not_evaluated


def _evaluated(
    kpi: Kpi,
    rows: Sequence[Sequence[Any]],
    kpi_targets: KpiTargets,
    period: Period,
    as_of: date,
    config: EvaluationConfig,
    *,
    awaiting_validation: bool,
    intervention_open: bool = False,
) -> Evaluated:
    """``evaluate_kpi``, the YTD rating and the year's annual target."""
    definition = mapping.definition_of(kpi)
    targets = kpi_targets.in_force(period)
    target = targets.get(period.financial_year)
    counted_values = observations(rows)
    evaluation = evaluate_kpi(
        definition,
        counted_values,
        targets,
        period,
        as_of,
        config=config,
        expected_range=(kpi.expected_min, kpi.expected_max),
        awaiting_validation=awaiting_validation,
        intervention_open=intervention_open,
    )
    counted = {o.period: o for o in counted_values if o.period.frequency is period.frequency}
    # The YTD figure against the profiled YTD target (a ratio KPI: sum of numerators over sum of
    # denominators), rated as the domain rates a cumulative KPI.
    year_to_date = rate_period(
        replace(definition, rag_on_ytd=True),
        counted,
        target,
        period,
        due=as_of >= missing_from(period, config),
        awaiting_validation=awaiting_validation,
    )
    return evaluation, year_to_date, counted.get(period), None if target is None else target.annual_target
