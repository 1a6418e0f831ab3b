"""How a period's figures are given, before any sense-check.

A ratio KPI (``Aggregation.RATIO``) is reported as a numerator and a denominator and its value is
derived; any other KPI as a single value. 0 of 0 is a period with nothing to count (no planning
applications this month): it is recorded, with no value and so no RAG.
"""

from __future__ import annotations

from decimal import Decimal

from pmf_api.domain.errors import InvalidValue
from pmf_api.domain.kpi import Aggregation, KpiDefinition


def figure_problems(
    definition: KpiDefinition,
    *,
    value: Decimal | None,
    numerator: Decimal | None,
    denominator: Decimal | None,
) -> list[InvalidValue]:
    """Every way the figures do not fit how the KPI is reported, each naming its field."""
    problems: list[InvalidValue] = []
    if definition.aggregation is Aggregation.RATIO:
        if value is not None:
            problems.append(
                InvalidValue(
                    f"{definition.code} is reported as a numerator and a denominator; send those instead",
                    field="value",
                )
            )
        if (numerator is None) != (denominator is None):
            missing = "denominator" if denominator is None else "numerator"
            problems.append(InvalidValue("A ratio needs both its numerator and its denominator", field=missing))
        if denominator is not None and denominator < 0:
            problems.append(InvalidValue("A denominator cannot be negative", field="denominator"))
    elif numerator is not None or denominator is not None:
        name = "numerator" if numerator is not None else "denominator"
        problems.append(InvalidValue(f"{definition.code} is reported as a single value; send `value`", field=name))
    return problems


def missing_figure(
    definition: KpiDefinition,
    *,
    value: Decimal | None,
    numerator: Decimal | None,
    denominator: Decimal | None,
) -> InvalidValue | None:
    """What is still needed before the figures can be submitted (None when nothing is)."""
    if definition.aggregation is Aggregation.RATIO:
        missing = [name for name, figure in (("numerator", numerator), ("denominator", denominator)) if figure is None]
        if missing:
            return InvalidValue(
                "The numerator and denominator are needed before the submission is submitted", field=missing[0]
            )
        return None
    if value is None:
        return InvalidValue("A value is needed before the submission can be submitted", field="value")
    return None


def measured_value(
    definition: KpiDefinition,
    *,
    value: Decimal | None,
    numerator: Decimal | None,
    denominator: Decimal | None,
    decimal_places: int,
) -> Decimal | None:
    """The period's value: as given, or numerator / denominator (x 100 for a percentage) at
    ``decimal_places`` (the precision values are stored at), so the same figures always give
    the same value; None for 0 of 0."""
    if definition.aggregation is not Aggregation.RATIO:
        return value
    if numerator is None or not denominator:
        return None
    return (numerator / denominator * definition.scale).quantize(Decimal(1).scaleb(-decimal_places))
