"""Budget monitoring's variance and RAG, complaints counts and the periods a joint report shows
(seed 003_2a403038ecab8362.txt): worked cases and properties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain.errors import DomainError
from pmf_api.domain.finance import (
    FinanceConfig,
    budget_problems,
    complaint_problems,
    complaints_quarter,
    money_text,
    monitoring_month,
    percent_text,
    period_problems,
    total_of,
    variance_of,
)
from pmf_api.domain.periods import Frequency, Period
from pmf_api.domain.rag import Rag
from pmf_api.domain.settings import OrganisationSettings

D = Decimal
DEFAULT = FinanceConfig()


@pytest.mark.parametrize(
    ("budget", "forecast", "variance", "percent", "rag"),
    [
        ("1000", "1000", "0", "0.0", Rag.GREEN),  # on budget
        ("1000", "900", "-100", "-10.0", Rag.GREEN),  # an underspend is Green
        ("1000", "1009.49", "9.49", "0.9", Rag.GREEN),  # below 1%
        ("1000", "1009.50", "9.50", "1.0", Rag.AMBER),  # 0.95% shows as 1.0%: judged as shown
        ("1000", "1049.99", "49.99", "5.0", Rag.RED),  # 4.999% shows as 5.0%
        ("1000", "1049.49", "49.49", "4.9", Rag.AMBER),
        ("1000", "1200", "200", "20.0", Rag.RED),
        ("0", "0", "0", None, Rag.GREEN),  # no budget, nothing spent
        ("0", "10", "10", None, Rag.RED),  # any overspend of no budget
        ("0", "-10", "-10", None, Rag.GREEN),  # a net income
        ("1000.004", "1000.005", "0.01", "0.0", Rag.GREEN),  # to the penny, half up
    ],
)
def test_variance_and_its_rag(budget: str, forecast: str, variance: str, percent: str | None, rag: Rag) -> None:
    result = variance_of(D(budget), D("1"), D(forecast), DEFAULT)
    assert result.variance == D(variance)
    assert result.variance_percent == (None if percent is None else D(percent))
    assert result.rag is rag
    assert result.rag_text.startswith(rag.value.capitalize())


def test_the_councils_thresholds_colour_the_variance() -> None:
    strict = FinanceConfig(amber_from_percent=D("0.5"), red_from_percent=D("2"))
    assert variance_of(D(100), D(0), D("100.5"), strict).rag is Rag.AMBER
    assert variance_of(D(100), D(0), D(102), strict).rag is Rag.RED
    assert variance_of(D(100), D(0), D("100.4"), strict).rag is Rag.GREEN


@pytest.mark.parametrize(
    ("amber", "red", "field"),
    [("0", "5", "amber_from_percent"), ("101", "101", "amber_from_percent"), ("5", "4", "red_from_percent")],
)
def test_thresholds_out_of_order_are_refused(amber: str, red: str, field: str) -> None:
    with pytest.raises(DomainError) as raised:
        FinanceConfig(D(amber), D(red))
    assert raised.value.field == field


def test_totals_add_the_parts_and_judge_the_sum() -> None:
    parts = [variance_of(D(1000), D(400), D(1080), DEFAULT), variance_of(D(500), D(200), D(480), DEFAULT)]
    total = total_of(parts, DEFAULT)
    assert total is not None
    assert (total.budget, total.actual_to_date, total.forecast_outturn) == (D(1500), D(600), D(1560))
    assert (total.variance, total.variance_percent, total.rag) == (D(60), D("4.0"), Rag.AMBER)
    assert total_of([], DEFAULT) is None


@pytest.mark.parametrize(
    ("figures", "fields"),
    [
        ((D(1), D(1), D(1)), []),
        ((D(-1), D(1), D(1)), ["budget"]),
        ((D(1), D(-5), D(-5)), []),  # a net income
        ((D("1.001"), D(1), D(1)), ["budget"]),
        ((D(1), D("0.125"), D(10) ** 16), ["actual_to_date", "forecast_outturn"]),
    ],
)
def test_budget_problems(figures: tuple[Decimal, Decimal, Decimal], fields: list[str]) -> None:
    assert [problem.field for problem in budget_problems(*figures)] == fields


@pytest.mark.parametrize(
    ("counts", "fields"),
    [
        ((10, 3, 9), []),
        ((10, 3, None), []),
        ((10, 11, None), ["upheld"]),
        ((10, 3, 11), ["responded_in_time"]),
        ((-1, -1, None), ["received", "upheld"]),
        ((1, 0, -1), ["responded_in_time"]),
    ],
)
def test_complaint_problems(counts: tuple[int, int, int | None], fields: list[str]) -> None:
    assert [problem.field for problem in complaint_problems(*counts)] == fields


@pytest.mark.parametrize(
    ("period", "frequency", "problem"),
    [
        ("2025/26 P3", Frequency.MONTHLY, None),
        ("2025/26 Q1", Frequency.MONTHLY, "Give a month like 2026/27 P5, not 2025/26 Q1"),
        ("2025/26 P3", Frequency.QUARTERLY, "Give a quarter like 2026/27 Q2, not 2025/26 P3"),
        ("2026/27 P8", Frequency.MONTHLY, "2026/27 P8 has not ended yet"),
        ("2026/27 Q2", Frequency.QUARTERLY, None),
    ],
)
def test_period_problems(period: str, frequency: Frequency, problem: str | None) -> None:
    found = period_problems(Period.parse(period), frequency, as_of=date(2026, 11, 30), start_month=4)
    assert [p.message for p in found] == ([] if problem is None else [problem])


@pytest.mark.parametrize(
    ("period", "month", "quarter"),
    [
        ("2026/27 Q2", "2026/27 P6", "2026/27 Q2"),
        ("2026/27 P5", "2026/27 P5", None),
        ("2026/27 P6", "2026/27 P6", "2026/27 Q2"),
        ("2026/27", "2026/27 P12", "2026/27 Q4"),
    ],
)
def test_what_a_report_of_a_period_shows(period: str, month: str, quarter: str | None) -> None:
    parsed = Period.parse(period)
    assert str(monitoring_month(parsed)) == month
    found = complaints_quarter(parsed)
    assert (None if found is None else str(found)) == quarter


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (None, (D("1.0"), D("5.0"))),
        ({"finance": "red"}, (D("1.0"), D("5.0"))),
        ({"finance": {"amber_from_percent": 2, "red_from_percent": 7.5}}, (D(2), D("7.5"))),
        ({"finance": {"amber_from_percent": 2.5}}, (D("2.5"), D("5.0"))),
        ({"finance": {"amber_from_percent": True, "red_from_percent": "9"}}, (D("1.0"), D("5.0"))),
        ({"finance": {"amber_from_percent": 0, "red_from_percent": 101}}, (D("1.0"), D("5.0"))),
        ({"finance": {"amber_from_percent": 8}}, (D("1.0"), D("5.0"))),  # Amber above Red: the defaults
    ],
)
def test_stored_finance_settings(stored: dict[str, Any] | None, expected: tuple[Decimal, Decimal]) -> None:
    finance = OrganisationSettings.parse(stored).finance
    assert (finance.amber_from_percent, finance.red_from_percent) == expected


pounds = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
signed = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(budget=pounds, actual=signed, forecast=signed, extra=pounds)
def test_more_overspend_is_never_a_better_colour(
    budget: Decimal, actual: Decimal, forecast: Decimal, extra: Decimal
) -> None:
    """Overspend is positive; forecasting more against the same budget never improves the RAG, and an
    underspend is always Green."""
    severity = {Rag.GREEN: 0, Rag.AMBER: 1, Rag.RED: 2}
    base = variance_of(budget, actual, forecast, DEFAULT)
    worse = variance_of(budget, actual, forecast + extra, DEFAULT)
    assert base.variance == forecast - budget
    assert severity[worse.rag] >= severity[base.rag]
    if forecast <= budget:
        assert base.rag is Rag.GREEN
    total = total_of([base, base], DEFAULT)
    assert total is not None and total.rag is base.rag


@pytest.mark.parametrize(
    ("amount", "text"),
    [("1250000", "£1,250,000.00"), ("-20000.5", "-£20,000.50"), ("0.004", "£0.00"), ("-0.004", "£0.00")],
)
def test_money_as_a_report_shows_it(amount: str, text: str) -> None:
    assert money_text(D(amount)) == text


def test_percentages_as_a_report_shows_them() -> None:
    assert (percent_text(D("4.1")), percent_text(D("-2.50")), percent_text(None)) == ("4.1%", "-2.5%", None)
