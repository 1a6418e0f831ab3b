from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmf_api.domain import (
    Aggregation,
    FinancialYear,
    ForecastConfig,
    ForecastMethod,
    Frequency,
    InvalidValue,
    KpiDefinition,
    KpiTarget,
    Observation,
    Period,
    Polarity,
    Rag,
    Tolerance,
    ToleranceKind,
    Unit,
    forecast_outturn,
)
from tests.unit.domain.builders import d, months

P3 = Period.month("2025/26", 3)


def kpi(aggregation: Aggregation = Aggregation.SUM, **kwargs: object) -> KpiDefinition:
    return KpiDefinition("K1", Polarity.HIGHER_IS_BETTER, aggregation=aggregation, **kwargs)  # type: ignore[arg-type]


def test_run_rate_by_hand() -> None:
    # 60 in three months -> 240; s = 10, 9 months to go: 80% half-width 1.2816 x 10 x sqrt(9 + 81/3).
    forecast = forecast_outturn(kpi(), months(2025, [10, 20, 30]), P3, owner_forecast=d(400))
    assert forecast is not None
    assert (forecast.method, forecast.outturn) == (ForecastMethod.RUN_RATE, d(240))
    assert (forecast.lower, forecast.upper) == (d(163), d(317))
    assert forecast.owner_outside_interval
    assert forecast.rag is None


def test_seasonal_profile_by_hand() -> None:
    # Each past year: 10 a month for six months then 30 (total 240); P1-P3 were 30/240 = 12.5% of it.
    past = [10] * 6 + [30] * 6
    observations = months(2023, past) + months(2024, past) + months(2025, [20, 20, 20])
    forecast = forecast_outturn(kpi(), observations, P3)
    assert forecast is not None
    assert (forecast.method, forecast.outturn, forecast.lower, forecast.upper) == (
        ForecastMethod.SEASONAL_PROFILE,
        d(480),
        d(480),
        d(480),
    )


def test_trend_by_hand() -> None:
    # 1, 2, ..., 15: the line carries on to 16..24 for P4..P12; 13 + 14 + 15 + 180 = 222.
    observations = months(2024, list(range(1, 13))) + months(2025, [13, 14, 15])
    forecast = forecast_outturn(kpi(), observations, P3)
    assert forecast is not None
    assert (forecast.method, forecast.outturn, forecast.lower, forecast.upper) == (
        ForecastMethod.TREND,
        d(222),
        d(222),
        d(222),
    )


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        (ForecastMethod.RUN_RATE, d(15)),
        (ForecastMethod.TREND, d(24)),
        (ForecastMethod.SEASONAL_PROFILE, d(24)),
    ],
)
def test_latest_aggregation(method: ForecastMethod, expected: Decimal) -> None:
    observations = months(2024, list(range(1, 13))) + months(2025, [13, 14, 15])
    forecast = forecast_outturn(kpi(Aggregation.LATEST), observations, P3, config=ForecastConfig(method=method))
    assert forecast is not None and forecast.outturn == expected


def test_average_aggregation_and_rag() -> None:
    target = KpiTarget(d(100), Tolerance(ToleranceKind.INTERVENTION_LEVEL, d(90)))
    forecast = forecast_outturn(kpi(Aggregation.AVERAGE), months(2025, [80, 82, 84]), P3, target=target)
    assert forecast is not None
    assert forecast.outturn == d(82)
    assert forecast.rag is Rag.RED


def test_ratio_is_forecast_as_numerator_over_denominator() -> None:
    definition = kpi(Aggregation.RATIO, unit=Unit.PERCENTAGE, decimal_places=1)
    observations = [
        Observation(Period.month("2025/26", i), numerator=d(n), denominator=d(100))
        for i, n in ((1, 90), (2, 80), (3, 70))
    ]
    forecast = forecast_outturn(definition, observations, P3)
    assert forecast is not None
    assert forecast.outturn == d("80.0")
    assert forecast.lower is not None and forecast.lower < forecast.outturn


def test_ratio_seasonal_and_zero_denominator() -> None:
    definition = kpi(Aggregation.RATIO, unit=Unit.PERCENTAGE)
    history = [
        Observation(Period.month(FinancialYear(y), i), numerator=d(9), denominator=d(10))
        for y in (2023, 2024)
        for i in range(1, 13)
    ]
    current = [Observation(Period.month("2025/26", i), numerator=d(8), denominator=d(10)) for i in (1, 2, 3)]
    forecast = forecast_outturn(definition, history + current, P3)
    assert forecast is not None
    assert (forecast.method, forecast.outturn) == (ForecastMethod.SEASONAL_PROFILE, d(80))
    # Nothing to divide by so far: no forecast (not an error that would stop the KPI's status).
    zero = [Observation(Period.month("2025/26", 1), numerator=d(0), denominator=d(0))]
    assert forecast_outturn(definition, zero, Period.month("2025/26", 1)) is None


def test_ratio_without_interval() -> None:
    definition = kpi(Aggregation.RATIO, decimal_places=1)
    observations = [Observation(Period.month("2025/26", 1), numerator=d(5), denominator=d(10))]
    forecast = forecast_outturn(definition, observations, Period.month("2025/26", 1))
    assert forecast is not None and forecast.outturn == d("0.5") and forecast.lower is None


def test_year_end_is_actual() -> None:
    forecast = forecast_outturn(kpi(), months(2025, [10] * 12), Period.month("2025/26", 12), owner_forecast=d(121))
    assert forecast is not None
    assert (forecast.method, forecast.outturn, forecast.lower, forecast.upper) == (
        ForecastMethod.ACTUAL,
        d(120),
        d(120),
        d(120),
    )
    assert forecast.owner_outside_interval


def test_no_forecast_without_data_or_for_annual_kpis() -> None:
    assert forecast_outturn(kpi(), months(2025, [None, None]), Period.month("2025/26", 2)) is None
    annual = KpiDefinition("A", Polarity.HIGHER_IS_BETTER, frequency=Frequency.ANNUAL)
    assert forecast_outturn(annual, [], Period.year("2025/26")) is None


def test_forced_method_falls_back_when_history_is_short() -> None:
    config = ForecastConfig(method=ForecastMethod.SEASONAL_PROFILE)
    forecast = forecast_outturn(kpi(), months(2025, [10, 20]), Period.month("2025/26", 2), config=config)
    assert forecast is not None and forecast.method is ForecastMethod.RUN_RATE
    trend = forecast_outturn(kpi(), months(2025, [10, 20, 30]), P3, config=ForecastConfig(method=ForecastMethod.TREND))
    assert trend is not None and trend.method is ForecastMethod.TREND
    assert trend.lower == trend.upper == d(60) + sum((d(40) + 10 * i for i in range(9)), d(0))


def test_seasonal_with_zero_share_uses_run_rate() -> None:
    past = [0, 0, 0] + [10] * 9
    observations = months(2023, past) + months(2024, past) + months(2025, [5, 5, 5])
    forecast = forecast_outturn(kpi(), observations, P3)
    assert forecast is not None and forecast.outturn == d(60)


def test_single_point_has_no_interval() -> None:
    forecast = forecast_outturn(kpi(), months(2025, [10]), Period.month("2025/26", 1), owner_forecast=d(1))
    assert forecast is not None and forecast.lower is None and not forecast.owner_outside_interval
    latest = forecast_outturn(kpi(Aggregation.LATEST), months(2025, [10]), Period.month("2025/26", 1))
    assert latest is not None and latest.lower is None
    seasonal = forecast_outturn(
        kpi(Aggregation.LATEST),
        months(2024, list(range(12))) + months(2025, [10]),
        Period.month("2025/26", 1),
        config=ForecastConfig(method=ForecastMethod.SEASONAL_PROFILE, min_seasonal_years=1),
    )
    assert seasonal is not None and seasonal.outturn == d(21) and seasonal.lower is None


def test_two_point_trend_has_no_interval() -> None:
    observations = months(2025, [10, 20, 30])
    forecast = forecast_outturn(
        kpi(Aggregation.LATEST), observations[:3], P3, config=ForecastConfig(method=ForecastMethod.TREND)
    )
    assert forecast is not None and forecast.outturn == d(120)


@pytest.mark.parametrize(
    "kwargs",
    [{"min_seasonal_years": 0}, {"max_seasonal_years": 1, "min_seasonal_years": 2}, {"min_trend_points": 2}],
)
def test_invalid_config(kwargs: dict[str, int]) -> None:
    with pytest.raises(InvalidValue):
        ForecastConfig(**kwargs)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 1000),
    st.integers(1, 11),
    st.integers(0, 3),
    st.sampled_from([Aggregation.SUM, Aggregation.AVERAGE, Aggregation.LATEST]),
)
def test_constant_series_forecasts_that_constant(value: int, month: int, years: int, aggregation: Aggregation) -> None:
    observations = [o for y in range(2025 - years, 2025) for o in months(y, [value] * 12)]
    observations += months(2025, [value] * month)
    forecast = forecast_outturn(kpi(aggregation), observations, Period.month("2025/26", month))
    assert forecast is not None
    expected = Decimal(value * 12 if aggregation is Aggregation.SUM else value)
    assert forecast.outturn == expected
    assert forecast.lower in (None, expected)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 100), st.integers(1, 100), st.integers(1, 11))
def test_constant_ratio_forecasts_that_ratio(numerator: int, extra: int, month: int) -> None:
    definition = kpi(Aggregation.RATIO, decimal_places=4)
    observations = [
        Observation(Period.month("2025/26", i), numerator=Decimal(numerator), denominator=Decimal(numerator + extra))
        for i in range(1, month + 1)
    ]
    forecast = forecast_outturn(definition, observations, Period.month("2025/26", month))
    assert forecast is not None
    ratio = Decimal(numerator) / Decimal(numerator + extra)
    assert forecast.outturn == ratio.quantize(Decimal("0.0001"), ROUND_HALF_UP)
