from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain import FinancialYear, Frequency, InvalidPeriod, Period, financial_year_of, period_of


@pytest.mark.parametrize("text", ["2025/26", " 2025/26 ", "1999/00", "2099/00"])
def test_financial_year_round_trips(text: str) -> None:
    assert str(FinancialYear.parse(text)) == text.strip()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2025/27", "must be followed by 26"),
        ("2025/2026x", "YYYY/YY"),
        ("2025-26", "YYYY/YY"),
        ("", "YYYY/YY"),
        ("1899/00", "between 1900"),
    ],
)
def test_bad_financial_years_are_rejected(text: str, fragment: str) -> None:
    with pytest.raises(InvalidPeriod) as caught:
        FinancialYear.parse(text)
    assert fragment in caught.value.message
    assert caught.value.field == "financial_year"


@pytest.mark.parametrize(
    ("start_month", "start", "end"),
    [
        (4, date(2025, 4, 1), date(2026, 3, 31)),
        (1, date(2025, 1, 1), date(2025, 12, 31)),
        (3, date(2023, 3, 1), date(2024, 2, 29)),  # leap year: the year ends on 29 February
    ],
)
def test_year_dates(start_month: int, start: date, end: date) -> None:
    year = FinancialYear(start.year)
    assert year.start_date(start_month) == start
    assert year.end_date(start_month) == end
    assert year.contains(end, start_month)
    assert not year.contains(end.replace(year=end.year + 1) if end.month != 2 else date(2025, 3, 1), start_month)


@pytest.mark.parametrize(
    ("day", "start_month", "expected"),
    [
        (date(2026, 3, 31), 4, "2025/26"),
        (date(2026, 4, 1), 4, "2026/27"),
        (date(2025, 12, 31), 1, "2025/26"),
        (date(2024, 2, 29), 3, "2023/24"),
    ],
)
def test_financial_year_of(day: date, start_month: int, expected: str) -> None:
    assert str(financial_year_of(day, start_month)) == expected


def test_bad_start_month() -> None:
    with pytest.raises(InvalidPeriod) as caught:
        financial_year_of(date(2025, 1, 1), 13)
    assert caught.value.field == "start_month"


@pytest.mark.parametrize("text", ["2025/26 P1", "2025/26 P12", "2025/26 Q4", "2025/26"])
def test_period_round_trips(text: str) -> None:
    assert str(Period.parse(text)) == text


def test_period_parse_accepts_lower_case() -> None:
    assert Period.parse("2025/26 p3") == Period.month("2025/26", 3)


@pytest.mark.parametrize("text", ["2025/26 P13", "2025/26 Q5", "2025/26 P0", "2025/26 M3", "P3", "2025/27 P1"])
def test_bad_periods_are_rejected(text: str) -> None:
    with pytest.raises(InvalidPeriod):
        Period.parse(text)


@pytest.mark.parametrize(
    ("text", "following", "before", "last_year"),
    [
        ("2025/26 P12", "2026/27 P1", "2025/26 P11", "2024/25 P12"),
        ("2025/26 P1", "2025/26 P2", "2024/25 P12", "2024/25 P1"),
        ("2025/26 Q4", "2026/27 Q1", "2025/26 Q3", "2024/25 Q4"),
        ("2025/26", "2026/27", "2024/25", "2024/25"),
    ],
)
def test_neighbours(text: str, following: str, before: str, last_year: str) -> None:
    period = Period.parse(text)
    assert str(period.next()) == following
    assert str(period.previous()) == before
    assert str(period.same_period_last_year()) == last_year


def test_composition_and_dates() -> None:
    q4 = Period.quarter("2023/24", 4)
    assert [str(p) for p in q4.months()] == ["2023/24 P10", "2023/24 P11", "2023/24 P12"]
    assert [str(p) for p in q4.ytd_periods()] == ["2023/24 Q1", "2023/24 Q2", "2023/24 Q3", "2023/24 Q4"]
    assert len(q4.ytd_months()) == 12
    assert q4.start_date() == date(2024, 1, 1)
    assert q4.end_date() == date(2024, 3, 31)
    assert Period.month("2023/24", 11).end_date() == date(2024, 2, 29)  # leap February
    assert Period.month("2024/25", 11).end_date() == date(2025, 2, 28)
    assert Period.month("2025/26", 9).end_date() == date(2025, 12, 31)
    assert Period.month("2025/26", 9).contains(date(2025, 12, 25))
    assert Period.year("2025/26").months() == FinancialYear(2025).months()
    assert FinancialYear(2025).quarters()[1] == Period.quarter("2025/26", 2)
    assert FinancialYear(2025).annual() == Period.year("2025/26")
    assert Period.month("2025/26", 12).is_year_end


def test_within_and_period_of() -> None:
    assert Period.month("2025/26", 5).within(Frequency.QUARTERLY) == Period.quarter("2025/26", 2)
    assert period_of(date(2026, 1, 15)) == Period.month("2025/26", 10)
    assert period_of(date(2026, 1, 15), Frequency.QUARTERLY) == Period.quarter("2025/26", 4)
    assert period_of(date(2026, 1, 15), Frequency.ANNUAL, start_month=1) == Period.year("2026/27")
    with pytest.raises(InvalidPeriod):
        Period.quarter("2025/26", 1).within(Frequency.MONTHLY)


def test_ordering() -> None:
    periods = [
        Period.year("2025/26"),
        Period.quarter("2025/26", 1),
        Period.month("2025/26", 1),
        Period.month("2024/25", 12),
    ]
    assert sorted(periods) == [periods[3], periods[2], periods[1], periods[0]]
    assert FinancialYear(2024) < FinancialYear(2025)
    assert Period.month("2025/26", 1) != "2025/26 P1"
    assert Period.month("2025/26", 1).__lt__("x") is NotImplemented
    assert Period.month("2025/26", 2) > Period.month("2025/26", 1)


def test_periods_since() -> None:
    assert Period.month("2025/26", 2).periods_since(Period.month("2024/25", 11)) == 3
    with pytest.raises(InvalidPeriod):
        Period.month("2025/26", 2).periods_since(Period.quarter("2025/26", 1))


period_strategy = st.builds(
    lambda year, frequency, index: Period(FinancialYear(year), frequency, (index % frequency.periods_per_year) + 1),
    st.integers(1950, 2100),
    st.sampled_from(list(Frequency)),
    st.integers(0, 11),
)


@given(period_strategy)
def test_next_previous_round_trip(period: Period) -> None:
    assert period.next().previous() == period
    assert period.previous().next() == period
    assert period.next() > period
    assert Period.parse(str(period)) == period
    assert period.shift(5).shift(-5) == period
    assert period.shift(3) == period.next().next().next()
    assert period.end_date() >= period.start_date()
    assert period.next().start_date() == period.end_date().fromordinal(period.end_date().toordinal() + 1)
