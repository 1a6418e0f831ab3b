"""Where a council stands among its comparators on one measure and period.

Seed 003_2a403038ecab8362.txt (Appendix A, "Benchmarking") compares the council's indicators with
its nearest neighbours through LG Inform; seed 002_100bfcfd0ab8e4e8.txt benchmarks "against
similar councils"; seed 001_ec6bae7b38cacc6f.txt reports against the national framework (Oflog,
closed in December 2024, so LG Inform and the CIPFA nearest neighbours remain). The figures are the
ones a performance officer works out in a spreadsheet, so they are Excel's:

* rank: 1 is the best; councils with the same value share the best rank of their tie (1, 2, 2, 4),
  best by the measure's polarity (higher or lower is better);
* the quartile points are Excel's ``QUARTILE.INC`` (linear interpolation between the ordered
  values at position ``(n - 1) * k / 4``); the median is the second;
* the best-quartile threshold is the upper quartile point when higher is better, the lower one when
  lower is better; quartile 1 (the best) is at or beyond it, then the median, then the other
  quartile point, else quartile 4;
* the distance to the best quartile is how far the value must move, in the better direction, to
  reach the threshold: 0 once it is there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from pmf_api.domain.errors import InvalidValue


class Better(StrEnum):
    """Which way is better for a benchmarked measure."""

    HIGHER = "higher"
    LOWER = "lower"


@dataclass(frozen=True)
class Position:
    rank: int  # 1 = best; ties share the best rank of their tie
    of: int  # how many values were compared, ours included
    quartile: int  # 1 = the best quartile
    median: Decimal
    best_quartile: Decimal  # the threshold of the best quartile (QUARTILE.INC)
    distance_to_best_quartile: Decimal  # how far to move, in the better direction, to reach it; 0 there


def quartile_inc(values: Sequence[Decimal], k: int) -> Decimal:
    """Excel's ``QUARTILE.INC(values, k)`` for k in 0..4."""
    if not values:
        raise InvalidValue("There are no values to take a quartile of")
    if not 0 <= k <= 4:
        raise InvalidValue(f"A quartile is 0 to 4, not {k}")
    ordered = sorted(values)
    position = Decimal(len(ordered) - 1) * k / 4
    below = int(position)
    fraction = position - below
    if fraction == 0:
        return ordered[below]
    return ordered[below] + (ordered[below + 1] - ordered[below]) * fraction


def rank(ours: Decimal, values: Sequence[Decimal], better: Better) -> int:
    """1 + how many of ``values`` are strictly better than ``ours`` (ties share the best rank)."""
    if better is Better.HIGHER:
        return 1 + sum(1 for value in values if value > ours)
    return 1 + sum(1 for value in values if value < ours)


def _at_least_as_good(value: Decimal, point: Decimal, better: Better) -> bool:
    return value >= point if better is Better.HIGHER else value <= point


def position(ours: Decimal, others: Sequence[Decimal], better: Better) -> Position:
    """Our position among ``others`` (the comparators' values, ours not among them)."""
    values = [ours, *others]
    lower, median, upper = (quartile_inc(values, k) for k in (1, 2, 3))
    best, worst = (upper, lower) if better is Better.HIGHER else (lower, upper)
    if _at_least_as_good(ours, best, better):
        quartile = 1
    elif _at_least_as_good(ours, median, better):
        quartile = 2
    elif _at_least_as_good(ours, worst, better):
        quartile = 3
    else:
        quartile = 4
    distance = max(Decimal(0), best - ours if better is Better.HIGHER else ours - best)
    return Position(
        rank=rank(ours, values, better),
        of=len(values),
        quartile=quartile,
        median=median,
        best_quartile=best,
        distance_to_best_quartile=distance,
    )


_ORDINAL_SUFFIXES = {1: "st", 2: "nd", 3: "rd"}
_QUARTILE_WORDS = {1: "top quartile", 2: "second quartile", 3: "third quartile", 4: "bottom quartile"}


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 22nd."""
    suffix = "th" if 10 <= number % 100 <= 20 else _ORDINAL_SUFFIXES.get(number % 10, "th")
    return f"{number}{suffix}"


def in_words(found: Position, group: str) -> str:
    """``2nd of 16 nearest neighbours, top quartile``: ``group`` names the comparators in the plural."""
    return f"{ordinal(found.rank)} of {found.of} {group}, {_QUARTILE_WORDS[found.quartile]}"
