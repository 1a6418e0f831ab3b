"""Rules across a KPI definition's fields: worked cases and properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain.kpi import RATIO_UNITS, Aggregation, Unit, definition_problems
from tests.unit.domain.builders import d


@pytest.mark.parametrize(
    ("given_fields", "fields"),
    [
        ({"unit": Unit.PERCENTAGE, "aggregation": Aggregation.RATIO}, []),
        ({"unit": Unit.COUNT, "aggregation": Aggregation.SUM, "expected_min": d(0), "expected_max": d(900)}, []),
        ({"unit": Unit.COUNT, "aggregation": Aggregation.SUM, "expected_min": d(10), "expected_max": d(9)},
         ["expected_min"]),
        ({"unit": Unit.PERCENTAGE, "aggregation": Aggregation.AVERAGE, "expected_max": d(140)}, ["expected_max"]),
        ({"unit": Unit.PERCENTAGE, "aggregation": Aggregation.AVERAGE, "expected_min": d(-1), "expected_max": d(101)},
         ["expected_min", "expected_max"]),
        ({"unit": Unit.DAYS, "aggregation": Aggregation.RATIO}, ["aggregation"]),
        ({"unit": Unit.RATE, "aggregation": Aggregation.RATIO, "owner": "pat", "backup_owner": "pat"},
         ["backup_owner_id"]),
        ({"unit": Unit.RATE, "aggregation": Aggregation.RATIO, "owner": "pat", "backup_owner": "sam"}, []),
        ({"unit": None, "aggregation": Aggregation.RATIO, "owner": None, "backup_owner": None}, []),
        ({"unit": Unit.PERCENTAGE, "aggregation": Aggregation.LATEST, "expected_min": d(80), "expected_max": d(20)},
         ["expected_min"]),
    ],
)  # fmt: skip
def test_worked_cases(given_fields: dict[str, object], fields: list[str]) -> None:
    assert [problem.field for problem in definition_problems(**given_fields)] == fields  # type: ignore[arg-type]


figures = st.none() | st.decimals(min_value=-1000, max_value=1000, places=2)


@given(
    unit=st.sampled_from(Unit),
    aggregation=st.sampled_from(Aggregation),
    low=figures,
    high=figures,
    owner=st.none() | st.sampled_from(["pat", "sam"]),
    backup=st.none() | st.sampled_from(["pat", "sam"]),
)
def test_each_rule_is_reported_exactly_when_broken(
    unit: Unit,
    aggregation: Aggregation,
    low: Decimal | None,
    high: Decimal | None,
    owner: str | None,
    backup: str | None,
) -> None:
    problems = definition_problems(
        unit=unit, aggregation=aggregation, expected_min=low, expected_max=high, owner=owner, backup_owner=backup
    )
    fields = [problem.field for problem in problems]
    out_of_percent = {
        name
        for name, figure in (("expected_min", low), ("expected_max", high))
        if unit is Unit.PERCENTAGE and figure is not None and not Decimal(0) <= figure <= Decimal(100)
    }
    inverted = low is not None and high is not None and low > high
    assert fields.count("expected_min") == int(inverted) + int("expected_min" in out_of_percent)
    assert fields.count("expected_max") == int("expected_max" in out_of_percent)
    assert ("backup_owner_id" in fields) == (owner is not None and owner == backup)
    assert ("aggregation" in fields) == (aggregation is Aggregation.RATIO and unit not in RATIO_UNITS)
    assert all(problem.message for problem in problems)
