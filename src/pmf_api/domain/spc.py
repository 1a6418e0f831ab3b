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
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise

from pmf_api.domain.errors import InvalidValue
from pmf_api.domain.kpi import Polarity

PROCESS_LIMIT_FACTOR = Decimal("2.66")
NEAR_LIMIT_FACTOR = PROCESS_LIMIT_FACTOR * 2 / 3
MOVING_RANGE_SCREEN_FACTOR = Decimal("3.267")
_ZERO = Decimal(0)


class SpecialCause(StrEnum):
    OUTSIDE_LIMITS = "outside_limits"
    SHIFT = "shift"
    TREND = "trend"
    TWO_OF_THREE = "two_of_three"


_PRIORITY = (SpecialCause.OUTSIDE_LIMITS, SpecialCause.TREND, SpecialCause.TWO_OF_THREE, SpecialCause.SHIFT)


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


def _phase_limits(values: Sequence[Decimal], start: int, end: int, config: SpcConfig) -> SpcLimits:
    stop = end if config.baseline_points is None else min(end, start + config.baseline_points)
    baseline = values[start:stop]
    mean = sum(baseline, _ZERO) / len(baseline)
    moving_ranges = [abs(baseline[i] - baseline[i - 1]) for i in range(1, len(baseline))]
    mean_moving_range = sum(moving_ranges, _ZERO) / len(moving_ranges)
    if config.screen_moving_range_outliers and mean_moving_range:
        cut_off = MOVING_RANGE_SCREEN_FACTOR * mean_moving_range
        kept = [moving_range for moving_range in moving_ranges if moving_range < cut_off]
        # There is always at least one range below the cut-off: they cannot all exceed 3.267 x their mean.
        mean_moving_range = sum(kept, _ZERO) / len(kept)
    spread = PROCESS_LIMIT_FACTOR * mean_moving_range
    near = NEAR_LIMIT_FACTOR * mean_moving_range
    return SpcLimits(mean, mean_moving_range, mean + spread, mean - spread, mean + near, mean - near, start, end)


def _sign(number: Decimal) -> int:
    return (number > 0) - (number < 0)


def _phase_signals(values: Sequence[Decimal], limits: SpcLimits, config: SpcConfig) -> list[dict[SpecialCause, int]]:
    """For each point of the phase, the rules it meets and the side (+1 high, -1 low) of each."""
    points = values[limits.start : limits.end]
    signals: list[dict[SpecialCause, int]] = [{} for _ in points]
    sides = [_sign(value - limits.mean) for value in points]
    if not limits.is_flat:
        near = [0] * len(points)
        for i, value in enumerate(points):
            if value > limits.upper_process_limit or value < limits.lower_process_limit:
                signals[i][SpecialCause.OUTSIDE_LIMITS] = sides[i]
            elif value > limits.upper_near_limit or value < limits.lower_near_limit:
                near[i] = 1
        for i in range(len(points) - 2):
            window = range(i, i + 3)
            side_total = sum(sides[j] for j in window)
            if abs(side_total) == 3 and sum(near[j] for j in window) >= 2:
                for j in window:
                    if near[j]:
                        signals[j][SpecialCause.TWO_OF_THREE] = sides[j]
    _mark_runs(sides, config.run_length, SpecialCause.SHIFT, signals)
    steps = [_sign(points[i] - points[i - 1]) for i in range(1, len(points))]
    _mark_runs(steps, config.trend_length - 1, SpecialCause.TREND, signals, offset=1)
    return signals


def _mark_runs(
    signs: Sequence[int],
    length: int,
    cause: SpecialCause,
    signals: list[dict[SpecialCause, int]],
    offset: int = 0,
) -> None:
    """Flag maximal runs of ``length`` or more equal non-zero signs (a trend's points span one more)."""
    start = 0
    while start < len(signs):
        end = start
        while end + 1 < len(signs) and signs[end + 1] == signs[start]:
            end += 1
        if signs[start] != 0 and end - start + 1 >= length:
            # Step k joins points k and k+1, so a trend's steps cover one point more; a point at a peak
            # or trough takes the direction of the later run, as NHSRplotthedots does.
            for point in range(start, end + 1 + offset):
                signals[point][cause] = signs[start]
        start = end + 1


def _variation(causes: dict[SpecialCause, int], improvement_direction: int) -> Variation:
    if not causes:
        return Variation.COMMON_CAUSE
    side = next(causes[cause] for cause in _PRIORITY if cause in causes)
    if improvement_direction == 0:
        return Variation.NEUTRAL
    return Variation.IMPROVEMENT if side == improvement_direction else Variation.CONCERN


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


def process_limits(values: Sequence[Decimal], config: SpcConfig = SpcConfig()) -> SpcLimits:
    """The centre line and limits of ``values`` as one phase, without testing the points."""
    if len(values) < 2:
        raise InvalidValue("Process limits need at least two values.", field="values")
    return _phase_limits(values, 0, len(values), config)


def xmr_chart(
    values: Sequence[Decimal],
    *,
    polarity: Polarity,
    target: Decimal | None = None,
    band_lower: Decimal | None = None,
    band_upper: Decimal | None = None,
    rebase_at: Sequence[int] = (),
    config: SpcConfig = SpcConfig(),
) -> SpcResult:
    """The XmR chart of ``values`` (oldest first) with the icons of the latest point.

    ``polarity`` orients the signals: higher-is-better makes a high special cause an improvement;
    within-band KPIs have no single better direction, so their special causes are ``neutral``.
    ``rebase_at`` lists the positions (0-based) where a new phase starts.
    """
    count = len(values)
    if count < 2:
        raise InvalidValue("An XmR chart needs at least two values.", field="values")
    cuts = sorted(set(rebase_at))
    if any(not 0 < cut < count for cut in cuts):
        raise InvalidValue(f"Rebase positions must lie between 1 and {count - 1}.", field="rebase_at")
    bounds = [0, *cuts, count]
    improvement_direction = {Polarity.HIGHER_IS_BETTER: 1, Polarity.LOWER_IS_BETTER: -1}.get(polarity, 0)
    notes: list[str] = []
    phases: list[SpcLimits] = []
    points: list[SpcPoint] = []
    for phase, (start, end) in enumerate(pairwise(bounds)):
        if end - start < 2:
            raise InvalidValue("Each phase of a rebased chart needs at least two values.", field="rebase_at")
        limits = _phase_limits(values, start, end, config)
        phases.append(limits)
        for offset, causes in enumerate(_phase_signals(values, limits, config)):
            points.append(
                SpcPoint(
                    values[start + offset],
                    phase,
                    tuple(cause for cause in _PRIORITY if cause in causes),
                    _variation(causes, improvement_direction),
                )
            )
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
