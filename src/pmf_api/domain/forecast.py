"""Forecast of the year-end outturn from the periods reported so far.

Owners give a year-end forecast each month (seed 001_ec6bae7b38cacc6f.txt, Appendix E.1: "forecast
how their performance will impact the year-end target"); this module forecasts from the data so the
performance team can see where the two disagree.

Three methods, each fit for the KPI's aggregation:

* ``run_rate``: the rest of the year continues at the average so far.
* ``seasonal_profile``: the year so far is scaled by the share of the year that the same periods
  made up in previous complete years (a period that was 40% of last year's total by P5 makes this
  year's P5 figure 40% of the outturn).
* ``trend``: a straight line fitted (least squares) through the most recent periods, last year's
  included, projected to the year end.

How each method reads the aggregation: ``sum`` forecasts the total; ``average`` forecasts the total
and divides by the periods in the year; ``latest`` forecasts the year-end period's own value (run
rate: the latest value carries on; seasonal: the latest value plus the usual change from this
period to the year end); ``ratio`` forecasts the numerator and the denominator as sums and divides.

The method is chosen automatically (``ForecastConfig.method=None``) by how much history there is:
the seasonal profile when at least ``min_seasonal_years`` (default 2) complete previous years have a
non-zero total; otherwise the trend when at least ``min_trend_points`` (default 12) consecutive
periods ending now are reported; otherwise the run rate. At the year end the outturn is the actual
figure (method ``actual``).

The 80% interval (``z = 1.2816``, normal errors): run rate and trend from the spread of the
periods about the fitted level or line, including the uncertainty of the level or line itself;
seasonal from the spread of the outturns implied by each previous year's profile. For ratios the
numerator's and denominator's relative half-widths are combined in quadrature, an approximation that
treats their errors as independent. Fewer than two usable points give no interval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from pmf_api.domain.errors import InvalidValue
from pmf_api.domain.kpi import Aggregation, KpiDefinition, Observation
from pmf_api.domain.periods import Frequency, Period
from pmf_api.domain.rag import KpiTarget, Rag, RagThresholds, quantum

Z_80 = Decimal("1.2816")
"""The standard normal quantile for a two-sided 80% interval."""

_ZERO = Decimal(0)
_ONE = Decimal(1)
_TWO = Decimal(2)


class ForecastMethod(StrEnum):
    ACTUAL = "actual"
    RUN_RATE = "run_rate"
    SEASONAL_PROFILE = "seasonal_profile"
    TREND = "trend"


@dataclass(frozen=True, slots=True)
class ForecastConfig:
    method: ForecastMethod | None = None
    min_seasonal_years: int = 2
    max_seasonal_years: int = 3
    min_trend_points: int = 12
    max_trend_points: int = 24

    def __post_init__(self) -> None:
        if self.min_seasonal_years < 1 or self.max_seasonal_years < self.min_seasonal_years:
            raise InvalidValue("Seasonal forecasts need at least one previous year.", field="min_seasonal_years")
        if self.min_trend_points < 3 or self.max_trend_points < self.min_trend_points:
            raise InvalidValue("A trend needs at least three points.", field="min_trend_points")


@dataclass(frozen=True, slots=True)
class Forecast:
    """The forecast year-end outturn, its 80% interval, its RAG and how it compares with the owner's."""

    method: ForecastMethod
    outturn: Decimal
    lower: Decimal | None
    upper: Decimal | None
    rag: Rag | None
    owner_forecast: Decimal | None
    owner_outside_interval: bool
    explanation: str


@dataclass(frozen=True, slots=True)
class _Estimate:
    outturn: Decimal
    half_width: Decimal | None


def _mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, _ZERO) / len(values)


def _sample_sd(values: Sequence[Decimal]) -> Decimal | None:
    if len(values) < 2:
        return None
    mean = _mean(values)
    return (sum([(v - mean) ** 2 for v in values], _ZERO) / (len(values) - 1)).sqrt()


class _Series:
    """One quantity's values by period: this year's so far and each previous year's."""

    def __init__(self, current: list[Decimal | None], previous_years: list[list[Decimal | None]]) -> None:
        self.current = current
        self.previous_years = previous_years
        self._complete_years: dict[int, list[list[Decimal]]] = {}

    def complete_years(self, limit: int) -> list[list[Decimal]]:
        # Both the choice of method and the seasonal estimate ask for these: work them out once.
        found = self._complete_years.get(limit)
        if found is None:
            years = [[v for v in year if v is not None] for year in self.previous_years]
            full = [year for year, raw in zip(years, self.previous_years, strict=True) if len(year) == len(raw)]
            found = self._complete_years[limit] = [year for year in full if sum(year, _ZERO) != _ZERO][-limit:]
        return found

    def recent_run(self, limit: int) -> list[Decimal]:
        """The longest run of consecutive reported values ending with the latest, at most ``limit`` long."""
        timeline = [v for year in self.previous_years for v in year] + self.current
        run: list[Decimal] = []
        for value in reversed(timeline):
            if value is None or len(run) == limit:
                break
            run.append(value)
        run.reverse()
        return run


def _sum_estimate(series: _Series, periods: int, method: ForecastMethod, config: ForecastConfig) -> _Estimate:
    """Forecast the year's total of a summed quantity."""
    observed = [(i, v) for i, v in enumerate(series.current) if v is not None]
    so_far = sum([v for _, v in observed], _ZERO)
    remaining = periods - len(observed)
    if method is ForecastMethod.SEASONAL_PROFILE:
        positions = [i for i, _ in observed]
        implied = [
            so_far * sum(year, _ZERO) / share
            for year in series.complete_years(config.max_seasonal_years)
            if (share := sum([year[i] for i in positions], _ZERO)) != _ZERO
        ]
        if not implied:
            # This year's periods were all zero in every previous year: no profile to scale by.
            return _sum_estimate(series, periods, ForecastMethod.RUN_RATE, config)
        outturn = _mean(implied)
        spread = _sample_sd(implied)
        half = None if spread is None else Z_80 * spread * (_ONE + _ONE / len(implied)).sqrt()
        return _Estimate(outturn, half)
    if method is ForecastMethod.TREND:
        points = series.recent_run(config.max_trend_points)
        future = range(len(points), len(points) + remaining)
        fit = _LineFit(points)
        outturn = so_far + sum((fit.predict(t) for t in future), _ZERO)
        return _Estimate(outturn, fit.half_width_of_sum(future))
    values = [v for _, v in observed]
    mean = _mean(values)
    spread = _sample_sd(values)
    half = None if spread is None else Z_80 * spread * (remaining + Decimal(remaining * remaining) / len(values)).sqrt()
    return _Estimate(so_far + mean * remaining, half)


def _latest_estimate(series: _Series, periods: int, method: ForecastMethod, config: ForecastConfig) -> _Estimate:
    """Forecast the value of the year's last period of a snapshot KPI."""
    observed = [(i, v) for i, v in enumerate(series.current) if v is not None]
    position, latest = observed[-1]
    if method is ForecastMethod.SEASONAL_PROFILE:
        changes = [year[-1] - year[position] for year in series.complete_years(config.max_seasonal_years)]
        spread = _sample_sd(changes)
        half = None if spread is None else Z_80 * spread * (_ONE + _ONE / len(changes)).sqrt()
        return _Estimate(latest + _mean(changes), half)
    if method is ForecastMethod.TREND:
        points = series.recent_run(config.max_trend_points)
        fit = _LineFit(points)
        year_end = range(len(points) - 1 + periods - 1 - position, len(points) + periods - 1 - position)
        return _Estimate(fit.predict(year_end[0]), fit.half_width_of_sum(year_end))
    values = [v for _, v in observed]
    spread = _sample_sd(values)
    half = None if spread is None else Z_80 * spread * (_ONE + _ONE / len(values)).sqrt()
    return _Estimate(latest, half)


class _LineFit:
    """Least-squares line through three or more points at times 0, 1, 2, ..."""

    def __init__(self, points: Sequence[Decimal]) -> None:
        count = len(points)
        self.count = count
        self.mean_time = Decimal(count - 1) / _TWO
        self.spread_of_times = sum(((Decimal(t) - self.mean_time) ** 2 for t in range(count)), _ZERO)
        mean_value = _mean(points)
        self.slope = (
            sum(((Decimal(t) - self.mean_time) * (v - mean_value) for t, v in enumerate(points)), _ZERO)
            / self.spread_of_times
        )
        self.intercept = mean_value - self.slope * self.mean_time
        residuals = sum(((v - self.predict(t)) ** 2 for t, v in enumerate(points)), _ZERO)
        # Callers fit at least three points, so the residual spread has at least one degree of freedom.
        self.residual_sd = (residuals / (count - 2)).sqrt()

    def predict(self, time: int) -> Decimal:
        return self.intercept + self.slope * time

    def half_width_of_sum(self, times: range) -> Decimal:
        """80% half-width of the sum of new observations at ``times``."""
        span = len(times)
        offsets = sum((Decimal(t) - self.mean_time for t in times), _ZERO)
        variance = span + Decimal(span * span) / self.count + offsets * offsets / self.spread_of_times
        return Z_80 * self.residual_sd * variance.sqrt()


def choose_method(
    definition: KpiDefinition,
    current: Sequence[Observation],
    history: Sequence[Observation],
    period: Period,
    config: ForecastConfig = ForecastConfig(),
) -> ForecastMethod:
    """The method the automatic rule picks for this much history (see the module docstring)."""
    if period.index == period.frequency.periods_per_year:
        return ForecastMethod.ACTUAL
    return _choose_method(_build_series(definition, *_by_position(current, history, period), period), config)


def _choose_method(series: Sequence[_Series], config: ForecastConfig) -> ForecastMethod:
    seasonal_years = min(len(s.complete_years(config.max_seasonal_years)) for s in series)
    run = len(series[0].recent_run(config.max_trend_points))
    if config.method is ForecastMethod.SEASONAL_PROFILE and seasonal_years >= 1:
        return config.method
    if config.method is ForecastMethod.TREND and run >= 3:
        return config.method
    if config.method is not None:
        # A requested method the history cannot support falls back to the run rate.
        return ForecastMethod.RUN_RATE
    if seasonal_years >= config.min_seasonal_years:
        return ForecastMethod.SEASONAL_PROFILE
    if run >= config.min_trend_points:
        return ForecastMethod.TREND
    return ForecastMethod.RUN_RATE


def _by_position(
    current: Sequence[Observation], history: Sequence[Observation], period: Period
) -> tuple[dict[int, Observation], list[int]]:
    """The observations of the period's frequency by :attr:`Period.position`, and the years of ``history``."""
    frequency = period.frequency
    by_position = {obs.period.position: obs for obs in (*history, *current) if obs.period.frequency is frequency}
    return by_position, sorted({o.period.financial_year.start_year for o in history})


def _build_series(
    definition: KpiDefinition, by_position: Mapping[int, Observation], previous_years: Sequence[int], period: Period
) -> list[_Series]:
    """Arrange observations by year and position: one series, or numerator and denominator for ratios."""
    count = period.frequency.periods_per_year
    previous = [[by_position.get(year * count + i) for i in range(count)] for year in previous_years]
    first = period.financial_year.start_year * count
    current = [by_position.get(first + i) for i in range(period.index)]
    fields = ("numerator", "denominator") if definition.aggregation is Aggregation.RATIO else ("value",)
    return [
        _Series(
            [None if obs is None else getattr(obs, name) for obs in current],
            [[None if obs is None else getattr(obs, name) for obs in year] for year in previous],
        )
        for name in fields
    ]


def forecast_outturn(
    definition: KpiDefinition,
    observations: Sequence[Observation],
    period: Period,
    *,
    target: KpiTarget | None = None,
    owner_forecast: Decimal | None = None,
    config: ForecastConfig = ForecastConfig(),
) -> Forecast | None:
    """Forecast the year-end outturn at ``period`` from ``observations`` (this year's and earlier).

    Returns ``None`` when nothing has been reported this year (or the KPI is annual). The RAG is the
    outturn's against the annual target; ``owner_outside_interval`` is True when the owner's
    forecast (rounded to the KPI's precision) lies outside the 80% interval.
    """
    this_year = period.financial_year.start_year
    current = [o for o in observations if o.period.financial_year.start_year == this_year and o.period <= period]
    history = [o for o in observations if o.period.financial_year.start_year < this_year]
    by_position, previous_years = _by_position(current, history, period)
    return forecast_from_positions(
        definition,
        by_position,
        previous_years,
        period,
        target=target,
        owner_forecast=owner_forecast,
        config=config,
    )


def forecast_from_positions(
    definition: KpiDefinition,
    by_position: Mapping[int, Observation],
    previous_years: Sequence[int],
    period: Period,
    *,
    target: KpiTarget | None,
    owner_forecast: Decimal | None,
    config: ForecastConfig,
) -> Forecast | None:
    """:func:`forecast_outturn` for a caller that has the observations of the period's frequency by
    :attr:`Period.position` (none after ``period``) and the start years of the earlier years that
    have any, in order, as :func:`~pmf_api.domain.evaluation.evaluate_kpi` has."""
    if period.frequency is Frequency.ANNUAL or definition.frequency is Frequency.ANNUAL:
        return None
    series = _build_series(definition, by_position, previous_years, period)
    if all(v is None for v in series[-1].current) or all(v is None for v in series[0].current):
        return None
    count = period.frequency.periods_per_year
    method = ForecastMethod.ACTUAL if period.index == count else _choose_method(series, config)
    estimate_method = ForecastMethod.RUN_RATE if method is ForecastMethod.ACTUAL else method
    aggregation = definition.aggregation
    if aggregation is Aggregation.LATEST:
        estimate = _latest_estimate(series[0], count, estimate_method, config)
    elif aggregation is Aggregation.RATIO:
        numerator = _sum_estimate(series[0], count, estimate_method, config)
        denominator = _sum_estimate(series[1], count, estimate_method, config)
        if denominator.outturn == _ZERO:
            # Nothing to divide by yet (no planning applications so far, say): no forecast, rather
            # than an error that would stop the KPI's whole status from being worked out.
            return None
        estimate = _ratio_estimate(numerator, denominator, definition.scale)
    else:
        estimate = _sum_estimate(series[0], count, estimate_method, config)
        if aggregation is Aggregation.AVERAGE:
            estimate = _Estimate(
                estimate.outturn / count, None if estimate.half_width is None else estimate.half_width / count
            )
    if method is ForecastMethod.ACTUAL:
        estimate = _Estimate(estimate.outturn, _ZERO)
    step = quantum(definition.decimal_places)
    outturn = estimate.outturn.quantize(step, ROUND_HALF_UP)
    lower = upper = None
    if estimate.half_width is not None:
        lower = (estimate.outturn - estimate.half_width).quantize(step, ROUND_HALF_UP)
        upper = (estimate.outturn + estimate.half_width).quantize(step, ROUND_HALF_UP)
    rag = None
    if target is not None:
        rag = RagThresholds.build(
            polarity=definition.polarity,
            decimal_places=definition.decimal_places,
            target=target.annual_target,
            tolerance=target.tolerance,
            band_lower=target.band_lower,
            band_upper=target.band_upper,
        ).rate(outturn)
    outside = False
    if owner_forecast is not None and lower is not None and upper is not None:
        shown = owner_forecast.quantize(step, ROUND_HALF_UP)
        outside = not lower <= shown <= upper
    return Forecast(method, outturn, lower, upper, rag, owner_forecast, outside, _EXPLANATIONS[method])


_EXPLANATIONS = {
    ForecastMethod.ACTUAL: "The year is complete: the outturn is the actual figure.",
    ForecastMethod.RUN_RATE: "The rest of the year is assumed to continue at the average so far.",
    ForecastMethod.SEASONAL_PROFILE: "The year so far is scaled by the seasonal pattern of previous years.",
    ForecastMethod.TREND: "A straight-line trend through recent periods is projected to the year end.",
}


def _ratio_estimate(numerator: _Estimate, denominator: _Estimate, scale: Decimal) -> _Estimate:
    outturn = numerator.outturn / denominator.outturn * scale
    if numerator.half_width is None or denominator.half_width is None or numerator.outturn == _ZERO:
        return _Estimate(outturn, None)
    relative = (
        (numerator.half_width / numerator.outturn) ** 2 + (denominator.half_width / denominator.outturn) ** 2
    ).sqrt()
    return _Estimate(outturn, abs(outturn) * relative)
