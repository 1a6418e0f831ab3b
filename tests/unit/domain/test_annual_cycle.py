"""The annual cycle: proposed targets, seasonal profiles and the stretch review (seed 001, C.1.2)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain.annual_cycle import (
    PeriodAgainstTarget,
    beats,
    profile_from_shares,
    proposed_annual_target,
    seasonal_shares,
    stretch_suggestion,
)
from pmf_api.domain.errors import InvalidTarget
from pmf_api.domain.kpi import Polarity, TargetType, Unit

D = Decimal
LOWER, PCT = Polarity.LOWER_IS_BETTER, Unit.PERCENTAGE


@pytest.mark.parametrize(
    ("target_type", "outturn", "percentage", "unit", "places", "expected"),
    [
        (TargetType.GROWTH, D(1200), D(5), Unit.COUNT, 0, D(1260)),
        (TargetType.MAINTAIN, D(1200), D(0), Unit.COUNT, 0, D(1200)),
        (TargetType.REDUCTION, D(40), D("2.5"), Unit.DAYS, 1, D("39.0")),
        (TargetType.GROWTH, D(98), D(5), Unit.PERCENTAGE, 1, D(100)),
        (TargetType.REDUCTION, D(10), D(150), Unit.PERCENTAGE, 0, D(0)),
        (TargetType.GROWTH, D("33.333"), D(10), Unit.NUMBER, 2, D("36.67")),
    ],
)
def test_next_years_target_by_target_type(
    target_type: TargetType, outturn: Decimal, percentage: Decimal, unit: Unit, places: int, expected: Decimal
) -> None:
    assert proposed_annual_target(target_type, outturn, percentage, unit=unit, decimal_places=places) == expected


def test_a_percentage_of_change_is_not_negative() -> None:
    with pytest.raises(InvalidTarget):
        proposed_annual_target(TargetType.GROWTH, D(10), D(-1), unit=Unit.COUNT, decimal_places=0)


def test_shares_come_from_complete_years_only() -> None:
    years = {
        "2024/25": [D(10), D(30)],
        "2023/24": [D(20), D(20)],
        "2022/23": [D(5), None],  # incomplete
        "2021/22": [D(0), D(0)],  # nothing to learn from
        "2020/21": [D(1)],  # another frequency
        "2019/20": [D(-5), D(10)],  # not counts
    }
    assert seasonal_shares(years, 2) == (D("0.375"), D("0.625"))
    assert seasonal_shares({"2022/23": [D(5), None]}, 2) is None


@given(
    st.lists(
        st.lists(st.decimals(min_value=0, max_value=10_000, places=2), min_size=12, max_size=12),
        min_size=1,
        max_size=3,
    )
)
def test_shares_add_up_to_one(years: list[list[Decimal]]) -> None:
    shares = seasonal_shares({f"Y{i}": list(values) for i, values in enumerate(years)}, 12)
    if shares is None:
        assert all(sum(values) == 0 for values in years)
        return
    assert abs(sum(shares) - 1) < D("1e-20")
    assert all(share >= 0 for share in shares)


@given(
    st.decimals(min_value=0, max_value=1_000_000, places=0),
    st.lists(st.decimals(min_value=0, max_value=100, places=2), min_size=12, max_size=12),
    st.integers(min_value=0, max_value=2),
)
def test_a_profile_adds_up_to_the_annual_target(annual: Decimal, weights: list[Decimal], places: int) -> None:
    total = sum(weights)
    shares = None if total == 0 else tuple(w / total for w in weights)
    profile = profile_from_shares(annual, shares, 12, places)
    assert len(profile) == 12
    assert sum(profile) == annual


def test_an_even_profile_without_history_and_a_profile_needs_periods() -> None:
    assert profile_from_shares(D(120), None, 4, 0) == (D(30), D(30), D(30), D(30))
    with pytest.raises(InvalidTarget):
        profile_from_shares(D(120), None, 0, 0)


@pytest.mark.parametrize(
    ("value", "target", "polarity", "better"),
    [
        (D(11), D(10), Polarity.HIGHER_IS_BETTER, True),
        (D(10), D(10), Polarity.HIGHER_IS_BETTER, False),
        (D(9), D(10), Polarity.LOWER_IS_BETTER, True),
        (D(11), D(10), Polarity.LOWER_IS_BETTER, False),
        (D(10), D(10), Polarity.WITHIN_BAND, False),
    ],
)
def test_what_beating_a_target_means(value: Decimal, target: Decimal, polarity: Polarity, better: bool) -> None:
    assert beats(value, target, polarity) is better


def _months(pairs: list[tuple[int | None, int | None]]) -> list[PeriodAgainstTarget]:
    return [
        PeriodAgainstTarget(f"P{i}", None if v is None else D(v), None if t is None else D(t))
        for i, (v, t) in enumerate(pairs, start=1)
    ]


def _suggest(
    pairs: list[tuple[int | None, int | None]],
    polarity: Polarity = Polarity.HIGHER_IS_BETTER,
    annual: Decimal | None = D(120),
    cumulative: bool = True,
    unit: Unit = Unit.COUNT,
    required: int = 6,
) -> tuple[bool, Decimal | None, Decimal | None]:
    s = stretch_suggestion(
        _months(pairs),
        polarity=polarity,
        annual_target=annual,
        cumulative=cumulative,
        unit=unit,
        decimal_places=0,
        required=required,
    )
    return s.beaten, s.average_margin, s.suggested_annual_target


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # Six months beating a monthly share of 10 by 2: the year scaled by 72/60.
        ({"pairs": [(12, 10)] * 6}, (True, D("2.00"), D(144))),
        ({"pairs": [(12, 10)] * 5 + [(10, 10)]}, (False, None, None)),
        ({"pairs": [(12, 10)] * 5 + [(None, 10)]}, (False, None, None)),
        ({"pairs": [(12, 10)] * 5 + [(12, None)]}, (False, None, None)),
        ({"pairs": [(12, 10)] * 5}, (False, None, None)),
        ({"pairs": [(12, 10)] * 6, "required": 0}, (False, None, None)),
        ({"pairs": [(12, 10)] * 6, "annual": None}, (True, None, None)),
        ({"pairs": [(1, 0)] * 6}, (True, D("1.00"), D(126))),
        ({"pairs": [(80, 70)] * 2, "cumulative": False, "required": 2}, (True, D("10.00"), D(130))),
        ({"pairs": [(5, 8)] * 6, "polarity": LOWER, "cumulative": False}, (True, D("-3.00"), D(117))),
        ({"pairs": [(99, 90)] * 6, "cumulative": False, "annual": D(95), "unit": PCT}, (True, D("9.00"), D(100))),
        # Lower is better but the target only ever gets tighter: never easier.
        ({"pairs": [(-5, -1)] * 6, "polarity": LOWER, "annual": D(-12)}, (True, D("-4.00"), D(-60))),
        ({"pairs": [(1, 2)] * 6, "polarity": LOWER, "annual": D(12)}, (True, D("-1.00"), D(6))),
        ({"pairs": [(5, 4)] * 6, "annual": D(-12)}, (True, D("1.00"), D(-12))),
    ],
)  # fmt: skip
def test_the_stretch_review(kwargs: dict[str, object], expected: tuple[bool, Decimal | None, Decimal | None]) -> None:
    assert _suggest(**kwargs) == expected  # type: ignore[arg-type]
