from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain import (
    Aggregation,
    InvalidTarget,
    Polarity,
    Rag,
    RagThresholds,
    Tolerance,
    ToleranceKind,
    Unit,
    check_target,
    rag_for,
)
from pmf_api.domain.periods import Frequency
from pmf_api.domain.rag import scaled_tolerance, worst
from tests.unit.domain.builders import d

HIGHER, LOWER, BAND = Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER, Polarity.WITHIN_BAND
MONTHLY, QUARTERLY, ANNUAL = Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.ANNUAL
LEVEL, ABSOLUTE, PERCENT = ToleranceKind.INTERVENTION_LEVEL, ToleranceKind.ABSOLUTE, ToleranceKind.PERCENTAGE


@pytest.mark.parametrize(
    ("value", "polarity", "kind", "tolerance", "expected"),
    [
        # Higher is better, target 95, intervention level 90 in each tolerance form.
        ("95", HIGHER, LEVEL, "90", Rag.GREEN),  # exactly at target
        ("94.9", HIGHER, LEVEL, "90", Rag.AMBER),
        ("90", HIGHER, LEVEL, "90", Rag.AMBER),  # exactly at the intervention level is not Red
        ("89.9", HIGHER, LEVEL, "90", Rag.RED),
        ("90", HIGHER, ABSOLUTE, "5", Rag.AMBER),
        ("89.9", HIGHER, ABSOLUTE, "5", Rag.RED),
        ("90.25", HIGHER, PERCENT, "5", Rag.AMBER),  # 95 - 5% = 90.25 shown as 90.3; 90.25 shown as 90.3
        ("90.2", HIGHER, PERCENT, "5", Rag.RED),
        ("94.96", HIGHER, LEVEL, "90", Rag.GREEN),  # shown as 95.0: never Red nor Amber against 95
        ("94.94", HIGHER, LEVEL, "90", Rag.AMBER),
        # Lower is better, target 95, intervention level 100.
        ("95", LOWER, LEVEL, "100", Rag.GREEN),
        ("95.1", LOWER, LEVEL, "100", Rag.AMBER),
        ("100", LOWER, ABSOLUTE, "5", Rag.AMBER),
        ("100.1", LOWER, ABSOLUTE, "5", Rag.RED),
        ("99.75", LOWER, PERCENT, "5", Rag.AMBER),
        ("99.8", LOWER, PERCENT, "5", Rag.AMBER),  # 99.75 is shown as 99.8
        ("99.9", LOWER, PERCENT, "5", Rag.RED),
        ("95.04", LOWER, LEVEL, "100", Rag.GREEN),
    ],
)
def test_rag_table(value: str, polarity: Polarity, kind: ToleranceKind, tolerance: str, expected: Rag) -> None:
    assert (
        rag_for(
            d(value),
            polarity=polarity,
            target=d(95),
            tolerance=Tolerance(kind, d(tolerance)),
            decimal_places=1,
        )
        is expected
    )


@pytest.mark.parametrize(
    ("value", "tolerance", "expected"),
    [
        ("3", None, Rag.GREEN),
        ("2", None, Rag.GREEN),
        ("4", None, Rag.GREEN),
        ("4.1", None, Rag.RED),
        ("4.5", Tolerance(ABSOLUTE, d(1)), Rag.AMBER),
        ("5", Tolerance(ABSOLUTE, d(1)), Rag.AMBER),
        ("5.1", Tolerance(ABSOLUTE, d(1)), Rag.RED),
        ("1", Tolerance(ABSOLUTE, d(1)), Rag.AMBER),
        ("0.9", Tolerance(ABSOLUTE, d(1)), Rag.RED),
        ("4.2", Tolerance(PERCENT, d(10)), Rag.AMBER),  # 4 + 10% = 4.4
        ("4.5", Tolerance(PERCENT, d(10)), Rag.RED),
        ("1.8", Tolerance(PERCENT, d(10)), Rag.AMBER),  # 2 - 10% = 1.8
    ],
)
def test_band_rag(value: str, tolerance: Tolerance | None, expected: Rag) -> None:
    rag = rag_for(
        d(value),
        polarity=BAND,
        target=d(3),
        tolerance=tolerance,
        band_lower=d(2),
        band_upper=d(4),
        decimal_places=1,
    )
    assert rag is expected


def test_no_target_no_rag_and_missing() -> None:
    assert rag_for(d(5), polarity=HIGHER, target=None, decimal_places=0) is None
    assert rag_for(d(5), polarity=BAND, target=None, decimal_places=0) is None
    assert rag_for(None, polarity=HIGHER, target=d(5), decimal_places=0) is Rag.MISSING
    assert rag_for(None, polarity=HIGHER, target=d(5), decimal_places=0, due=False) is None


def test_no_tolerance_means_short_of_target_is_red() -> None:
    assert rag_for(d(94), polarity=HIGHER, target=d(95), decimal_places=0) is Rag.RED
    assert rag_for(d(95), polarity=HIGHER, target=d(95), decimal_places=0) is Rag.GREEN


def test_tolerance_errors() -> None:
    with pytest.raises(InvalidTarget):
        Tolerance(ABSOLUTE, d(1)).intervention_level(d(5), BAND)
    with pytest.raises(InvalidTarget) as caught:
        Tolerance(LEVEL, d(1)).band_limits(d(1), d(2))
    assert caught.value.field == "tolerance.kind"
    assert Tolerance(PERCENT, d(10)).intervention_level(d(-50), HIGHER) == d(-55)


def test_thresholds_are_rounded() -> None:
    thresholds = RagThresholds.build(
        polarity=HIGHER, decimal_places=1, target=d("95.04"), tolerance=Tolerance(PERCENT, d(5))
    )
    assert thresholds.target == d("95.0")
    assert thresholds.intervention_level == d("90.3")


def test_scaled_tolerance() -> None:
    level = Tolerance(LEVEL, d(900))
    scaled = scaled_tolerance(level, annual_target=d(1200), period_target=d(100), polarity=HIGHER, proportional=True)
    assert scaled == Tolerance(ABSOLUTE, d(25))
    same = scaled_tolerance(level, annual_target=d(1200), period_target=d(100), polarity=HIGHER, proportional=False)
    assert same == Tolerance(ABSOLUTE, d(300))
    zero = scaled_tolerance(
        Tolerance(ABSOLUTE, d(2)), annual_target=d(0), period_target=d(0), polarity=LOWER, proportional=True
    )
    assert zero == Tolerance(ABSOLUTE, d(2))
    percent = Tolerance(PERCENT, d(5))
    assert (
        scaled_tolerance(percent, annual_target=d(1), period_target=d(1), polarity=HIGHER, proportional=True) is percent
    )
    assert scaled_tolerance(None, annual_target=d(1), period_target=d(1), polarity=HIGHER, proportional=True) is None


def _fields(problems: list[InvalidTarget] | list[object]) -> list[str | None]:
    return [getattr(problem, "field", None) for problem in problems]


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"polarity": HIGHER, "target": d(95), "tolerance": Tolerance(LEVEL, d(90))}, []),
        ({"polarity": HIGHER, "target": d(95), "tolerance": Tolerance(LEVEL, d(96))}, ["tolerance.value"]),
        ({"polarity": LOWER, "target": d(95), "tolerance": Tolerance(LEVEL, d(94))}, ["tolerance.value"]),
        ({"polarity": LOWER, "target": d(95), "tolerance": Tolerance(LEVEL, d(95))}, []),
        ({"polarity": HIGHER, "target": d(95), "tolerance": Tolerance(ABSOLUTE, d(-1))}, ["tolerance.value"]),
        (
            {"polarity": HIGHER, "target": d(101), "tolerance": None, "unit": Unit.PERCENTAGE},
            ["annual_target"],
        ),
        ({"polarity": HIGHER, "target": None, "tolerance": None}, ["annual_target"]),
        (
            {"polarity": BAND, "target": None, "tolerance": None, "band_lower": d(5), "band_upper": d(4)},
            ["band_lower"],
        ),
        ({"polarity": BAND, "target": None, "tolerance": None, "band_upper": d(4)}, ["band_lower"]),
        ({"polarity": BAND, "target": None, "tolerance": None, "band_lower": d(4)}, ["band_upper"]),
        (
            {
                "polarity": BAND,
                "target": None,
                "tolerance": Tolerance(LEVEL, d(1)),
                "band_lower": d(1),
                "band_upper": d(2),
            },
            ["tolerance.kind"],
        ),
        (
            {
                "polarity": BAND,
                "target": None,
                "tolerance": None,
                "band_lower": d(-1),
                "band_upper": d(2),
                "unit": Unit.PERCENTAGE,
            },
            ["band_lower"],
        ),
        ({"polarity": HIGHER, "target": d(12), "tolerance": None, "profile": [d(1)] * 12}, []),
        ({"polarity": HIGHER, "target": d(13), "tolerance": None, "profile": [d(1)] * 12}, ["profile"]),
        ({"polarity": HIGHER, "target": d(12), "tolerance": None, "profile": [d(3)] * 4}, []),
        ({"polarity": HIGHER, "target": d(12), "tolerance": None, "profile": [d(3)] * 5}, ["profile"]),
        # With the KPI's frequency, one entry per period of it.
        (
            {"polarity": HIGHER, "target": d(12), "tolerance": None, "profile": [d(1)] * 12, "frequency": MONTHLY},
            [],
        ),
        (
            {"polarity": HIGHER, "target": d(12), "tolerance": None, "profile": [d(3)] * 4, "frequency": MONTHLY},
            ["profile"],
        ),
        (
            {"polarity": HIGHER, "target": d(12), "tolerance": None, "profile": [d(3)] * 4, "frequency": QUARTERLY},
            [],
        ),
        (
            {"polarity": HIGHER, "target": d(12), "tolerance": None, "profile": [d(12)], "frequency": ANNUAL},
            ["profile"],
        ),
        (
            {
                "polarity": HIGHER,
                "target": d(90),
                "tolerance": None,
                "profile": [d(90)] * 12,
                "aggregation": Aggregation.AVERAGE,
            },
            [],
        ),
        (
            {
                "polarity": HIGHER,
                "target": d(90),
                "tolerance": None,
                "profile": [d(90)] * 11 + [d(101)],
                "aggregation": Aggregation.RATIO,
                "unit": Unit.PERCENTAGE,
            },
            ["profile"],
        ),
    ],
)
def test_check_target(kwargs: dict[str, object], fields: list[str]) -> None:
    arguments: dict[str, object] = {"unit": Unit.COUNT, "aggregation": Aggregation.SUM, "decimal_places": 0}
    arguments.update(kwargs)
    problems = check_target(**arguments)  # type: ignore[arg-type]
    assert _fields(problems) == fields
    assert all(problem.message for problem in problems)


def test_worst() -> None:
    assert worst([Rag.GREEN, Rag.MISSING, Rag.RED, None]) is Rag.RED
    assert worst([Rag.MISSING, None]) is None


values = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False)
distances = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
ORDER = {Rag.GREEN: 0, Rag.AMBER: 1, Rag.RED: 2}


@given(values, values, distances, distances, st.sampled_from([HIGHER, LOWER]), st.integers(0, 2))
def test_better_never_worsens_rag(
    value: Decimal, target: Decimal, distance: Decimal, step: Decimal, polarity: Polarity, places: int
) -> None:
    tolerance = Tolerance(ABSOLUTE, distance)
    better = value + step if polarity is HIGHER else value - step
    before = rag_for(value, polarity=polarity, target=target, tolerance=tolerance, decimal_places=places)
    after = rag_for(better, polarity=polarity, target=target, tolerance=tolerance, decimal_places=places)
    assert before is not None and after is not None
    assert ORDER[after] <= ORDER[before]


@given(values, values, distances, st.sampled_from(list(ToleranceKind)), st.integers(0, 2))
def test_mirrored_polarity_mirrors_rag(
    value: Decimal, target: Decimal, distance: Decimal, kind: ToleranceKind, places: int
) -> None:
    if kind is LEVEL:
        higher_tol, lower_tol = Tolerance(LEVEL, target - distance), Tolerance(LEVEL, -(target - distance))
    else:
        higher_tol = lower_tol = Tolerance(kind, distance)
    higher = rag_for(value, polarity=HIGHER, target=target, tolerance=higher_tol, decimal_places=places)
    lower = rag_for(-value, polarity=LOWER, target=-target, tolerance=lower_tol, decimal_places=places)
    assert higher is lower
