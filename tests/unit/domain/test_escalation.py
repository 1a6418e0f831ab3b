from __future__ import annotations

import pytest

from pmf_api.domain import (
    Direction,
    EscalationConfig,
    EscalationOverrides,
    InvalidValue,
    Period,
    Rag,
    ReviewCategory,
    Variation,
    classify_for_review,
    may_close_intervention,
    needs_intervention,
    resolve_escalation_config,
)

R, A, G, M = Rag.RED, Rag.AMBER, Rag.GREEN, Rag.MISSING


def history(*rags: Rag | None, last: Period = Period.month("2025/26", 3)) -> list[tuple[Period, Rag | None]]:
    return [(last.shift(i - len(rags) + 1), rag) for i, rag in enumerate(rags)]


@pytest.mark.parametrize(
    ("rags", "required", "fragment"),
    [
        ((G, R, R), True, "2 periods in a row (2025/26 P2, 2025/26 P3)"),
        ((G, A, R), False, "temporary lapse"),
        ((R, M, R), True, "2 periods in a row"),  # a missing month neither counts nor breaks the run
        ((G, G, G), False, "Not Red"),
        ((), False, "No periods"),
    ],
)
def test_consecutive_red(rags: tuple[Rag, ...], required: bool, fragment: str) -> None:
    decision = needs_intervention(history(*rags))
    assert decision.required is required
    assert fragment in " ".join(decision.reasons)


def test_red_across_the_year_boundary() -> None:
    decision = needs_intervention(history(R, R, last=Period.month("2025/26", 1)))
    assert "2024/25 P12, 2025/26 P1" in decision.reasons[0]


def test_forecast_red_counts_after_the_configured_month() -> None:
    early = needs_intervention(history(G, A, last=Period.month("2025/26", 5)), forecast_rag=R)
    late = needs_intervention(history(G, A, last=Period.month("2025/26", 6)), forecast_rag=R)
    assert not early.required
    assert late.required and "Forecast to end the year Red" in late.reasons[0]
    switched_off = EscalationConfig(forecast_red_escalates=False)
    assert not needs_intervention(
        history(G, A, last=Period.month("2025/26", 9)), forecast_rag=R, config=switched_off
    ).required


def test_spc_concern_while_red() -> None:
    decision = needs_intervention(history(G, R), variation=Variation.CONCERN)
    assert decision.required and "signal of concern" in decision.reasons[0]
    assert not needs_intervention(history(G, A), variation=Variation.CONCERN).required


def test_per_kpi_overrides() -> None:
    organisation = EscalationConfig()
    kpi = resolve_escalation_config(organisation, EscalationOverrides(consecutive_red_periods=3))
    assert kpi.consecutive_red_periods == 3 and kpi.periods_in_tolerance_to_close == 3
    assert resolve_escalation_config(organisation) is organisation
    assert not needs_intervention(history(G, R, R), config=kpi).required


@pytest.mark.parametrize(
    "kwargs",
    [{"consecutive_red_periods": 0}, {"forecast_red_from_month": 13}, {"periods_in_tolerance_to_close": 0}],
)
def test_invalid_config(kwargs: dict[str, int]) -> None:
    with pytest.raises(InvalidValue):
        EscalationConfig(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rags", "may_close"),
    [((R, G, A, G), True), ((G, R, G, G), False), ((A, M, G), False), ((G, G), False)],
)
def test_closing(rags: tuple[Rag, ...], may_close: bool) -> None:
    decision = may_close_intervention(history(*rags))
    assert decision.required is may_close
    assert decision.reasons


@pytest.mark.parametrize(
    ("rag", "direction", "variation", "category"),
    [
        (R, Direction.IMPROVING, None, ReviewCategory.EXCEPTION),
        (M, Direction.NOT_COMPARABLE, None, ReviewCategory.EXCEPTION),
        (A, Direction.WORSENING, None, ReviewCategory.EXCEPTION),
        (A, Direction.IMPROVING, None, ReviewCategory.NONE),
        (G, Direction.IMPROVING, None, ReviewCategory.HIGHLIGHT),
        (G, Direction.UNCHANGED, None, ReviewCategory.NONE),
        (G, Direction.UNCHANGED, Variation.CONCERN, ReviewCategory.EXCEPTION),
        (None, Direction.UNCHANGED, Variation.IMPROVEMENT, ReviewCategory.HIGHLIGHT),
        (G, Direction.IMPROVING, Variation.CONCERN, ReviewCategory.EXCEPTION),
    ],
)
def test_highlights_and_exceptions(
    rag: Rag | None, direction: Direction, variation: Variation | None, category: ReviewCategory
) -> None:
    classification = classify_for_review(rag, direction, variation)
    assert classification.category is category
    assert classification.reasons


def test_amber_worsening_can_be_switched_off() -> None:
    config = EscalationConfig(amber_and_worsening_is_exception=False)
    assert classify_for_review(A, Direction.WORSENING, config=config).category is ReviewCategory.NONE
