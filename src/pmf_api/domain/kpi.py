"""What a KPI is: its polarity, unit, aggregation and precision, and the values submitted for it.

The vocabulary follows the Data Quality Template and KPI governance of seed
001_ec6bae7b38cacc6f.txt (Appendices B.2 and C).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from pmf_api.domain.errors import InvalidValue
from pmf_api.domain.periods import Frequency, Period


class Polarity(StrEnum):
    """Which way is better."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    WITHIN_BAND = "within_band"


class Aggregation(StrEnum):
    """How periods add up to a year to date.

    ``sum`` for counts and money, ``average`` for levels averaged over the months, ``latest`` for
    snapshots (the YTD figure is the latest value), ``ratio`` for a numerator over a denominator
    (the YTD figure is the ratio of the sums, never an average of the monthly percentages).
    """

    SUM = "sum"
    AVERAGE = "average"
    LATEST = "latest"
    RATIO = "ratio"


class Unit(StrEnum):
    COUNT = "count"
    PERCENTAGE = "percentage"
    CURRENCY = "currency"
    DAYS = "days"
    RATIO = "ratio"
    NUMBER = "number"
    RATE = "rate"
    SCORE = "score"
    TIME = "time"
    WEEKS = "weeks"
    HOURS = "hours"


class TargetType(StrEnum):
    """How a year's target was set (seed 001_ec6bae7b38cacc6f.txt, C.1.2)."""

    GROWTH = "growth"
    MAINTAIN = "maintain"
    REDUCTION = "reduction"


class ToleranceKind(StrEnum):
    """How the tolerance between Amber and Red is expressed."""

    INTERVENTION_LEVEL = "intervention_level"
    ABSOLUTE = "absolute"
    PERCENTAGE = "percentage"


@dataclass(frozen=True, slots=True)
class KpiDefinition:
    """The parts of a KPI's definition that the rules need.

    ``ratio_scale`` multiplies numerator/denominator (100 for a percentage KPI, 1 otherwise;
    ``None`` picks 100 when the unit is a percentage). ``rag_on_ytd`` chooses whether RAG,
    forecast comparisons and escalation judge the year-to-date figure (``True``) or the period's
    own value (``False``); ``None`` means the council's usual practice: YTD for cumulative ``sum``
    KPIs, the period's value otherwise.
    """

    code: str
    polarity: Polarity
    unit: Unit = Unit.NUMBER
    frequency: Frequency = Frequency.MONTHLY
    aggregation: Aggregation = Aggregation.SUM
    decimal_places: int = 0
    ratio_scale: Decimal | None = None
    rag_on_ytd: bool | None = None
    title: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.decimal_places <= 10:
            raise InvalidValue(
                f"Decimal places must be between 0 and 10, not {self.decimal_places}.", field="decimal_places"
            )

    @property
    def scale(self) -> Decimal:
        """The multiplier applied to numerator/denominator."""
        if self.ratio_scale is not None:
            return self.ratio_scale
        return Decimal(100) if self.unit is Unit.PERCENTAGE else Decimal(1)

    @property
    def is_cumulative(self) -> bool:
        """Whether the year-to-date figure, not the period's value, is judged against the target."""
        if self.rag_on_ytd is not None:
            return self.rag_on_ytd
        return self.aggregation is Aggregation.SUM


HUNDRED = Decimal(100)
# The units a numerator over a denominator can be reported in
RATIO_UNITS = frozenset({Unit.PERCENTAGE, Unit.RATIO, Unit.RATE})


def definition_problems(
    *,
    unit: Unit | None,
    aggregation: Aggregation | None,
    expected_min: Decimal | None = None,
    expected_max: Decimal | None = None,
    owner: object | None = None,
    backup_owner: object | None = None,
) -> list[InvalidValue]:
    """Every rule across a KPI definition's fields that it breaks, each naming its field.

    The expected range (values outside it are flagged on submission) runs from low to high and, for
    a percentage, within 0-100; the backup owner covers for the owner, so is someone else (seed
    001_ec6bae7b38cacc6f.txt, B.2: a named owner and a deputy); numerator/denominator reporting is
    for percentages, ratios and rates.
    """
    problems: list[InvalidValue] = []
    if expected_min is not None and expected_max is not None and expected_min > expected_max:
        problems.append(
            InvalidValue(
                f"The expected minimum {expected_min} is above the maximum {expected_max}", field="expected_min"
            )
        )
    if unit is Unit.PERCENTAGE:
        for name, figure in (("expected_min", expected_min), ("expected_max", expected_max)):
            if figure is not None and not 0 <= figure <= HUNDRED:
                problems.append(InvalidValue(f"A percentage lies between 0 and 100, not {figure}", field=name))
    if owner is not None and owner == backup_owner:
        problems.append(InvalidValue("The backup owner must be someone other than the owner", field="backup_owner_id"))
    if aggregation is Aggregation.RATIO and unit is not None and unit not in RATIO_UNITS:
        problems.append(
            InvalidValue("Numerator/denominator aggregation is for percentages, ratios and rates", field="aggregation")
        )
    return problems


# How a KPI is judged: targets are set and values reported in these terms.
REDEFINING_FIELDS = ("polarity", "unit", "aggregation", "frequency")


def redefinition_problems(
    code: str, changes: Mapping[str, tuple[object, object]], *, has_targets: bool, has_values: bool
) -> list[InvalidValue]:
    """Changes (field -> (current, requested)) to how a KPI is judged that its history forbids.

    Targets were set, and values reported, for the KPI as it is defined: judged the other way (a
    lower-is-better KPI with a higher-is-better intervention level, monthly values of a quarterly
    KPI) they would give wrong RAGs without any error. KPIs are reviewed once a year, and a new or
    changed one gets its Data Quality Template and targets for the coming year (seed
    001_ec6bae7b38cacc6f.txt, C.1): a KPI with history keeps its definition, and a new KPI takes
    the new one. Titles, owners, labels, precision and the rest stay editable.
    """
    if not (has_targets or has_values):
        return []
    recorded = " and ".join(name for name, held in (("targets", has_targets), ("values", has_values)) if held)
    return [
        InvalidValue(
            f"{code} has {recorded} recorded as {field} {current}; changing it to {requested} would judge them "
            "wrongly. Archive this KPI and define a new one for the new definition",
            field=field,
        )
        for field in REDEFINING_FIELDS
        if field in changes
        for current, requested in [changes[field]]
        if current != requested
    ]


@dataclass(frozen=True, slots=True)
class Observation:
    """One submitted value of a KPI for a period.

    ``value`` is the figure as reported; for ratio KPIs give ``numerator`` and ``denominator``
    (``value`` is then derived when omitted). ``owner_forecast`` is the owner's year-end forecast
    (seed 001_ec6bae7b38cacc6f.txt, Appendix E.1).
    """

    period: Period
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    comment: str = ""
    owner_forecast: Decimal | None = None

    def measured(self, scale: Decimal = Decimal(1)) -> Decimal | None:
        """The value, or numerator/denominator times ``scale`` when only those were given."""
        if self.value is not None:
            return self.value
        if self.numerator is not None and self.denominator:
            return self.numerator / self.denominator * scale
        return None
