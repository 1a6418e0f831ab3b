"""Figures as shown (``display`` in status and the scorecard): the KPI's decimal places, half up,
exactly as the RAG rounds a value before comparing it (``domain.rag``)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain.kpi import Polarity
from pmf_api.domain.rag import Rag, rag_for
from pmf_api.performance.status.schemas import shown


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("87.36704", 1, "87.4"),
        ("85", 1, "85.0"),  # trailing zeros kept
        ("87.25", 1, "87.3"),  # half up, not half to even (87.2)
        ("87.35", 1, "87.4"),
        ("-2.5", 0, "-3"),  # away from zero
        ("0.045", 2, "0.05"),
        ("47.142857", 1, "47.1"),
        ("1E+3", 0, "1000"),  # never an exponent
        ("1E+3", 2, "1000.00"),
        ("0.0000001", 3, "0.000"),
        ("123456789.987654", 6, "123456789.987654"),
        ("9.99", 1, "10.0"),
        ("12", 0, "12"),
    ],
)
def test_shown(value: str, places: int, expected: str) -> None:
    assert shown(Decimal(value), places) == expected


def test_nothing_is_shown_as_nothing() -> None:
    assert shown(None, 1) is None


@given(
    value=st.decimals(min_value=-10_000, max_value=10_000, places=6, allow_nan=False, allow_infinity=False),
    target=st.decimals(min_value=-10_000, max_value=10_000, places=6, allow_nan=False, allow_infinity=False),
    places=st.integers(0, 4),
)
def test_the_rag_judges_what_is_shown(value: Decimal, target: Decimal, places: int) -> None:
    """Green exactly when the shown value is at or above the shown target (higher is better)."""
    rag = rag_for(value, polarity=Polarity.HIGHER_IS_BETTER, target=target, decimal_places=places)
    assert (rag is Rag.GREEN) is (Decimal(shown(value, places) or "") >= Decimal(shown(target, places) or ""))
