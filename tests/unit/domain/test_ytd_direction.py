from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain import (
    Aggregation,
    Direction,
    FinancialYear,
    InvalidTarget,
    KpiTarget,
    Observation,
    Period,
    Polarity,
    aggregate,
    aggregate_ratio,
    direction_of_travel,
    period_target,
    year_to_date,
    ytd_target,
)
from tests.unit.domain.builders import d, months

P = Period.month


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [(Aggregation.SUM, d(60)), (Aggregation.AVERAGE, d(20)), (Aggregation.LATEST, d(30))],
)
def test_aggregate(aggregation: Aggregation, expected: Decimal) -> None:
    assert aggregate([d(10), d(20), d(30)], aggregation) == expected


def test_aggregate_edges() -> None:
    assert aggregate([], Aggregation.SUM) is None
    with pytest.raises(InvalidTarget):
        aggregate([d(1)], Aggregation.RATIO)
    assert aggregate_ratio([d(1)], [d(0)]) is None


def test_year_to_date_with_missing_month() -> None:
    observations = months(2025, [10, None, 30]) + months(2024, [99])
    ytd = year_to_date(observations, P("2025/26", 3), Aggregation.SUM)
    assert ytd.value == d(40)
    assert (ytd.periods_reported, ytd.periods_missing, ytd.complete) == (2, 1, False)


def test_ratio_ytd_is_ratio_of_sums() -> None:
    observations = [
        Observation(P("2025/26", 1), numerator=d(9), denominator=d(10)),  # 90%
        Observation(P("2025/26", 2), numerator=d(50), denominator=d(100)),  # 50%
        Observation(P("2025/26", 3)),
    ]
    ytd = year_to_date(observations, P("2025/26", 3), Aggregation.RATIO, d(100))
    assert ytd.value == d(59) / d(110) * 100  # not (90 + 50) / 2
    assert (ytd.numerator, ytd.denominator, ytd.periods_missing) == (d(59), d(110), 1)
    empty = year_to_date([], P("2025/26", 1), Aggregation.RATIO)
    assert (empty.value, empty.numerator) == (None, None)


@given(
    st.lists(
        st.tuples(st.integers(0, 1000), st.integers(1, 1000)).map(lambda p: (min(p), max(p))),
        min_size=1,
        max_size=12,
    )
)
def test_ytd_of_ratio_equals_ratio_of_sums(pairs: list[tuple[int, int]]) -> None:
    observations = [
        Observation(P("2025/26", i + 1), numerator=Decimal(n), denominator=Decimal(den))
        for i, (n, den) in enumerate(pairs)
    ]
    ytd = year_to_date(observations, P("2025/26", len(pairs)), Aggregation.RATIO)
    assert ytd.value == Decimal(sum(n for n, _ in pairs)) / Decimal(sum(den for _, den in pairs))


MONTHLY_PROFILE = tuple(d(v) for v in (10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40))
QUARTERLY_PROFILE = (d(30), d(60), d(90), d(120))


@pytest.mark.parametrize(
    ("profile", "aggregation", "period", "expected_period", "expected_ytd"),
    [
        (None, Aggregation.SUM, P("2025/26", 3), d(25), d(75)),
        (MONTHLY_PROFILE, Aggregation.SUM, P("2025/26", 5), d(20), d(70)),
        (QUARTERLY_PROFILE, Aggregation.SUM, P("2025/26", 5), d(20), d(70)),
        (QUARTERLY_PROFILE, Aggregation.SUM, Period.quarter("2025/26", 2), d(60), d(90)),
        (None, Aggregation.AVERAGE, P("2025/26", 5), d(300), d(300)),
        (MONTHLY_PROFILE, Aggregation.AVERAGE, P("2025/26", 4), d(20), d("12.5")),
        (QUARTERLY_PROFILE, Aggregation.AVERAGE, P("2025/26", 4), d(60), d(37.5)),
        (MONTHLY_PROFILE, Aggregation.LATEST, P("2025/26", 4), d(20), d(20)),
        (MONTHLY_PROFILE, Aggregation.RATIO, P("2025/26", 4), d(20), d("12.5")),
        (None, Aggregation.SUM, Period.year("2025/26"), d(300), d(300)),
    ],
)
def test_profiled_targets(
    profile: tuple[Decimal, ...] | None,
    aggregation: Aggregation,
    period: Period,
    expected_period: Decimal,
    expected_ytd: Decimal,
) -> None:
    target = KpiTarget(d(300), profile=profile)
    assert period_target(target, period, aggregation) == expected_period
    assert ytd_target(target, period, aggregation) == expected_ytd


def test_ratio_ytd_target_weighted_by_denominators() -> None:
    target = KpiTarget(d(90), profile=MONTHLY_PROFILE)
    assert ytd_target(target, P("2025/26", 2), Aggregation.RATIO, [d(1), d(3)]) == d(10)
    assert ytd_target(target, P("2025/26", 2), Aggregation.RATIO, [d(0), d(0)]) == d(10)


def test_targets_without_annual_figure_and_bad_profiles() -> None:
    assert period_target(KpiTarget(None), P("2025/26", 1), Aggregation.SUM) is None
    assert ytd_target(KpiTarget(None), P("2025/26", 1), Aggregation.SUM) is None
    bad = KpiTarget(d(12), profile=(d(1),) * 5)
    with pytest.raises(InvalidTarget):
        ytd_target(bad, P("2025/26", 2), Aggregation.SUM)
    with pytest.raises(InvalidTarget):
        ytd_target(bad, P("2025/26", 2), Aggregation.AVERAGE)


HIGHER, LOWER, BAND = Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER, Polarity.WITHIN_BAND


@pytest.mark.parametrize(
    ("current", "previous", "polarity", "expected"),
    [
        ("96", "95", HIGHER, Direction.IMPROVING),
        ("94", "95", HIGHER, Direction.WORSENING),
        ("96", "95", LOWER, Direction.WORSENING),
        ("94", "95", LOWER, Direction.IMPROVING),
        ("95.04", "94.96", HIGHER, Direction.UNCHANGED),  # both shown as 95.0
        (None, "95", HIGHER, Direction.NOT_COMPARABLE),
        ("95", None, LOWER, Direction.NOT_COMPARABLE),
        ("5", "6", BAND, Direction.IMPROVING),  # band 2-4: closer to it
        ("1", "1.5", BAND, Direction.WORSENING),
        ("3", "3.5", BAND, Direction.UNCHANGED),  # both inside
    ],
)
def test_direction(current: str | None, previous: str | None, polarity: Polarity, expected: Direction) -> None:
    result = direction_of_travel(
        None if current is None else d(current),
        None if previous is None else d(previous),
        polarity=polarity,
        decimal_places=1,
        band_lower=d(2),
        band_upper=d(4),
    )
    assert result is expected


def test_band_direction_needs_a_band() -> None:
    assert direction_of_travel(d(1), d(2), polarity=BAND, decimal_places=0) is Direction.NOT_COMPARABLE


@given(st.integers(-1000, 1000), st.integers(-1000, 1000))
def test_direction_mirrors_with_polarity(a: int, b: int) -> None:
    up = direction_of_travel(Decimal(a), Decimal(b), polarity=HIGHER, decimal_places=0)
    down = direction_of_travel(Decimal(-a), Decimal(-b), polarity=LOWER, decimal_places=0)
    assert up is down


def test_financial_year_boundary_for_ytd() -> None:
    observations = months(2024, [5] * 12) + months(2025, [1])
    assert year_to_date(observations, P("2025/26", 1), Aggregation.SUM).value == d(1)
    assert year_to_date(observations, P(FinancialYear(2024), 12), Aggregation.SUM).value == d(60)
