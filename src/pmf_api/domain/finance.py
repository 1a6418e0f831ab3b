"""Budget monitoring and complaints: the finance half of the Joint Finance and Performance Report
(seed 003_2a403038ecab8362.txt: "reporting of performance, finance, milestone and risk monitoring
has been integrated into a combined report"; budget holders "monitor their budgets closely
providing forecasts"; "complaints data is reported quarterly").

Money is exact (``Decimal``) to the penny. A service's variance is its forecast outturn less its
budget, so an overspend is positive. Its RAG is judged on the overspend as a percentage of the
budget, rounded to one place as the report shows it (so the colour always agrees with the figure
shown), against the council's thresholds (``settings.finance``). Seed 003 sets no thresholds;
"spend within your budget" is its rule, so an underspend, or an overspend below the Amber
threshold, is Green. A budget of nothing has no percentage: any overspend against it is Red.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from pmf_api.domain.errors import InvalidValue
from pmf_api.domain.periods import Frequency, Period
from pmf_api.domain.rag import Rag

PENNY = Decimal("0.01")
TENTH = Decimal("0.1")
HUNDRED = Decimal(100)
# The largest amount the columns hold (Numeric(24, 6)): far beyond any council's budget.
MAX_MONEY = Decimal(10) ** 16

DEFAULT_AMBER_FROM_PERCENT = Decimal("1.0")
DEFAULT_RED_FROM_PERCENT = Decimal("5.0")

RAG_WORDS = {
    Rag.GREEN: "Green: forecast within budget",
    Rag.AMBER: "Amber: forecast overspend within tolerance",
    Rag.RED: "Red: forecast overspend beyond tolerance",
    Rag.MISSING: "Missing: no budget monitoring for the period",
}


@dataclass(frozen=True, slots=True)
class FinanceConfig:
    """When a forecast overspend turns Amber and Red, as a percentage of the budget."""

    amber_from_percent: Decimal = DEFAULT_AMBER_FROM_PERCENT
    red_from_percent: Decimal = DEFAULT_RED_FROM_PERCENT

    def __post_init__(self) -> None:
        if not Decimal(0) < self.amber_from_percent <= HUNDRED:
            raise InvalidValue("amber_from_percent must be above 0 and at most 100", field="amber_from_percent")
        if not self.amber_from_percent <= self.red_from_percent <= HUNDRED:
            raise InvalidValue(
                "red_from_percent must be at least amber_from_percent and at most 100", field="red_from_percent"
            )


def money(value: Decimal) -> Decimal:
    """An amount to the penny (half up, as accounts round)."""
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Variance:
    """A budget's forecast variance: overspend positive, its percentage of the budget and its RAG."""

    budget: Decimal
    actual_to_date: Decimal
    forecast_outturn: Decimal
    variance: Decimal
    variance_percent: Decimal | None
    rag: Rag

    @property
    def rag_text(self) -> str:
        return RAG_WORDS[self.rag]


def money_text(amount: Decimal) -> str:
    """An amount as a report shows it: ``£1,250,000.00``, ``-£20,000.50`` (an underspend)."""
    rounded = money(amount)
    return f"{'-' if rounded < 0 else ''}£{abs(rounded):,.2f}"


def percent_text(percent: Decimal | None) -> str | None:
    """A variance percentage as a report shows it: ``4.1%``, ``-2.5%``; none without a budget."""
    return None if percent is None else f"{percent:.1f}%"


def variance_rag(variance: Decimal, variance_percent: Decimal | None, config: FinanceConfig) -> Rag:
    """Green within budget or below the Amber threshold; Amber and Red from their thresholds."""
    if variance <= 0:
        return Rag.GREEN
    if variance_percent is None:  # an overspend against a budget of nothing
        return Rag.RED
    if variance_percent >= config.red_from_percent:
        return Rag.RED
    if variance_percent >= config.amber_from_percent:
        return Rag.AMBER
    return Rag.GREEN


def variance_of(budget: Decimal, actual_to_date: Decimal, forecast_outturn: Decimal, config: FinanceConfig) -> Variance:
    """The variance of one budget (a service's, or a total's)."""
    budget, actual_to_date, forecast_outturn = money(budget), money(actual_to_date), money(forecast_outturn)
    variance = forecast_outturn - budget
    percent = None if budget == 0 else (variance * HUNDRED / budget).quantize(TENTH, rounding=ROUND_HALF_UP)
    return Variance(
        budget, actual_to_date, forecast_outturn, variance, percent, variance_rag(variance, percent, config)
    )


def total_of(parts: Iterable[Variance], config: FinanceConfig) -> Variance | None:
    """The variance of a directorate's or the council's budgets together (None when there are none)."""
    listed = list(parts)
    if not listed:
        return None
    return variance_of(
        sum((p.budget for p in listed), Decimal(0)),
        sum((p.actual_to_date for p in listed), Decimal(0)),
        sum((p.forecast_outturn for p in listed), Decimal(0)),
        config,
    )


def budget_problems(budget: Decimal, actual_to_date: Decimal, forecast_outturn: Decimal) -> list[InvalidValue]:
    """What is wrong with a row of budget monitoring: a negative budget, pence beyond two places,
    an amount beyond any budget. Actuals and forecasts may be negative (a service that earns more
    than it spends, such as car parks, has a net income)."""
    problems = []
    for name, amount in (
        ("budget", budget),
        ("actual_to_date", actual_to_date),
        ("forecast_outturn", forecast_outturn),
    ):
        if abs(amount) >= MAX_MONEY:
            problems.append(InvalidValue(f"{amount} is beyond any budget", field=name))
        elif amount != amount.quantize(PENNY):
            problems.append(
                InvalidValue(f"{amount} has more than two decimal places: give pounds and pence", field=name)
            )
    if budget < 0:
        problems.append(InvalidValue("A budget is not negative (a net income is a negative actual)", field="budget"))
    return problems


def complaint_problems(received: int, upheld: int, responded_in_time: int | None) -> list[InvalidValue]:
    """What is wrong with a quarter's complaints: a negative count, more upheld (or answered in time)
    than received."""
    problems = []
    counts = (("received", received), ("upheld", upheld), ("responded_in_time", responded_in_time))
    for name, count in counts:
        if count is not None and count < 0:
            problems.append(InvalidValue("A count is not negative", field=name))
    if upheld > received:
        problems.append(InvalidValue(f"{upheld} upheld of {received} received: at most those received", field="upheld"))
    if responded_in_time is not None and responded_in_time > received:
        problems.append(
            InvalidValue(
                f"{responded_in_time} answered in time of {received} received: at most those received",
                field="responded_in_time",
            )
        )
    return problems


_EXAMPLES = {Frequency.MONTHLY: "2026/27 P5", Frequency.QUARTERLY: "2026/27 Q2"}


def period_problems(period: Period, frequency: Frequency, *, as_of: date, start_month: int) -> list[InvalidValue]:
    """Budget monitoring is monthly and complaints quarterly, for a period that has ended."""
    if period.frequency is not frequency:
        noun = "month" if frequency is Frequency.MONTHLY else "quarter"
        return [InvalidValue(f"Give a {noun} like {_EXAMPLES[frequency]}, not {period}", field="period")]
    if period.end_date(start_month) >= as_of:
        return [InvalidValue(f"{period} has not ended yet", field="period")]
    return []


def monitoring_month(period: Period) -> Period:
    """The month whose budget monitoring a report of ``period`` shows: the month itself, or the last
    month of a quarter or year (P6 for Q2: the forecast at the quarter's end)."""
    return Period(period.financial_year, Frequency.MONTHLY, period.last_month_index)


def complaints_quarter(period: Period) -> Period | None:
    """The quarter whose complaints a report of ``period`` shows: a quarter itself; a month's
    quarter once the month closes it (P6 shows Q2, P5 none); a year's last quarter."""
    if period.last_month_index % 3:
        return None
    return Period(period.financial_year, Frequency.QUARTERLY, period.last_month_index // 3)
