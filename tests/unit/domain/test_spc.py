from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain import (
    Assurance,
    InvalidValue,
    Polarity,
    SpcConfig,
    SpecialCause,
    Variation,
    process_limits,
    xmr_chart,
)
from tests.unit.domain.builders import d

HIGHER, LOWER, BAND = Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER, Polarity.WITHIN_BAND
# Mean 11, every moving range 2: process limits 11 +/- 2.66 x 2, near limits 11 +/- 2/3 x 2.66 x 2.
ALTERNATING = [d(10), d(12)] * 6
FIXED = SpcConfig(baseline_points=12)


def test_limits_by_hand() -> None:
    limits = xmr_chart(ALTERNATING, polarity=HIGHER).limits
    assert limits is not None
    assert (limits.mean, limits.mean_moving_range) == (d(11), d(2))
    assert (limits.upper_process_limit, limits.lower_process_limit) == (d("16.32"), d("5.68"))
    assert limits.upper_near_limit == d(11) + d("2.66") * 2 / 3 * 2


def test_moving_range_screening() -> None:
    # Moving ranges 1,1,1,8,9,1,1,1,1,1,1: mean 26/11; 8 and 9 are above 3.267 x that, so are dropped.
    values = [d(v) for v in (1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1)]
    assert process_limits(values).mean_moving_range == d(1)
    assert process_limits(values).mean == d(26) / 12
    unscreened = process_limits(values, SpcConfig(screen_moving_range_outliers=False))
    assert unscreened.mean_moving_range == d(26) / 11


@pytest.mark.parametrize(
    ("tail", "polarity", "cause", "variation"),
    [
        ([d(20)], HIGHER, SpecialCause.OUTSIDE_LIMITS, Variation.IMPROVEMENT),
        ([d(20)], LOWER, SpecialCause.OUTSIDE_LIMITS, Variation.CONCERN),
        ([d(2)], HIGHER, SpecialCause.OUTSIDE_LIMITS, Variation.CONCERN),
        ([d(20)], BAND, SpecialCause.OUTSIDE_LIMITS, Variation.NEUTRAL),
        ([d("11.5")] * 7, HIGHER, SpecialCause.SHIFT, Variation.IMPROVEMENT),
        ([d("10.5")] * 7, HIGHER, SpecialCause.SHIFT, Variation.CONCERN),
        ([d(15), d("11.5"), d(15)], HIGHER, SpecialCause.TWO_OF_THREE, Variation.IMPROVEMENT),
        ([d(7), d("10.5"), d(7)], LOWER, SpecialCause.TWO_OF_THREE, Variation.IMPROVEMENT),
        (
            [d(v) for v in ("10.5", "11", "11.5", "12", "12.5", "13")],
            HIGHER,
            SpecialCause.TREND,
            Variation.IMPROVEMENT,
        ),
        (
            [d(v) for v in ("13", "12.5", "12", "11.5", "11", "10.5")],
            HIGHER,
            SpecialCause.TREND,
            Variation.CONCERN,
        ),
    ],
)
def test_special_cause_rules(
    tail: list[Decimal], polarity: Polarity, cause: SpecialCause, variation: Variation
) -> None:
    chart = xmr_chart(ALTERNATING + tail, polarity=polarity, config=FIXED)
    assert cause in chart.points[-1].special_causes
    assert chart.variation is variation
    assert all(not point.special_causes for point in chart.points[:11])


def test_rules_that_do_not_fire() -> None:
    ending_low = [d(12), d(10)] * 6
    six_above = xmr_chart(ending_low + [d("11.5")] * 6, polarity=HIGHER, config=FIXED)
    assert six_above.variation is Variation.COMMON_CAUSE
    five_rising = [d(v) for v in ("10.5", "11", "11.5", "12", "12.5")]
    assert xmr_chart(ALTERNATING + five_rising, polarity=HIGHER, config=FIXED).variation is Variation.COMMON_CAUSE
    # Two near points on opposite sides of the mean are not "two of three".
    assert xmr_chart([*ALTERNATING, d(15), d(7)], polarity=HIGHER, config=FIXED).variation is Variation.COMMON_CAUSE
    # A point on the mean breaks a run.
    broken = [d("11.5")] * 3 + [d(11)] + [d("11.5")] * 3
    assert xmr_chart(ending_low + broken, polarity=HIGHER, config=FIXED).variation is Variation.COMMON_CAUSE


def test_trend_length_is_configurable() -> None:
    rising = [d(v) for v in ("10.5", "11", "11.5", "12", "12.5", "13")]
    chart = xmr_chart(ALTERNATING + rising, polarity=HIGHER, config=SpcConfig(baseline_points=12, trend_length=7))
    assert SpecialCause.TREND not in chart.points[-1].special_causes


def test_peak_takes_direction_of_later_trend() -> None:
    # A wide two-point baseline (mean 20, limits 20 +/- 106.4) keeps every later point inside the limits.
    up_down = [d(v) for v in (0, 40, 1, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1)]
    chart = xmr_chart(up_down, polarity=HIGHER, config=SpcConfig(min_points=2, baseline_points=2))
    assert chart.points[7].special_causes[0] is SpecialCause.TREND
    assert chart.points[7].variation is Variation.CONCERN  # the peak belongs to the falling trend
    assert chart.points[2].variation is Variation.IMPROVEMENT


@pytest.mark.parametrize(
    ("polarity", "target", "band", "expected"),
    [
        (HIGHER, d(5), None, Assurance.CONSISTENTLY_PASS),
        (HIGHER, d(17), None, Assurance.CONSISTENTLY_FAIL),
        (HIGHER, d(11), None, Assurance.HIT_AND_MISS),
        (HIGHER, d("5.68"), None, Assurance.HIT_AND_MISS),  # on the limit: not consistent
        (LOWER, d(5), None, Assurance.CONSISTENTLY_FAIL),
        (LOWER, d(17), None, Assurance.CONSISTENTLY_PASS),
        (HIGHER, None, None, None),
        (BAND, None, (d(5), d(17)), Assurance.CONSISTENTLY_PASS),
        (BAND, None, (d(20), d(30)), Assurance.CONSISTENTLY_FAIL),
        (BAND, None, (d(1), d(3)), Assurance.CONSISTENTLY_FAIL),
        (BAND, None, (d(10), d(30)), Assurance.HIT_AND_MISS),
        (BAND, None, None, None),
    ],
)
def test_assurance(
    polarity: Polarity,
    target: Decimal | None,
    band: tuple[Decimal, Decimal] | None,
    expected: Assurance | None,
) -> None:
    lower, upper = band if band else (None, None)
    chart = xmr_chart(ALTERNATING, polarity=polarity, target=target, band_lower=lower, band_upper=upper)
    assert chart.assurance is expected


def test_short_series_withholds_icons() -> None:
    chart = xmr_chart(ALTERNATING[:10], polarity=HIGHER, target=d(5))
    assert not chart.sufficient_data
    assert (chart.variation, chart.assurance) == (None, None)
    assert chart.limits is not None and chart.limits.mean == d(11)
    assert "at least 12" in chart.notes[0]


def test_flat_series() -> None:
    flat = xmr_chart([d(5)] * 12, polarity=HIGHER, target=d(4))
    assert flat.limits is not None and flat.limits.is_flat
    assert flat.variation is Variation.COMMON_CAUSE
    assert flat.assurance is Assurance.CONSISTENTLY_PASS
    assert "flat" in flat.notes[0]
    later = xmr_chart([d(5)] * 12 + [d(6)], polarity=HIGHER, config=FIXED)
    assert later.points[-1].special_causes == ()


def test_rebase_gives_each_phase_its_own_limits() -> None:
    chart = xmr_chart(ALTERNATING + [d(v + 10) for v in (10, 12) * 6], polarity=HIGHER, rebase_at=[12])
    assert [phase.mean for phase in chart.phases] == [d(11), d(21)]
    assert chart.points[-1].phase == 1
    assert chart.variation is Variation.COMMON_CAUSE


@pytest.mark.parametrize(
    ("values", "rebase_at"),
    [([d(1)], []), ([d(1), d(2), d(3)], [3]), ([d(1), d(2), d(3)], [0]), ([d(1), d(2), d(3)], [2])],
)
def test_invalid_charts(values: list[Decimal], rebase_at: list[int]) -> None:
    with pytest.raises(InvalidValue):
        xmr_chart(values, polarity=HIGHER, rebase_at=rebase_at)


def test_invalid_config_and_limits() -> None:
    for kwargs in ({"run_length": 1}, {"trend_length": 1}, {"min_points": 1}, {"baseline_points": 1}):
        with pytest.raises(InvalidValue):
            SpcConfig(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidValue):
        process_limits([d(1)])


def test_a_point_on_the_two_sigma_line_is_not_beyond_it() -> None:
    """The mean of 0, 0, 100, 100, -233, -233 is -44.333..., and the two-sigma line lies exactly on 0
    (mean moving range 25). Rounded to Decimal's 28 digits the line came out at -1E-26, so the two
    zeros counted as beyond it: a special cause from rounding alone. Points are judged exactly."""
    chart = xmr_chart([d(v) for v in (0, 0, 100, 100, -233, -233)], polarity=HIGHER)
    assert [p.special_causes for p in chart.points][:2] == [(), ()]
    # Shifted, the same series gives the same signals (as it always did: its line is not rounded).
    moved = xmr_chart([d(v - 56) for v in (0, 0, 100, 100, -233, -233)], polarity=HIGHER)
    assert [p.special_causes for p in moved.points] == [p.special_causes for p in chart.points]


series = st.lists(st.integers(-500, 500), min_size=2, max_size=40)


@given(series, st.integers(-10_000, 10_000))
def test_limits_invariant_to_level_shift(values: list[int], shift: int) -> None:
    base = xmr_chart([Decimal(v) for v in values], polarity=HIGHER)
    moved = xmr_chart([Decimal(v + shift) for v in values], polarity=HIGHER)
    assert base.limits is not None and moved.limits is not None
    assert abs(moved.limits.mean - base.limits.mean - shift) < Decimal("1e-20")
    assert moved.limits.mean_moving_range == base.limits.mean_moving_range
    assert [p.special_causes for p in moved.points] == [p.special_causes for p in base.points]


@given(series, st.integers(1, 50))
def test_limits_scale_with_the_series(values: list[int], factor: int) -> None:
    base = xmr_chart([Decimal(v) for v in values], polarity=HIGHER)
    scaled = xmr_chart([Decimal(v * factor) for v in values], polarity=HIGHER)
    assert base.limits is not None and scaled.limits is not None
    assert abs(scaled.limits.upper_process_limit - base.limits.upper_process_limit * factor) < Decimal("1e-20")
    assert [p.special_causes for p in scaled.points] == [p.special_causes for p in base.points]
