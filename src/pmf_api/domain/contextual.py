"""Contextual outcome measures' values: no target and no RAG, only a direction of travel.

A contextual measure (population, median pay, life expectancy) is published by someone else (ONS,
say) once a year or so, and is "presented against our preferred direction of travel" (seed
000_a1d4643dc9bd64fe.txt; seed 001_ec6bae7b38cacc6f.txt). A value is for a whole period of the
measure's frequency that has ended, published on a day that has come; its direction is judged
against the previous period's value and, for a measure reported more often than yearly, against the
same period last year (for an annual measure the two are the same period).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pmf_api.domain.direction import DirectionOfTravel, direction_of_travel
from pmf_api.domain.errors import InvalidPeriod, InvalidValue
from pmf_api.domain.kpi import Polarity
from pmf_api.domain.periods import Frequency, Period

_EXAMPLES = {Frequency.MONTHLY: "2025/26 P3", Frequency.QUARTERLY: "2025/26 Q1", Frequency.ANNUAL: "2025/26"}


def value_problems(
    period: Period, published_on: date, *, frequency: Frequency, as_of: date, start_month: int
) -> list[InvalidValue]:
    """What is wrong with a value for ``period`` published on ``published_on``, known ``as_of``:
    a period of another frequency, a period that has not ended, a publication date to come."""
    problems = []
    if period.frequency is not frequency:
        problems.append(
            InvalidValue(
                f"The measure is reported {frequency.value}: give a period like {_EXAMPLES[frequency]}, not {period}.",
                field="period",
            )
        )
    elif period.end_date(start_month) >= as_of:
        problems.append(InvalidValue(f"{period} has not ended yet: it has no published value.", field="period"))
    if published_on > as_of:
        problems.append(
            InvalidValue(
                f"The publication date {published_on} is in the future (today is {as_of}).", field="published_on"
            )
        )
    return problems


@dataclass(frozen=True, slots=True)
class Comparisons:
    """The periods a value is compared with (None before the first year periods can name)."""

    previous: Period | None
    last_year: Period | None


def comparison_periods(period: Period) -> Comparisons:
    """The previous period and the same period last year (for an annual period, the same one)."""
    try:
        return Comparisons(period.previous(), period.same_period_last_year())
    except InvalidPeriod:
        return Comparisons(None, None)


def contextual_direction(
    current: Decimal,
    previous: Decimal | None,
    last_year: Decimal | None,
    *,
    preferred: Polarity,
    decimal_places: int,
) -> DirectionOfTravel:
    """The value's direction of travel against the measure's preferred direction."""
    return DirectionOfTravel(
        direction_of_travel(current, previous, polarity=preferred, decimal_places=decimal_places),
        direction_of_travel(current, last_year, polarity=preferred, decimal_places=decimal_places),
    )
