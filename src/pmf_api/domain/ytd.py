"""Year to date: adding up a KPI's periods, and the profiled target they are judged against.

How periods add up depends on the KPI's aggregation (seed 001_ec6bae7b38cacc6f.txt, Appendix B.2
asks how "the result is calculated"):

* ``sum``: counts and money add up; the YTD target is the profiled target to date (the sum of the
  profile entries so far, or the annual target pro rata when there is no profile).
* ``average``: the mean of the periods reported so far, against the mean of the period targets.
* ``latest``: a snapshot; the YTD figure is the latest value reported, against that period's target.
* ``ratio``: the sum of the numerators over the sum of the denominators (never an average of the
  monthly percentages), against the period targets weighted by denominator.

Periods due but not reported are left out of the figure and counted in ``periods_missing``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from pmf_api.domain.errors import InvalidTarget
from pmf_api.domain.kpi import Aggregation, Observation
from pmf_api.domain.periods import MONTHS_IN_YEAR, Frequency, Period
from pmf_api.domain.rag import KpiTarget

_ZERO = Decimal(0)
_THREE = Decimal(3)


@dataclass(frozen=True, slots=True)
class YearToDate:
    value: Decimal | None
    periods_reported: int
    periods_missing: int
    numerator: Decimal | None = None
    denominator: Decimal | None = None

    @property
    def complete(self) -> bool:
        return self.periods_missing == 0


def aggregate(values: Sequence[Decimal], aggregation: Aggregation) -> Decimal | None:
    """Combine period values (oldest first) by ``sum``, ``average`` or ``latest``.

    Ratio KPIs cannot be combined from their values alone: use :func:`aggregate_ratio`.
    """
    if aggregation is Aggregation.RATIO:
        raise InvalidTarget(
            "A ratio KPI is combined from numerators and denominators, not values.", field="aggregation"
        )
    if not values:
        return None
    if aggregation is Aggregation.SUM:
        return sum(values, _ZERO)
    if aggregation is Aggregation.AVERAGE:
        return sum(values, _ZERO) / len(values)
    return values[-1]


def aggregate_ratio(
    numerators: Sequence[Decimal], denominators: Sequence[Decimal], scale: Decimal = Decimal(1)
) -> Decimal | None:
    """The ratio of the sums, times ``scale`` (100 for a percentage); ``None`` if nothing to divide by."""
    denominator = sum(denominators, _ZERO)
    if denominator == _ZERO:
        return None
    return sum(numerators, _ZERO) / denominator * scale


def year_to_date(
    observations: Iterable[Observation],
    period: Period,
    aggregation: Aggregation,
    scale: Decimal = Decimal(1),
) -> YearToDate:
    """The YTD figure at ``period`` from the observations of its year (others are ignored)."""
    wanted = period.ytd_periods()
    by_period = {obs.period: obs for obs in observations}
    reported = [by_period[p] for p in wanted if p in by_period]
    return year_to_date_of(reported, len(wanted), aggregation, scale)


def year_to_date_of(
    reported: Sequence[Observation], periods_to_date: int, aggregation: Aggregation, scale: Decimal
) -> YearToDate:
    """The YTD figure from the year's observations to date, oldest first, when ``periods_to_date``
    periods of the year have ended (those not reported count as missing).

    :func:`year_to_date` finds them by period; :func:`~pmf_api.domain.evaluation.evaluate_kpi`, which
    has them to hand, calls this directly.
    """
    if aggregation is Aggregation.RATIO:
        pairs = [
            (o.numerator, o.denominator) for o in reported if o.numerator is not None and o.denominator is not None
        ]
        numerators = [n for n, _ in pairs if n is not None]
        denominators = [d for _, d in pairs if d is not None]
        return YearToDate(
            aggregate_ratio(numerators, denominators, scale),
            len(pairs),
            periods_to_date - len(pairs),
            sum(numerators, _ZERO) if pairs else None,
            sum(denominators, _ZERO) if pairs else None,
        )
    values = [o.value for o in reported if o.value is not None]
    return YearToDate(aggregate(values, aggregation), len(values), periods_to_date - len(values))


def _month_range(period: Period) -> tuple[int, int]:
    return period.first_month_index, period.last_month_index


def _profile_months(target: KpiTarget) -> tuple[Decimal, ...] | None:
    """A level KPI's profile as 12 monthly targets (a quarterly entry applies to each of its months)."""
    profile = target.profile
    if profile is None:
        return None
    if len(profile) == MONTHS_IN_YEAR:
        return profile
    if len(profile) != 4:
        raise InvalidTarget(f"A profile has 12 or 4 entries, not {len(profile)}.", field="profile")
    return tuple(entry for entry in profile for _ in range(3))


def _cumulative_target(target: KpiTarget, annual: Decimal, first: int, last: int) -> Decimal:
    """A sum KPI's target for months ``first..last``: exact at quarter ends for a quarterly profile."""
    profile = target.profile
    if profile is None:
        return annual * (last - first + 1) / MONTHS_IN_YEAR
    if len(profile) == MONTHS_IN_YEAR:
        return sum(profile[first - 1 : last], _ZERO)

    def to_month(month: int) -> Decimal:
        quarters, extra = divmod(month, 3)
        partial = profile[quarters] * extra / _THREE if extra else _ZERO
        return sum(profile[:quarters], _ZERO) + partial

    if len(profile) != 4:
        raise InvalidTarget(f"A profile has 12 or 4 entries, not {len(profile)}.", field="profile")
    return to_month(last) - to_month(first - 1)


def _level_target(
    target: KpiTarget,
    annual: Decimal,
    aggregation: Aggregation,
    first: int,
    last: int,
    weights: Sequence[Decimal] | None = None,
) -> Decimal:
    months = _profile_months(target)
    if months is None:
        return annual
    if aggregation is Aggregation.LATEST:
        return months[last - 1]
    chosen = months[first - 1 : last]
    if weights is not None and len(weights) == len(chosen) and sum(weights, _ZERO) != _ZERO:
        return sum((t * w for t, w in zip(chosen, weights, strict=True)), _ZERO) / sum(weights, _ZERO)
    return sum(chosen, _ZERO) / len(chosen)


def period_target(target: KpiTarget, period: Period, aggregation: Aggregation) -> Decimal | None:
    """The target for the period on its own (a month's share for a sum KPI, the level otherwise)."""
    annual = target.annual_target
    if annual is None:
        return None
    if period.frequency is Frequency.ANNUAL:
        return annual
    first, last = _month_range(period)
    if aggregation is Aggregation.SUM:
        return _cumulative_target(target, annual, first, last)
    return _level_target(target, annual, aggregation, first, last)


def ytd_target(
    target: KpiTarget,
    period: Period,
    aggregation: Aggregation,
    denominators: Sequence[Decimal] | None = None,
) -> Decimal | None:
    """The profiled target from the start of the year to the end of ``period``.

    For ratio KPIs, ``denominators`` (one per month to date) weight the monthly targets, so the
    target to date is what the year's ratio of sums would need to be.
    """
    annual = target.annual_target
    if annual is None:
        return None
    last = period.last_month_index
    if aggregation is Aggregation.SUM:
        return _cumulative_target(target, annual, 1, last)
    weights = denominators if aggregation is Aggregation.RATIO else None
    return _level_target(target, annual, aggregation, 1, last, weights)
