"""The annual cycle of targets: rolling forward to next year, and the six-monthly stretch review.

Seed 001_ec6bae7b38cacc6f.txt (C.1.2): "the methodology changes depending on the context of the KPI,
where it may be a growth KPI, setting the KPI to be previous year plus some percentage, a maintain KPI
to keep the target the same, or a reduction KPI where the target is reduced from the previous year".
Seed 000_a1d4643dc9bd64fe.txt: "targets should reflect trends in historic performance, including
seasonality". Seed 001 (C.1): "targets are assessed and stretched, where possible, every six months".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from pmf_api.domain.errors import InvalidTarget
from pmf_api.domain.kpi import Polarity, TargetType, Unit
from pmf_api.domain.rag import round_half_up

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
STRETCH_PERIODS_MONTHLY = 6


def proposed_annual_target(
    target_type: TargetType,
    outturn: Decimal,
    percentage: Decimal,
    *,
    unit: Unit,
    decimal_places: int,
) -> Decimal:
    """Next year's annual target from last year's outturn: growth adds ``percentage`` per cent,
    reduction takes it off, maintain keeps the outturn. A percentage KPI stays within 0-100."""
    if percentage < 0:
        raise InvalidTarget("The percentage is a size of change: give it as zero or more", field="percentage")
    factor = {
        TargetType.GROWTH: 1 + percentage / _HUNDRED,
        TargetType.MAINTAIN: Decimal(1),
        TargetType.REDUCTION: 1 - percentage / _HUNDRED,
    }[target_type]
    proposed = round_half_up(outturn * factor, decimal_places)
    if unit is Unit.PERCENTAGE:
        proposed = min(max(proposed, _ZERO), _HUNDRED)
    return proposed


def seasonal_shares(years: Mapping[str, Sequence[Decimal | None]], periods: int) -> tuple[Decimal, ...] | None:
    """Each period's share of its year, averaged over the complete earlier ``years`` (financial
    year -> the values of its ``periods`` periods, in order). None when no year is complete and
    positive in total (nothing to learn a season from): the shares then are even. They add up to 1.
    """
    complete: list[list[Decimal]] = [
        [v for v in values if v is not None]
        for values in years.values()
        if len(values) == periods and all(v is not None for v in values)
    ]
    usable = [values for values in complete if sum(values, _ZERO) > 0 and all(v >= 0 for v in values)]
    if not usable:
        return None
    totals = [sum(values, _ZERO) for values in usable]
    count = Decimal(len(usable))
    shares = [
        sum((values[i] / total for values, total in zip(usable, totals, strict=True)), _ZERO) / count
        for i in range(periods)
    ]
    total = sum(shares, _ZERO)
    return tuple(share / total for share in shares)


def profile_from_shares(
    annual_target: Decimal, shares: Sequence[Decimal] | None, periods: int, decimal_places: int
) -> tuple[Decimal, ...]:
    """Per-period targets of a cumulative KPI that add up to ``annual_target`` exactly: the running
    total is rounded to the KPI's decimal places and each period takes the step, so rounding is
    spread over the year rather than left to the last period."""
    if periods < 1:
        raise InvalidTarget("A profile has at least one period", field="profile")
    used = list(shares) if shares is not None else [Decimal(1) / periods] * periods
    profile: list[Decimal] = []
    running, before = _ZERO, _ZERO
    for index, share in enumerate(used):
        running += share
        to_date = annual_target if index == periods - 1 else round_half_up(annual_target * running, decimal_places)
        profile.append(to_date - before)
        before = to_date
    return tuple(profile)


@dataclass(frozen=True)
class PeriodAgainstTarget:
    """A period of the stretch review: its value and the target it was judged against."""

    period: str
    value: Decimal | None
    target: Decimal | None


@dataclass(frozen=True)
class StretchSuggestion:
    """A KPI beat its target in every one of the reviewed periods: a stretched annual target."""

    beaten: bool
    average_margin: Decimal | None
    suggested_annual_target: Decimal | None


def beats(value: Decimal, target: Decimal, polarity: Polarity) -> bool:
    """Whether ``value`` is better than ``target`` (strictly)."""
    if polarity is Polarity.HIGHER_IS_BETTER:
        return value > target
    if polarity is Polarity.LOWER_IS_BETTER:
        return value < target
    return False  # within a band there is no "better than target" to stretch


def stretch_suggestion(
    periods: Sequence[PeriodAgainstTarget],
    *,
    polarity: Polarity,
    annual_target: Decimal | None,
    cumulative: bool,
    unit: Unit,
    decimal_places: int,
    required: int,
) -> StretchSuggestion:
    """Whether the KPI consistently beat its target (all of the last ``required`` periods have a value
    and a target and the value is better), and if so a stretched annual target: for a cumulative KPI
    the target scaled by how far the periods' total beat theirs; otherwise the target moved by the
    average margin. A percentage stays within 0-100; a stretch never makes the target easier."""
    recent = list(periods)[-required:] if required > 0 else []
    pairs = [(p.value, p.target) for p in recent if p.value is not None and p.target is not None]
    beaten = (
        required > 0
        and len(recent) == required
        and len(pairs) == required
        and all(beats(value, target, polarity) for value, target in pairs)
    )
    if not beaten or annual_target is None:
        return StretchSuggestion(beaten, None, None)
    margin = sum((value - target for value, target in pairs), _ZERO) / len(pairs)
    if cumulative:
        achieved = sum((value for value, _ in pairs), _ZERO)
        planned = sum((target for _, target in pairs), _ZERO)
        suggested = annual_target * achieved / planned if planned != 0 else annual_target + margin * len(pairs)
    else:
        suggested = annual_target + margin
    suggested = round_half_up(suggested, decimal_places)
    if unit is Unit.PERCENTAGE:
        suggested = min(max(suggested, _ZERO), _HUNDRED)
    easier = suggested < annual_target if polarity is Polarity.HIGHER_IS_BETTER else suggested > annual_target
    if easier:
        suggested = annual_target
    return StretchSuggestion(True, round_half_up(margin, decimal_places + 2), suggested)
