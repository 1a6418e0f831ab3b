"""How a period's figures are given: worked cases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pmf_api.domain import Aggregation, KpiDefinition, Polarity, Unit
from pmf_api.domain.figures import figure_problems, measured_value, missing_figure
from tests.unit.domain.builders import d

RATIO = KpiDefinition("PL01", Polarity.HIGHER_IS_BETTER, unit=Unit.PERCENTAGE, aggregation=Aggregation.RATIO)
COUNT = KpiDefinition("WS04", Polarity.LOWER_IS_BETTER, unit=Unit.COUNT, aggregation=Aggregation.SUM)


def figures(
    value: int | None = None, numerator: int | None = None, denominator: int | None = None
) -> dict[str, Decimal | None]:
    return {
        "value": None if value is None else d(value),
        "numerator": None if numerator is None else d(numerator),
        "denominator": None if denominator is None else d(denominator),
    }


@pytest.mark.parametrize(
    ("definition", "given", "fields"),
    [
        (RATIO, figures(numerator=4, denominator=5), []),
        (RATIO, figures(numerator=0, denominator=0), []),
        (RATIO, figures(), []),
        (RATIO, figures(value=80), ["value"]),
        (RATIO, figures(numerator=4), ["denominator"]),
        (RATIO, figures(denominator=5), ["numerator"]),
        (RATIO, figures(numerator=4, denominator=-5), ["denominator"]),
        (RATIO, figures(value=1, numerator=4), ["value", "denominator"]),
        (COUNT, figures(value=12), []),
        (COUNT, figures(), []),
        (COUNT, figures(value=12, numerator=1), ["numerator"]),
        (COUNT, figures(denominator=1), ["denominator"]),
    ],
)
def test_figure_problems(definition: KpiDefinition, given: dict[str, Decimal | None], fields: list[str]) -> None:
    problems = figure_problems(definition, **given)
    assert [p.field for p in problems] == fields
    assert all(p.message for p in problems)


@pytest.mark.parametrize(
    ("definition", "given", "field"),
    [
        (RATIO, figures(numerator=4, denominator=5), None),
        (RATIO, figures(numerator=0, denominator=0), None),
        (RATIO, figures(), "numerator"),
        (RATIO, figures(numerator=4), "denominator"),
        (COUNT, figures(value=0), None),
        (COUNT, figures(), "value"),
    ],
)
def test_missing_figure(definition: KpiDefinition, given: dict[str, Decimal | None], field: str | None) -> None:
    missing = missing_figure(definition, **given)
    assert (None if missing is None else missing.field) == field


@pytest.mark.parametrize(
    ("definition", "given", "expected"),
    [
        (RATIO, figures(numerator=1, denominator=3), Decimal("33.333333")),
        (RATIO, figures(numerator=2, denominator=3), Decimal("66.666667")),
        (RATIO, figures(numerator=0, denominator=0), None),
        (RATIO, figures(numerator=4), None),
        (COUNT, figures(value=12), d(12)),
        (COUNT, figures(), None),
    ],
)
def test_measured_value(definition: KpiDefinition, given: dict[str, Decimal | None], expected: Decimal | None) -> None:
    assert measured_value(definition, **given, decimal_places=6) == expected
