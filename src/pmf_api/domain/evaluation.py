"""One call for a KPI's full status in a period: RAG, YTD, direction, forecast, SPC, escalation,
review classification and sense-check flags.

Services turn their rows into :class:`KpiDefinition`, :class:`Observation` and :class:`KpiTarget`
values and call :func:`evaluate_kpi`; nothing here reads a clock or a database.

A value counts as *Missing* once ``submission_due_days`` (default 15) calendar days have passed after
the period ends and its collection due date (``due_working_days`` working days after the period ends,
:func:`pmf_api.domain.calendar.collection_window`) has passed too (:func:`missing_from`); before then a
missing value has no RAG rather than being Missing. A value
sent but not yet validated (``awaiting_validation``) is not rated, and is not Missing either.
RAG is judged on the YTD figure
against the profiled YTD target for cumulative KPIs (:attr:`KpiDefinition.is_cumulative`) and on
the period's own value otherwise; direction of travel always compares the period's own values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache

from pmf_api.domain.calendar import DEFAULT_DUE_WORKING_DAYS, first_missing_day
from pmf_api.domain.direction import DirectionOfTravel, direction_of_travel
from pmf_api.domain.escalation import (
    Decision,
    EscalationConfig,
    ReviewClassification,
    classify_for_review,
    may_close_intervention,
    needs_intervention,
)
from pmf_api.domain.forecast import Forecast, ForecastConfig, forecast_from_positions
from pmf_api.domain.kpi import Aggregation, KpiDefinition, Observation
from pmf_api.domain.periods import DEFAULT_START_MONTH, FinancialYear, Period
from pmf_api.domain.rag import KpiTarget, Rag, RagThresholds, scaled_tolerance
from pmf_api.domain.spc import SpcConfig, SpcResult, moving_ranges, process_limits, xmr_chart
from pmf_api.domain.validation import Flag, ValidationConfig, submission_flags
from pmf_api.domain.ytd import YearToDate, period_target, year_to_date_of, ytd_target


@dataclass(frozen=True, slots=True)
class EvaluationConfig:
    """Every configurable choice of the evaluation, with a council's usual defaults."""

    escalation: EscalationConfig = field(default_factory=EscalationConfig)
    spc: SpcConfig = field(default_factory=SpcConfig)
    forecast: ForecastConfig = field(default_factory=ForecastConfig)
    validation: ValidationConfig = field(default_factory=ValidationConfig)
    # Calendar days after a period ends during which a value not in is not yet Missing
    submission_due_days: int = 15
    start_month: int = DEFAULT_START_MONTH
    # Working days after a period ends by which values are due (the collection window, seed 001 E.1)
    due_working_days: int = DEFAULT_DUE_WORKING_DAYS


@dataclass(frozen=True, slots=True)
class PeriodRag:
    """The RAG of one period with the figures it was judged on."""

    period: Period
    judged_value: Decimal | None
    target: Decimal | None
    intervention_level: Decimal | None
    rag: Rag | None


@dataclass(frozen=True, slots=True)
class KpiEvaluation:
    code: str
    period: Period
    value: Decimal | None
    year_to_date: YearToDate
    status: PeriodRag
    direction: DirectionOfTravel
    forecast: Forecast | None
    spc: SpcResult | None
    escalation: Decision
    closure: Decision | None
    review: ReviewClassification
    flags: tuple[Flag, ...]

    @property
    def rag(self) -> Rag | None:
        return self.status.rag


def _targets_by_year(
    targets: Mapping[FinancialYear, KpiTarget] | KpiTarget | None, period: Period
) -> Mapping[FinancialYear, KpiTarget]:
    if targets is None:
        return {}
    if isinstance(targets, KpiTarget):
        return {period.financial_year: targets}
    return targets


def rate_period(
    definition: KpiDefinition,
    observations: Mapping[Period, Observation],
    target: KpiTarget | None,
    period: Period,
    *,
    due: bool,
    awaiting_validation: bool = False,
) -> PeriodRag:
    """The RAG of one period (YTD for cumulative KPIs), with the target and intervention level used.

    A period whose value is ``awaiting_validation`` is not rated: its RAG is None, not Missing."""
    by_position = {
        p.position: observation for p, observation in observations.items() if p.frequency is period.frequency
    }
    return _rate_at(definition, by_position, period.position, period, target, due=due and not awaiting_validation)


def _year_so_far(by_position: Mapping[int, Observation], position: int, period: Period) -> list[Observation]:
    """The observations of ``period``'s year up to and including it, oldest first."""
    return [o for q in range(position - period.index + 1, position + 1) if (o := by_position.get(q)) is not None]


def _rate_at(
    definition: KpiDefinition,
    by_position: Mapping[int, Observation],
    position: int,
    period: Period,
    target: KpiTarget | None,
    *,
    due: bool,
) -> PeriodRag:
    """:func:`rate_period` on observations by position (see :attr:`Period.position`)."""
    observation = by_position.get(position)
    value = None if observation is None else observation.measured(definition.scale)
    cumulative = definition.is_cumulative
    year = _year_so_far(by_position, position, period) if cumulative else []
    if cumulative:
        judged = (
            year_to_date_of(year, period.index, definition.aggregation, definition.scale).value
            if value is not None
            else None
        )
    else:
        judged = value
    if target is None:
        return PeriodRag(period, judged, None, None, None)
    if cumulative:
        denominators = None
        if definition.aggregation is Aggregation.RATIO:
            denominators = [o.denominator for o in year if o.denominator is not None]
        goal = ytd_target(target, period, definition.aggregation, denominators)
    else:
        goal = period_target(target, period, definition.aggregation)
    tolerance = target.tolerance
    if goal is not None and target.annual_target is not None:
        tolerance = scaled_tolerance(
            tolerance,
            annual_target=target.annual_target,
            period_target=goal,
            polarity=definition.polarity,
            proportional=definition.aggregation is Aggregation.SUM,
        )
    thresholds = RagThresholds.build(
        polarity=definition.polarity,
        decimal_places=definition.decimal_places,
        target=goal,
        tolerance=tolerance,
        band_lower=target.band_lower,
        band_upper=target.band_upper,
    )
    rag = thresholds.rate(judged, due=due)
    return PeriodRag(period, judged, thresholds.target, thresholds.intervention_level, rag)


# A scorecard rates the same few periods for every KPI: their neighbours and end dates are worked
# out once, not once per KPI (an error is raised again on every call: lru_cache keeps only results).
_shifted = lru_cache(maxsize=1024)(Period.shift)
_end_date = lru_cache(maxsize=1024)(Period.end_date)


def missing_from(period: Period, config: EvaluationConfig = EvaluationConfig()) -> date:
    """The first day on which a value not yet in counts as Missing: ``submission_due_days`` calendar
    days after the period ends have passed, and so has the collection due date."""
    end = _end_date(period, config.start_month)
    return first_missing_day(end, config.submission_due_days, config.due_working_days)


def evaluate_kpi(
    definition: KpiDefinition,
    observations: Sequence[Observation],
    targets: Mapping[FinancialYear, KpiTarget] | KpiTarget | None,
    period: Period,
    as_of: date,
    *,
    config: EvaluationConfig = EvaluationConfig(),
    intervention_open: bool = False,
    expected_range: tuple[Decimal | None, Decimal | None] | None = None,
    rebase_at: Sequence[int] = (),
    awaiting_validation: bool = False,
) -> KpiEvaluation:
    """Run every rule for one KPI and period.

    ``observations`` are the KPI's counted values of this and earlier periods (any order; later
    periods are ignored); ``targets`` the target of each financial year (or the current year's
    alone). ``intervention_open`` (a KPI Intervention Form is open) adds whether it may close, and keeps
    the KPI among the review's exceptions.
    ``awaiting_validation``: the period's value was sent (submitted, queried or resubmitted) but
    is not validated yet, so it is not among ``observations``. It is then not rated (RAG None, not
    Missing) and the review says why; escalation passes over it as over a value not yet in.
    """
    # A scorecard evaluates hundreds of KPIs per request, so each figure below is worked out once and
    # shared, and observations are read by position (see Period.position) rather than by Period: the
    # previous period is one less, the same period last year one year's periods less.
    frequency = period.frequency
    count = frequency.periods_per_year
    now = period.position
    this_year = period.financial_year.start_year
    by_position = {p.position: o for o in observations if (p := o.period).frequency is frequency and p.position <= now}
    ordered = sorted(by_position)
    target_of = _targets_by_year(targets, period)
    target = target_of.get(period.financial_year)

    def is_due(p: Period) -> bool:
        return as_of >= missing_from(p, config)

    history_length = max(config.escalation.consecutive_red_periods, config.escalation.periods_in_tolerance_to_close)
    rag_history = []
    for back in range(history_length - 1, -1, -1):
        p = _shifted(period, -back)
        rag_history.append(
            (p, _rate_at(definition, by_position, now - back, p, target_of.get(p.financial_year), due=is_due(p)))
        )
    status = rag_history[-1][1]

    scale = definition.scale
    measured_values = {q: o.measured(scale) for q, o in by_position.items()}
    measured = measured_values.get
    observation = by_position.get(now)
    value = measured(now)
    ytd = year_to_date_of(_year_so_far(by_position, now, period), period.index, definition.aggregation, scale)

    band_lower = None if target is None else target.band_lower
    band_upper = None if target is None else target.band_upper
    direction = DirectionOfTravel(
        *(
            direction_of_travel(
                value,
                measured(other),
                polarity=definition.polarity,
                decimal_places=definition.decimal_places,
                band_lower=band_lower,
                band_upper=band_upper,
            )
            for other in (now - 1, now - count)
        )
    )

    forecast = forecast_from_positions(
        definition,
        by_position,
        sorted({year for q in by_position if (year := q // count) < this_year}),
        period,
        target=target,
        owner_forecast=None if observation is None else observation.owner_forecast,
        config=config.forecast,
    )

    series = [v for q in ordered if (v := measured_values[q]) is not None]
    # The chart, the process limits of the earlier values and the unusual-jump check all use these.
    ranges = moving_ranges(series)
    spc = None
    if len(series) >= 2:
        spc = xmr_chart(
            series,
            polarity=definition.polarity,
            target=status.target,
            band_lower=band_lower,
            band_upper=band_upper,
            rebase_at=rebase_at,
            config=config.spc,
            ranges=ranges,
        )
    variation = None if spc is None else spc.variation

    # Escalation passes over a period awaiting validation as over one not yet in (Missing does not
    # break a run of Red periods); what is reported is that it is not rated yet.
    period_rags = [(p, r.rag) for p, r in rag_history]
    if awaiting_validation and status.rag is Rag.MISSING:
        status = replace(status, rag=None)
    escalation = needs_intervention(
        period_rags,
        forecast_rag=None if forecast is None else forecast.rag,
        variation=variation,
        config=config.escalation,
    )
    closure = may_close_intervention(period_rags, config=config.escalation) if intervention_open else None
    review = classify_for_review(
        status.rag,
        direction.against_previous,
        variation,
        config=config.escalation,
        awaiting_validation=awaiting_validation and status.rag is None,
        intervention_open=intervention_open,
    )

    flags = _flags(
        definition,
        by_position,
        ordered,
        series,
        ranges,
        observation,
        value,
        status.rag,
        forecast,
        expected_range,
        config,
    )
    return KpiEvaluation(
        definition.code,
        period,
        value,
        ytd,
        status,
        direction,
        forecast,
        spc,
        escalation,
        closure,
        review,
        flags,
    )


def _flags(
    definition: KpiDefinition,
    by_position: Mapping[int, Observation],
    ordered: Sequence[int],
    series: Sequence[Decimal],
    ranges: Sequence[Decimal],
    observation: Observation | None,
    value: Decimal | None,
    rag: Rag | None,
    forecast: Forecast | None,
    expected_range: tuple[Decimal | None, Decimal | None] | None,
    config: EvaluationConfig,
) -> tuple[Flag, ...]:
    if observation is None:
        return ()
    earlier = [by_position[q] for q in ordered[:-1]]
    # The period is the last of the ordered ones, so the earlier values are the series without
    # its own value (when it has one), and their moving ranges the series' first ones.
    earlier_values = series[:-1] if value is not None else series
    earlier_ranges = ranges[: max(len(earlier_values) - 1, 0)]
    limits = None
    if len(earlier_values) >= config.spc.min_points:
        # Process limits are those the new value is checked against: the chart of the earlier values.
        limits = process_limits(earlier_values, config.spc, ranges=earlier_ranges)
    return tuple(
        submission_flags(
            definition,
            observation,
            history=earlier,
            previous_values=earlier_values,
            previous_ranges=earlier_ranges,
            rag=rag,
            expected_range=expected_range,
            process_limits=limits,
            forecast=forecast,
            config=config.validation,
        )
    )


def check_period(
    definition: KpiDefinition,
    observations: Sequence[Observation],
    targets: Mapping[FinancialYear, KpiTarget] | KpiTarget | None,
    period: Period,
    as_of: date,
    *,
    config: EvaluationConfig = EvaluationConfig(),
    expected_range: tuple[Decimal | None, Decimal | None] | None = None,
) -> tuple[Flag, ...]:
    """The sense-check flags of the period's observation, exactly as ``evaluate_kpi`` gives them,
    working out only what they need: the period's RAG, the earlier values' process limits, and
    the forecast only when the owner gave one (only then can it be out of line with the data).
    Saving many values at once (a bulk push) checks each this way."""
    frequency = period.frequency
    now = period.position
    by_position = {p.position: o for o in observations if (p := o.period).frequency is frequency and p.position <= now}
    observation = by_position.get(now)
    if observation is None:
        return ()
    target_of = _targets_by_year(targets, period)
    target = target_of.get(period.financial_year)
    due = as_of >= missing_from(period, config)
    rag = _rate_at(definition, by_position, now, period, target, due=due).rag
    ordered = sorted(by_position)
    scale = definition.scale
    series = [v for q in ordered if (v := by_position[q].measured(scale)) is not None]
    forecast = None
    if observation.owner_forecast is not None:
        count = frequency.periods_per_year
        forecast = forecast_from_positions(
            definition,
            by_position,
            sorted({year for q in by_position if (year := q // count) < period.financial_year.start_year}),
            period,
            target=target,
            owner_forecast=observation.owner_forecast,
            config=config.forecast,
        )
    value = observation.measured(scale)
    return _flags(
        definition,
        by_position,
        ordered,
        series,
        moving_ranges(series),
        observation,
        value,
        rag,
        forecast,
        expected_range,
        config,
    )
