"""Direction of travel: is a KPI getting better or worse?

A value is compared with the previous period's and with the same period last year, at the KPI's
display precision (so 95.04 and 94.96 shown as 95.0 are *unchanged*), judged by polarity: higher is
better, lower is better, or - for a band - closer to the band is better (two values both inside the
band are unchanged). Without both values, or without a band for a within-band KPI, the direction is
*not comparable*. Contextual outcome measures, which have no target, are judged by this alone
(seed 000_a1d4643dc9bd64fe.txt and seed 001_ec6bae7b38cacc6f.txt: "presented against our preferred
direction of travel").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from pmf_api.domain.kpi import Polarity
from pmf_api.domain.rag import quantum

_ZERO = Decimal(0)


class Direction(StrEnum):
    IMPROVING = "improving"
    WORSENING = "worsening"
    UNCHANGED = "unchanged"
    NOT_COMPARABLE = "not_comparable"


@dataclass(frozen=True, slots=True)
class DirectionOfTravel:
    against_previous: Direction
    against_last_year: Direction


def _distance_from_band(value: Decimal, band_lower: Decimal, band_upper: Decimal) -> Decimal:
    if value < band_lower:
        return band_lower - value
    if value > band_upper:
        return value - band_upper
    return _ZERO


def direction_of_travel(
    current: Decimal | None,
    previous: Decimal | None,
    *,
    polarity: Polarity,
    decimal_places: int,
    band_lower: Decimal | None = None,
    band_upper: Decimal | None = None,
) -> Direction:
    """Whether ``current`` is better, worse or the same as ``previous`` for this polarity."""
    if current is None or previous is None:
        return Direction.NOT_COMPARABLE
    step = quantum(decimal_places)
    now = current.quantize(step, ROUND_HALF_UP)
    before = previous.quantize(step, ROUND_HALF_UP)
    if polarity is Polarity.WITHIN_BAND:
        if band_lower is None or band_upper is None:
            return Direction.NOT_COMPARABLE
        # Closer to the band is better: compare distances, so lower distance plays "lower is better".
        now = _distance_from_band(now, band_lower, band_upper)
        before = _distance_from_band(before, band_lower, band_upper)
        polarity = Polarity.LOWER_IS_BETTER
    if now == before:
        return Direction.UNCHANGED
    better = now > before if polarity is Polarity.HIGHER_IS_BETTER else now < before
    return Direction.IMPROVING if better else Direction.WORSENING
