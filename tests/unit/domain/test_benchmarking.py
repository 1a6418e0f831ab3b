"""Benchmarking rules (seed 003_2a403038ecab8362.txt, benchmarking with LG Inform and nearest
neighbours): rank with shared ties by polarity, Excel's QUARTILE.INC, the quartile, the best
quartile's threshold and the distance to it; tables worked out by hand and properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain.benchmarking import Better, in_words, ordinal, position, quartile_inc, rank
from pmf_api.domain.errors import InvalidValue


def d(*numbers: float | str) -> list[Decimal]:
    return [Decimal(str(n)) for n in numbers]


@pytest.mark.parametrize(
    ("values", "k", "expected"),
    [
        # Excel: QUARTILE.INC({1,2,3,4}, 1) = 1.75, 2 = 2.5, 3 = 3.25
        (d(1, 2, 3, 4), 0, "1"),
        (d(1, 2, 3, 4), 1, "1.75"),
        (d(4, 3, 2, 1), 2, "2.5"),
        (d(1, 2, 3, 4), 3, "3.25"),
        (d(1, 2, 3, 4), 4, "4"),
        (d(7), 1, "7"),
        (d(1, 2, 3, 4, 5), 1, "2"),  # a position that falls on a value
        (d(10, 20, 30, 40, 50, 60), 3, "47.5"),
    ],
)
def test_quartile_inc_matches_excel(values: list[Decimal], k: int, expected: str) -> None:
    assert quartile_inc(values, k) == Decimal(expected)


@pytest.mark.parametrize(("values", "k"), [([], 1), (d(1, 2), 5), (d(1, 2), -1)])
def test_quartile_inc_refuses_no_values_or_a_quartile_beyond_0_to_4(values: list[Decimal], k: int) -> None:
    with pytest.raises(InvalidValue):
        quartile_inc(values, k)


@pytest.mark.parametrize(
    ("ours", "values", "better", "expected"),
    [
        ("80", d(90, 80, 80, 70), Better.HIGHER, 2),  # ties share the best rank: 1, 2, 2, 4
        ("70", d(90, 80, 80, 70), Better.HIGHER, 4),
        ("90", d(90, 80, 80, 70), Better.HIGHER, 1),
        ("80", d(90, 80, 80, 70), Better.LOWER, 2),
        ("70", d(90, 80, 80, 70), Better.LOWER, 1),
    ],
)
def test_rank_shares_ties_and_follows_polarity(ours: str, values: list[Decimal], better: Better, expected: int) -> None:
    assert rank(Decimal(ours), values, better) == expected


# 15 nearest neighbours valued 1..15 (ours makes 16)
N = d(*range(1, 16))


@pytest.mark.parametrize(
    ("ours", "others", "better", "rank_", "quartile", "median", "best", "distance"),
    [
        # ours 16 among 1..15: Q1 = 4.75, median 8.5, Q3 = 12.25
        ("16", N, Better.HIGHER, 1, 1, "8.5", "12.25", "0"),
        ("10", N, Better.HIGHER, 6, 2, "8.5", "11.25", "1.25"),  # 10 twice: Q3 = 11 + 0.25 * (12 - 11)
        ("4.5", N, Better.HIGHER, 12, 3, "7.5", "11.25", "6.75"),  # Q1 = 4 + 0.75 * (4.5 - 4) = 4.375
        ("6", d(1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16), Better.HIGHER, 11, 3, "8.5", "12.25", "6.25"),
        # lower is better: the best quartile is the lower quartile point
        ("3", N, Better.LOWER, 3, 1, "7.5", "3.75", "0"),
        ("6", N, Better.LOWER, 6, 2, "7.5", "4.75", "1.25"),
        ("10", N, Better.LOWER, 10, 3, "8.5", "4.75", "5.25"),
        ("15.5", N, Better.LOWER, 16, 4, "8.5", "4.75", "10.75"),
        # alone: first of one, top quartile
        ("42", [], Better.HIGHER, 1, 1, "42", "42", "0"),
    ],
)
def test_position_table(
    ours: str,
    others: list[Decimal],
    better: Better,
    rank_: int,
    quartile: int,
    median: str,
    best: str,
    distance: str,
) -> None:
    found = position(Decimal(ours), others, better)
    assert (found.rank, found.of, found.quartile) == (rank_, len(others) + 1, quartile)
    assert (found.median, found.best_quartile, found.distance_to_best_quartile) == (
        Decimal(median),
        Decimal(best),
        Decimal(distance),
    )


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (101, "101st"),
        (111, "111th"),
    ],
)
def test_ordinal(number: int, text: str) -> None:
    assert ordinal(number) == text


def test_in_words() -> None:
    found = position(Decimal("14.5"), N, Better.HIGHER)
    assert in_words(found, "nearest neighbours") == "2nd of 16 nearest neighbours, top quartile"
    assert in_words(position(Decimal(0), N, Better.HIGHER), "councils") == "16th of 16 councils, bottom quartile"
    assert in_words(position(Decimal(6), N, Better.LOWER), "councils") == "6th of 16 councils, second quartile"
    assert in_words(position(Decimal(10), N, Better.LOWER), "councils") == "10th of 16 councils, third quartile"


values_ = st.lists(st.integers(min_value=-1000, max_value=1000).map(Decimal), min_size=0, max_size=30)
betters = st.sampled_from(list(Better))


@given(st.integers(-1000, 1000).map(Decimal), values_, betters)
def test_properties_of_a_position(ours: Decimal, others: list[Decimal], better: Better) -> None:
    found = position(ours, others, better)
    assert 1 <= found.rank <= found.of == len(others) + 1
    assert 1 <= found.quartile <= 4
    assert found.distance_to_best_quartile >= 0
    # in the best quartile exactly when there is no distance to go
    assert (found.quartile == 1) == (found.distance_to_best_quartile == 0)
    # the best value ranks first; equal values rank alike
    everything = [ours, *others]
    best = max(everything) if better is Better.HIGHER else min(everything)
    assert (found.rank == 1) == (ours == best)
    for other in others:
        if other == ours:
            assert rank(other, everything, better) == found.rank
    # the quartile points lie within the values, in order
    assert min(everything) <= quartile_inc(everything, 1) <= found.median <= quartile_inc(everything, 3)


@given(values_, betters, st.integers(-1000, 1000).map(Decimal), st.integers(1, 500).map(Decimal))
def test_a_better_value_never_ranks_or_places_worse(
    others: list[Decimal], better: Better, ours: Decimal, step: Decimal
) -> None:
    improved = ours + step if better is Better.HIGHER else ours - step
    before, after = position(ours, others, better), position(improved, others, better)
    assert after.rank <= before.rank
    # the thresholds move with our own value, but never against it: no worse quartile
    assert after.quartile <= before.quartile


@given(values_.filter(bool), st.integers(0, 4))
def test_quartile_inc_does_not_depend_on_order(values: list[Decimal], k: int) -> None:
    assert quartile_inc(values, k) == quartile_inc(list(reversed(values)), k)
    assert min(values) <= quartile_inc(values, k) <= max(values)
