"""Which revision of a year's target applies in a period: worked cases and a property."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain import FinancialYear, Period
from pmf_api.domain.rag import revision_in_force

YEAR = FinancialYear(2026)


@dataclass(frozen=True)
class Revision:
    number: int
    effective_from: str


def test_a_mid_year_stretch_applies_from_its_period_on() -> None:
    original, stretch = Revision(1, "2026/27 P1"), Revision(2, "2026/27 P7")
    revisions = [original, stretch]
    assert revision_in_force(revisions, Period.month(YEAR, 6)) is original
    assert revision_in_force(revisions, Period.month(YEAR, 7)) is stretch
    assert revision_in_force(revisions, Period.month(YEAR, 12)) is stretch
    # A quarter judges at its end: Q3 ends in P9, after the stretch took effect
    assert revision_in_force(revisions, Period.parse("2026/27 Q2")) is original
    assert revision_in_force(revisions, Period.parse("2026/27 Q3")) is stretch
    assert revision_in_force([stretch], Period.month(YEAR, 3)) is None
    assert revision_in_force([], Period.month(YEAR, 3)) is None


def test_a_later_revision_wins_over_an_earlier_one_effective_at_the_same_time() -> None:
    first, correction = Revision(1, "2026/27 P1"), Revision(2, "2026/27 P1")
    assert revision_in_force([correction, first], Period.month(YEAR, 1)) is correction


@given(
    effective=st.lists(st.integers(min_value=1, max_value=12), max_size=6),
    month=st.integers(min_value=1, max_value=12),
)
def test_the_revision_in_force_is_the_highest_numbered_that_took_effect(effective: list[int], month: int) -> None:
    revisions = [Revision(n + 1, f"2026/27 P{m}") for n, m in enumerate(effective)]
    chosen = revision_in_force(revisions, Period.month(YEAR, month))
    took_effect = [r for r, m in zip(revisions, effective, strict=True) if m <= month]
    assert chosen == (max(took_effect, key=lambda r: r.number) if took_effect else None)
