"""Red, Amber, Green: how a KPI value stands against its target and intervention level.

The rule (seed 001_ec6bae7b38cacc6f.txt, Appendix B.2): Green at or better than the target; Amber
short of the target but not beyond the intervention level ("prevent this metric from reaching its
target level (Performing Amber)"); Red strictly worse than the intervention level ("below the
intervention level (Performing Red)"). Mirrored for lower-is-better KPIs; for a KPI that should
stay within a band, Green inside the band, Amber outside it but within the tolerance, Red beyond.

Choices, and their defaults:

* Values *and* thresholds are rounded to the KPI's declared decimal places (round half up) before
  they are compared, so what a report shows is what was judged: 94.96 shown as 95.0% against a 95%
  target is Green, never Red.
* No tolerance means the intervention level is the target itself: anything short of the target is
  Red (there is no Amber zone).
* No target means no RAG (``None``): contextual outcome measures are judged by direction of travel
  only. A value due and not submitted is ``Rag.MISSING``, not a colour.
* A tolerance keeps its shape when the target is profiled or judged year to date: for cumulative
  (``sum``) KPIs it scales in proportion to the period's share of the target, for level KPIs the
  same distance from the target applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache
from typing import Protocol, TypeVar

from pmf_api.domain.errors import DomainError, InvalidTarget
from pmf_api.domain.kpi import Aggregation, Polarity, TargetType, ToleranceKind, Unit
from pmf_api.domain.periods import Frequency, Period

_HUNDRED = Decimal(100)
_BAND_TOLERANCE_MESSAGE = (
    "A band needs its tolerance as an absolute distance or a percentage, not one intervention level."
)
_ZERO = Decimal(0)


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    MISSING = "missing"


RAG_SEVERITY = {Rag.GREEN: 0, Rag.AMBER: 1, Rag.RED: 2}
"""Worse colours rank higher (Missing has no rank: it is not a colour)."""


@cache  # every rounding for display asks for one of these eleven steps
def quantum(decimal_places: int) -> Decimal:
    """The smallest step shown at ``decimal_places`` (``Decimal('0.1')`` for one place)."""
    return Decimal(1).scaleb(-decimal_places)


def round_half_up(value: Decimal, decimal_places: int) -> Decimal:
    """Round as a report does: 0.5 away from zero (``ROUND_HALF_UP``), not to even."""
    return value.quantize(quantum(decimal_places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How far short of the target a KPI may fall before it is Red.

    ``kind`` says how ``value`` reads: the intervention level itself, an absolute distance from the
    target, or a percentage of the target.
    """

    kind: ToleranceKind
    value: Decimal

    def intervention_level(self, target: Decimal, polarity: Polarity) -> Decimal:
        """The level beyond which the KPI is Red, for a higher- or lower-is-better KPI."""
        if polarity is Polarity.WITHIN_BAND:
            raise InvalidTarget(
                "A KPI kept within a band has two intervention limits: use band_limits().",
                field="tolerance",
            )
        if self.kind is ToleranceKind.INTERVENTION_LEVEL:
            return self.value
        distance = self.value if self.kind is ToleranceKind.ABSOLUTE else abs(target) * self.value / _HUNDRED
        return target - distance if polarity is Polarity.HIGHER_IS_BETTER else target + distance

    def band_limits(self, band_lower: Decimal, band_upper: Decimal) -> tuple[Decimal, Decimal]:
        """The lower and upper intervention limits around a band (absolute or percentage tolerance)."""
        if self.kind is ToleranceKind.INTERVENTION_LEVEL:
            raise InvalidTarget(
                _BAND_TOLERANCE_MESSAGE,
                field="tolerance.kind",
            )
        if self.kind is ToleranceKind.ABSOLUTE:
            return band_lower - self.value, band_upper + self.value
        return (
            band_lower - abs(band_lower) * self.value / _HUNDRED,
            band_upper + abs(band_upper) * self.value / _HUNDRED,
        )


@dataclass(frozen=True, slots=True)
class KpiTarget:
    """A KPI's target for one financial year.

    ``profile`` holds per-period targets (12 months or 4 quarters) where performance is seasonal: for
    cumulative ``sum`` KPIs they add up to the annual target, for other aggregations each is the
    level expected in that period. ``band_lower``/``band_upper`` are used by within-band KPIs.
    """

    annual_target: Decimal | None
    tolerance: Tolerance | None = None
    band_lower: Decimal | None = None
    band_upper: Decimal | None = None
    profile: tuple[Decimal, ...] | None = None
    target_type: TargetType | None = None


class TargetRevisionLike(Protocol):
    """What :func:`revision_in_force` reads of a target revision."""

    @property
    def number(self) -> int: ...

    @property
    def effective_from(self) -> str: ...


RevisionT = TypeVar("RevisionT", bound=TargetRevisionLike)


def revision_in_force(revisions: Sequence[RevisionT], period: Period) -> RevisionT | None:
    """The revision of a year's target that applies at the end of ``period``: the latest-numbered
    of those that took effect by then (a mid-year stretch applies from its period on, and the
    periods before keep the target they were judged against)."""
    applying = [r for r in revisions if Period.parse(r.effective_from).first_month_index <= period.last_month_index]
    return max(applying, key=lambda r: r.number) if applying else None


@dataclass(frozen=True, slots=True)
class RagThresholds:
    """Target, intervention level and band of one comparison, already rounded for display."""

    polarity: Polarity
    decimal_places: int
    target: Decimal | None = None
    intervention_level: Decimal | None = None
    band_lower: Decimal | None = None
    band_upper: Decimal | None = None
    lower_limit: Decimal | None = None
    upper_limit: Decimal | None = None

    @classmethod
    def build(
        cls,
        *,
        polarity: Polarity,
        decimal_places: int,
        target: Decimal | None,
        tolerance: Tolerance | None = None,
        band_lower: Decimal | None = None,
        band_upper: Decimal | None = None,
    ) -> RagThresholds:
        """Work out and round the thresholds for a target and tolerance."""
        step = quantum(decimal_places)
        if polarity is Polarity.WITHIN_BAND:
            if band_lower is None or band_upper is None:
                return cls(polarity, decimal_places)
            if tolerance is None:
                lower_limit, upper_limit = band_lower, band_upper
            else:
                lower_limit, upper_limit = tolerance.band_limits(band_lower, band_upper)
            return cls(
                polarity,
                decimal_places,
                target=None if target is None else target.quantize(step, ROUND_HALF_UP),
                band_lower=band_lower.quantize(step, ROUND_HALF_UP),
                band_upper=band_upper.quantize(step, ROUND_HALF_UP),
                lower_limit=lower_limit.quantize(step, ROUND_HALF_UP),
                upper_limit=upper_limit.quantize(step, ROUND_HALF_UP),
            )
        if target is None:
            return cls(polarity, decimal_places)
        level = target if tolerance is None else tolerance.intervention_level(target, polarity)
        return cls(
            polarity,
            decimal_places,
            target=target.quantize(step, ROUND_HALF_UP),
            intervention_level=level.quantize(step, ROUND_HALF_UP),
        )

    @property
    def has_target(self) -> bool:
        return self.target is not None if self.polarity is not Polarity.WITHIN_BAND else self.band_lower is not None

    def rate(self, value: Decimal | None, *, due: bool = True) -> Rag | None:
        """The RAG of ``value``; ``None`` when there is no target, or no value and none yet due."""
        if not self.has_target:
            return None
        if value is None:
            return Rag.MISSING if due else None
        shown = value.quantize(quantum(self.decimal_places), ROUND_HALF_UP)
        if self.polarity is Polarity.WITHIN_BAND:
            return _rate_band(shown, self)
        target, level = self.target, self.intervention_level
        assert target is not None and level is not None  # has_target guarantees both
        if self.polarity is Polarity.HIGHER_IS_BETTER:
            if shown >= target:
                return Rag.GREEN
            return Rag.AMBER if shown >= level else Rag.RED
        if shown <= target:
            return Rag.GREEN
        return Rag.AMBER if shown <= level else Rag.RED


def _rate_band(shown: Decimal, thresholds: RagThresholds) -> Rag:
    assert thresholds.band_lower is not None and thresholds.band_upper is not None
    assert thresholds.lower_limit is not None and thresholds.upper_limit is not None
    if thresholds.band_lower <= shown <= thresholds.band_upper:
        return Rag.GREEN
    if thresholds.lower_limit <= shown <= thresholds.upper_limit:
        return Rag.AMBER
    return Rag.RED


def rag_for(
    value: Decimal | None,
    *,
    polarity: Polarity,
    target: Decimal | None,
    decimal_places: int,
    tolerance: Tolerance | None = None,
    band_lower: Decimal | None = None,
    band_upper: Decimal | None = None,
    due: bool = True,
) -> Rag | None:
    """The RAG of one value against a target (see the module docstring for the rule).

    >>> rag_for(Decimal("94.96"), polarity=Polarity.HIGHER_IS_BETTER, target=Decimal(95),
    ...         tolerance=Tolerance(ToleranceKind.INTERVENTION_LEVEL, Decimal(90)), decimal_places=1)
    <Rag.GREEN: 'green'>
    """
    thresholds = RagThresholds.build(
        polarity=polarity,
        decimal_places=decimal_places,
        target=target,
        tolerance=tolerance,
        band_lower=band_lower,
        band_upper=band_upper,
    )
    return thresholds.rate(value, due=due)


def scaled_tolerance(
    tolerance: Tolerance | None,
    *,
    annual_target: Decimal,
    period_target: Decimal,
    polarity: Polarity,
    proportional: bool,
) -> Tolerance | None:
    """The tolerance to use against a profiled or year-to-date target, as an absolute distance.

    For cumulative KPIs (``proportional``) the distance scales with ``period_target / annual_target``;
    for level KPIs it stays the distance allowed against the annual target. Percentage tolerances
    already scale and are returned unchanged.
    """
    if tolerance is None or tolerance.kind is ToleranceKind.PERCENTAGE or polarity is Polarity.WITHIN_BAND:
        return tolerance
    distance = abs(tolerance.intervention_level(annual_target, polarity) - annual_target)
    if proportional and annual_target != _ZERO:
        distance = distance * abs(period_target / annual_target)
    return Tolerance(ToleranceKind.ABSOLUTE, distance)


def check_target(
    *,
    polarity: Polarity,
    unit: Unit,
    target: Decimal | None,
    tolerance: Tolerance | None,
    band_lower: Decimal | None = None,
    band_upper: Decimal | None = None,
    aggregation: Aggregation,
    profile: Sequence[Decimal] | None = None,
    decimal_places: int,
    frequency: Frequency | None = None,
) -> list[DomainError]:
    """Every problem with a proposed target, each naming the field at fault; empty when it is fine.

    With the KPI's ``frequency``, a profile must have one entry per period: 12 for a monthly KPI,
    4 for a quarterly one, none for an annual one.

    A profile (12 monthly or 4 quarterly entries) must add up to the annual target, at the KPI's
    decimal places, for a cumulative ``sum`` KPI; for ``average``, ``ratio`` and ``latest`` KPIs
    each entry is that period's own target and is not summed.
    """
    problems: list[DomainError] = []
    if tolerance is not None and tolerance.kind is not ToleranceKind.INTERVENTION_LEVEL and tolerance.value < 0:
        problems.append(
            InvalidTarget(
                f"A tolerance distance cannot be negative ({tolerance.value}): give how far short of the "
                "target the KPI may fall.",
                field="tolerance.value",
            )
        )
    if polarity is Polarity.WITHIN_BAND:
        problems.extend(_check_band(band_lower, band_upper, tolerance))
    elif target is None:
        problems.append(InvalidTarget("A target needs an annual target value.", field="annual_target"))
    elif tolerance is not None and tolerance.kind is ToleranceKind.INTERVENTION_LEVEL:
        if polarity is Polarity.HIGHER_IS_BETTER and tolerance.value > target:
            problems.append(
                InvalidTarget(
                    f"For a higher-is-better KPI the intervention level ({tolerance.value}) must be at or "
                    f"below the target ({target}).",
                    field="tolerance.value",
                )
            )
        elif polarity is Polarity.LOWER_IS_BETTER and tolerance.value < target:
            problems.append(
                InvalidTarget(
                    f"For a lower-is-better KPI the intervention level ({tolerance.value}) must be at or "
                    f"above the target ({target}).",
                    field="tolerance.value",
                )
            )
    if unit is Unit.PERCENTAGE:
        for name, figure in (
            ("annual_target", target),
            ("band_lower", band_lower),
            ("band_upper", band_upper),
        ):
            if figure is not None and not _ZERO <= figure <= _HUNDRED:
                problems.append(InvalidTarget(f"A percentage must lie between 0 and 100, not {figure}.", field=name))
    if profile is not None:
        wanted = None if frequency is None else _PROFILE_ENTRIES.get(frequency)
        if frequency is not None and len(profile) != wanted:
            takes = f"{wanted} entries" if wanted else "no profile"
            problems.append(
                InvalidTarget(f"A {frequency.value} KPI takes {takes}, not {len(profile)}.", field="profile")
            )
        else:
            problems.extend(_check_profile(profile, target, unit, aggregation, decimal_places))
    return problems


def _check_band(
    band_lower: Decimal | None, band_upper: Decimal | None, tolerance: Tolerance | None
) -> list[DomainError]:
    problems: list[DomainError] = []
    if band_lower is None or band_upper is None:
        problems.append(
            InvalidTarget(
                "A within-band KPI needs both a lower and an upper bound.",
                field="band_lower" if band_lower is None else "band_upper",
            )
        )
    elif band_lower > band_upper:
        problems.append(
            InvalidTarget(
                f"The band's lower bound ({band_lower}) is above its upper bound ({band_upper}).",
                field="band_lower",
            )
        )
    if tolerance is not None and tolerance.kind is ToleranceKind.INTERVENTION_LEVEL:
        problems.append(
            InvalidTarget(
                _BAND_TOLERANCE_MESSAGE,
                field="tolerance.kind",
            )
        )
    return problems


_PROFILE_ENTRIES = {Frequency.MONTHLY: 12, Frequency.QUARTERLY: 4}


def _check_profile(
    profile: Sequence[Decimal],
    target: Decimal | None,
    unit: Unit,
    aggregation: Aggregation,
    decimal_places: int,
) -> list[DomainError]:
    if len(profile) not in (12, 4):
        return [
            InvalidTarget(
                f"A profile has 12 monthly or 4 quarterly entries, not {len(profile)}.",
                field="profile",
            )
        ]
    problems: list[DomainError] = []
    if aggregation is Aggregation.SUM and target is not None:
        total = sum(profile, _ZERO)
        if round_half_up(total, decimal_places) != round_half_up(target, decimal_places):
            problems.append(
                InvalidTarget(
                    f"The profile adds up to {total}, not the annual target of {target}.",
                    field="profile",
                )
            )
    if unit is Unit.PERCENTAGE:
        for position, entry in enumerate(profile, start=1):
            if not _ZERO <= entry <= _HUNDRED:
                problems.append(
                    InvalidTarget(
                        f"Profile entry {position} is {entry}: a percentage must lie between 0 and 100.",
                        field="profile",
                    )
                )
    return problems


def worst(rags: Sequence[Rag | None]) -> Rag | None:
    """The worst colour among ``rags`` (Missing and None ignored)."""
    ranked = [rag for rag in rags if rag is not None and rag is not Rag.MISSING]
    return max(ranked, key=RAG_SEVERITY.__getitem__) if ranked else None
