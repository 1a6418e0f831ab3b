"""Statistical process control: XmR charts in the NHS England "Making Data Count" style.

For a series of values the chart's centre line is their mean; the moving ranges are the absolute
differences between consecutive values; the process limits are the mean +/- 2.66 x the mean moving
range, and the "near" (two sigma) lines the mean +/- 2/3 x 2.66 x the mean moving range.
A point is a *special cause* when one of these rules fires:

* ``outside_limits``: it lies strictly beyond a process limit;
* ``shift``: it is part of a run of ``run_length`` (default 7) or more points on the same side of the
  mean; a point exactly on the mean breaks a run;
* ``trend``: it is part of ``trend_length`` (default 6) or more points each strictly higher (or each
  strictly lower) than the one before; an equal pair breaks a trend;
* ``two_of_three``: it is one of at least two out of three consecutive points beyond the same near
  (two sigma) line, with all three on that side of the mean.

Where the references differ, this module follows NHSRplotthedots (``ptd_spc``) unless noted:

* the run of 7 on one side of the mean is NHSRplotthedots' default (it is also the MDC guidance);
* the trend length is 6 (the Making Data Count guidance and Power BI visual); NHSRplotthedots'
  current release uses 7 - set ``trend_length=7`` to match it;
* moving-range outliers are screened by default, as NHSRplotthedots does (``screen_outliers =
  TRUE``): moving ranges of 3.267 x the mean moving range or more are left out and the mean moving
  range recalculated once. The MDC Power BI visual makes this an option; set
  ``screen_moving_range_outliers=False`` to turn it off;
* like NHSRplotthedots, points beyond a process limit do not count towards "two of three" (they are
  special causes in their own right), and when a point meets several rules its direction is taken
  from the first of: outside limits, trend, two of three, shift;
* a baseline can be fixed (``baseline_points``: the limits are calculated from the first N points of
  each phase, ``fix_after_n_points``) and the chart rebased (``rebase_at``: positions where a new phase
  with its own limits starts; rules are applied within each phase).

Guards (our choices):

* **Short series**: limits and signals are still calculated when the current phase has at least two
  points, but fewer than ``min_points`` (default 12, as NHSRplotthedots warns) withholds the variation
  and assurance icons (``sufficient_data`` is False and a note says why): a scrutiny panel should not
  read a signal into a handful of points.
* **Flat series**: when the mean moving range is zero the limits collapse onto the mean. Any later
  change would then be "outside the limits", so the outside-limits and two-of-three rules are not
  applied to a flat phase; runs and trends still are, and a note says the series is flat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext
from enum import StrEnum
from fractions import Fraction
from itertools import groupby, pairwise, product
from math import lcm

from pmf_api.domain.errors import InvalidValue
from pmf_api.domain.kpi import Polarity

PROCESS_LIMIT_FACTOR = Decimal("2.66")
NEAR_LIMIT_FACTOR = PROCESS_LIMIT_FACTOR * 2 / 3
MOVING_RANGE_SCREEN_FACTOR = Decimal("3.267")
_ZERO = Decimal(0)

# The factors as exact fractions over one denominator, for judging points without rounding.
_PROCESS = Fraction(PROCESS_LIMIT_FACTOR)
_NEAR = _PROCESS * 2 / 3
_SCALE = lcm(_PROCESS.denominator, _NEAR.denominator)
_PROCESS_SCALED = _PROCESS.numerator * (_SCALE // _PROCESS.denominator)
_NEAR_SCALED = _NEAR.numerator * (_SCALE // _NEAR.denominator)
_SCREEN = Fraction(MOVING_RANGE_SCREEN_FACTOR)
# Enough digits that the products below are exact for any value a KPI can hold.
_EXACT = Context(prec=200)


class SpecialCause(StrEnum):
    OUTSIDE_LIMITS = "outside_limits"
    SHIFT = "shift"
    TREND = "trend"
    TWO_OF_THREE = "two_of_three"


_PRIORITY = (SpecialCause.OUTSIDE_LIMITS, SpecialCause.TREND, SpecialCause.TWO_OF_THREE, SpecialCause.SHIFT)
_IMPROVEMENT_DIRECTION = {Polarity.HIGHER_IS_BETTER: 1, Polarity.LOWER_IS_BETTER: -1}


class Variation(StrEnum):
    """The variation icon of a point."""

    COMMON_CAUSE = "common_cause"
    IMPROVEMENT = "improvement"
    CONCERN = "concern"
    NEUTRAL = "neutral"


class Assurance(StrEnum):
    """The assurance icon: can the process be relied on to meet the target?"""

    CONSISTENTLY_PASS = "consistently_pass"
    CONSISTENTLY_FAIL = "consistently_fail"
    HIT_AND_MISS = "hit_and_miss"


@dataclass(frozen=True, slots=True)
class SpcConfig:
    """Options of the XmR chart (see the module docstring for the defaults' sources)."""

    run_length: int = 7
    trend_length: int = 6
    min_points: int = 12
    screen_moving_range_outliers: bool = True
    baseline_points: int | None = None

    def __post_init__(self) -> None:
        for name in ("run_length", "trend_length"):
            if getattr(self, name) < 2:
                raise InvalidValue(f"{name} must be at least 2.", field=name)
        if self.min_points < 2:
            raise InvalidValue("min_points must be at least 2.", field="min_points")
        if self.baseline_points is not None and self.baseline_points < 2:
            raise InvalidValue("A fixed baseline needs at least 2 points.", field="baseline_points")


@dataclass(frozen=True, slots=True)
class SpcLimits:
    """The centre line and limits of one phase of the chart."""

    mean: Decimal
    mean_moving_range: Decimal
    upper_process_limit: Decimal
    lower_process_limit: Decimal
    upper_near_limit: Decimal
    lower_near_limit: Decimal
    start: int
    end: int

    @property
    def is_flat(self) -> bool:
        return self.mean_moving_range == _ZERO


@dataclass(frozen=True, slots=True)
class SpcPoint:
    value: Decimal
    phase: int
    special_causes: tuple[SpecialCause, ...]
    variation: Variation


@dataclass(frozen=True, slots=True)
class SpcResult:
    """The chart: limits per phase, every point's signals, and the icons of the latest point."""

    phases: tuple[SpcLimits, ...]
    points: tuple[SpcPoint, ...]
    variation: Variation | None
    assurance: Assurance | None
    sufficient_data: bool
    notes: tuple[str, ...]

    @property
    def limits(self) -> SpcLimits | None:
        """The current (last) phase's limits."""
        return self.phases[-1] if self.phases else None


def moving_ranges(values: Sequence[Decimal]) -> list[Decimal]:
    """The absolute differences between consecutive values (one fewer than the values)."""
    return [abs(later - earlier) for earlier, later in pairwise(values)]


@dataclass(frozen=True, slots=True)
class _ExactLines:
    """A phase's lines without rounding: each is ``(centre +/- spread) / scale``, so a value ``x`` is
    above a line exactly when ``x * scale`` is above its numerator. Decimal's 28 digits put the
    two-sigma line of 0, 0, 100, 100, -233, -233 at -1E-26 rather than 0, and its zeros beyond it."""

    scale: Decimal
    centre: Decimal
    process_spread: Decimal
    near_spread: Decimal


def _phase_limits(
    values: Sequence[Decimal], ranges: Sequence[Decimal], start: int, end: int, config: SpcConfig
) -> tuple[SpcLimits, _ExactLines]:
    stop = end if config.baseline_points is None else min(end, start + config.baseline_points)
    baseline = values[start:stop]
    # The baseline's own moving ranges: range i joins values i and i + 1.
    moving_ranges = ranges[start : stop - 1]
    kept = moving_ranges
    with localcontext(_EXACT):
        total = sum(baseline, _ZERO)
        if config.screen_moving_range_outliers and any(moving_ranges):
            # Screened out: a range at or above 3.267 x the mean range, compared exactly. There is
            # always at least one range below the cut-off: they cannot all exceed 3.267 x their mean.
            cut_off = sum(moving_ranges, _ZERO) * _SCREEN.numerator
            per_range = len(moving_ranges) * _SCREEN.denominator
            kept = [r for r in moving_ranges if r * per_range < cut_off]
        range_total = sum(kept, _ZERO)
        n, m = len(baseline), len(kept)
        exact = _ExactLines(
            scale=Decimal(_SCALE * n * m),
            centre=total * (_SCALE * m),
            process_spread=range_total * (_PROCESS_SCALED * n),
            near_spread=range_total * (_NEAR_SCALED * n),
        )
    # The lines shown are rounded as Decimal rounds; the points are judged against ``exact``.
    mean = total / n
    mean_moving_range = range_total / m
    spread = PROCESS_LIMIT_FACTOR * mean_moving_range
    near = NEAR_LIMIT_FACTOR * mean_moving_range
    limits = SpcLimits(mean, mean_moving_range, mean + spread, mean - spread, mean + near, mean - near, start, end)
    return limits, exact


def _phase_points(
    values: Sequence[Decimal],
    lines: tuple[SpcLimits, _ExactLines],
    phase: int,
    improvement_direction: int,
    config: SpcConfig,
) -> list[SpcPoint]:
    """The points of one phase with the rules each meets, judged against the exact lines (a point
    on a line is not beyond it).

    Each rule's marks are kept as a side per point (+1 high, -1 low, 0 not met): every rule that
    fires has a side, as a point beyond a limit or in a run is never on the mean.
    """
    limits, exact = lines
    points = values[limits.start : limits.end]
    count = len(points)
    centre, scale = exact.centre, exact.scale
    with localcontext(_EXACT):
        scaled = [value * scale for value in points]
        upper, lower = centre + exact.process_spread, centre - exact.process_spread
        upper_near, lower_near = centre + exact.near_spread, centre - exact.near_spread
    sides = [(value > centre) - (value < centre) for value in scaled]
    outside = [0] * count
    two_of_three = [0] * count
    if not limits.is_flat:
        beyond = [value > upper or value < lower for value in scaled]
        if any(beyond):
            outside = [side if out else 0 for side, out in zip(sides, beyond, strict=True)]
        near = [
            not out and (value > upper_near or value < lower_near) for value, out in zip(scaled, beyond, strict=True)
        ]
        if sum(near) >= 2:
            for i in range(count - 2):
                if near[i] + near[i + 1] + near[i + 2] >= 2 and abs(sides[i] + sides[i + 1] + sides[i + 2]) == 3:
                    for j in range(i, i + 3):
                        if near[j]:
                            two_of_three[j] = sides[j]
    shift = _runs(sides, config.run_length)
    steps = [(later > earlier) - (later < earlier) for earlier, later in pairwise(points)]
    trend = _runs(steps, config.trend_length - 1, offset=1)
    classified = _CLASSIFIED[improvement_direction]
    return [
        SpcPoint(value, phase, *classified[rule_sides])
        for value, rule_sides in zip(points, zip(outside, trend, two_of_three, shift, strict=True), strict=True)
    ]


def _runs(signs: Sequence[int], length: int, offset: int = 0) -> list[int]:
    """Mark maximal runs of ``length`` or more equal non-zero signs (a trend's points span one more)."""
    marks = [0] * (len(signs) + offset)
    start = 0
    for sign, run in groupby(signs):
        size = len(list(run))
        if sign and size >= length:
            # Step k joins points k and k+1, so a trend's steps cover one point more; a point at a peak
            # or trough takes the direction of the later run, as NHSRplotthedots does.
            marks[start : start + size + offset] = [sign] * (size + offset)
        start += size
    return marks


def _classify(sides: tuple[int, ...], improvement_direction: int) -> tuple[tuple[SpecialCause, ...], Variation]:
    """The causes a point meets and its variation, from the side of each rule in ``_PRIORITY`` order
    (0 where the rule is not met): the first rule met gives the point its direction."""
    causes = tuple(cause for cause, side in zip(_PRIORITY, sides, strict=True) if side)
    if not causes:
        return causes, Variation.COMMON_CAUSE
    if improvement_direction == 0:
        return causes, Variation.NEUTRAL
    first = next(side for side in sides if side)
    return causes, Variation.IMPROVEMENT if first == improvement_direction else Variation.CONCERN


# Every combination of sides, classified once: the chart looks each point's up rather than working it out.
_CLASSIFIED = {
    direction: {sides: _classify(sides, direction) for sides in product((-1, 0, 1), repeat=len(_PRIORITY))}
    for direction in (-1, 0, 1)
}


def _assurance(
    limits: SpcLimits,
    polarity: Polarity,
    target: Decimal | None,
    band_lower: Decimal | None,
    band_upper: Decimal | None,
) -> Assurance | None:
    upper, lower = limits.upper_process_limit, limits.lower_process_limit
    if polarity is Polarity.WITHIN_BAND:
        if band_lower is None or band_upper is None:
            return None
        if band_lower < lower and upper < band_upper:
            return Assurance.CONSISTENTLY_PASS
        if upper < band_lower or lower > band_upper:
            return Assurance.CONSISTENTLY_FAIL
        return Assurance.HIT_AND_MISS
    if target is None:
        return None
    if target < lower:
        return Assurance.CONSISTENTLY_PASS if polarity is Polarity.HIGHER_IS_BETTER else Assurance.CONSISTENTLY_FAIL
    if target > upper:
        return Assurance.CONSISTENTLY_FAIL if polarity is Polarity.HIGHER_IS_BETTER else Assurance.CONSISTENTLY_PASS
    return Assurance.HIT_AND_MISS


def process_limits(
    values: Sequence[Decimal], config: SpcConfig = SpcConfig(), *, ranges: Sequence[Decimal] | None = None
) -> SpcLimits:
    """The centre line and limits of ``values`` as one phase, without testing the points.

    ``ranges`` are the values' :func:`moving_ranges`, for a caller that has them already.
    """
    if len(values) < 2:
        raise InvalidValue("Process limits need at least two values.", field="values")
    return _phase_limits(values, moving_ranges(values) if ranges is None else ranges, 0, len(values), config)[0]


def xmr_chart(
    values: Sequence[Decimal],
    *,
    polarity: Polarity,
    target: Decimal | None = None,
    band_lower: Decimal | None = None,
    band_upper: Decimal | None = None,
    rebase_at: Sequence[int] = (),
    config: SpcConfig = SpcConfig(),
    ranges: Sequence[Decimal] | None = None,
) -> SpcResult:
    """The XmR chart of ``values`` (oldest first) with the icons of the latest point.

    ``polarity`` orients the signals: higher-is-better makes a high special cause an improvement;
    within-band KPIs have no single better direction, so their special causes are ``neutral``.
    ``rebase_at`` lists the positions (0-based) where a new phase starts. ``ranges`` are the
    values' :func:`moving_ranges`, for a caller that has them already.
    """
    count = len(values)
    if count < 2:
        raise InvalidValue("An XmR chart needs at least two values.", field="values")
    cuts = sorted(set(rebase_at))
    if any(not 0 < cut < count for cut in cuts):
        raise InvalidValue(f"Rebase positions must lie between 1 and {count - 1}.", field="rebase_at")
    bounds = [0, *cuts, count]
    improvement_direction = _IMPROVEMENT_DIRECTION.get(polarity, 0)
    if ranges is None:
        ranges = moving_ranges(values)
    notes: list[str] = []
    phases: list[SpcLimits] = []
    points: list[SpcPoint] = []
    for phase, (start, end) in enumerate(pairwise(bounds)):
        if end - start < 2:
            raise InvalidValue("Each phase of a rebased chart needs at least two values.", field="rebase_at")
        lines = _phase_limits(values, ranges, start, end, config)
        phases.append(lines[0])
        points.extend(_phase_points(values, lines, phase, improvement_direction, config))
    current = phases[-1]
    if current.is_flat:
        notes.append(
            "The series is flat (every moving range is zero), so the process limits equal the mean and "
            "only runs and trends are tested."
        )
    sufficient = current.end - current.start >= config.min_points
    if not sufficient:
        notes.append(
            f"Only {current.end - current.start} points since the chart was last based; at least "
            f"{config.min_points} are needed before the variation and assurance icons are shown."
        )
        return SpcResult(tuple(phases), tuple(points), None, None, False, tuple(notes))
    return SpcResult(
        tuple(phases),
        tuple(points),
        points[-1].variation,
        _assurance(current, polarity, target, band_lower, band_upper),
        True,
        tuple(notes),
    )
