"""A bulk row's cells: one decimal rule for text and spreadsheet floats, and periods given as dates or months."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from pmf_api.domain import Frequency
from pmf_api.performance.bulk.cells import parse_number, read_period


@pytest.mark.parametrize(
    ("cell", "number"),
    [
        ("41.5", Decimal("41.5")),
        (0.1 + 0.2, Decimal("0.3")),  # as Excel shows it, to 15 significant digits
        (14.25, Decimal("14.25")),
        ("1.2500000", Decimal("1.25")),  # trailing zeros are no decimal places
        (" 12 ", Decimal(12)),
        (7, Decimal(7)),
        ("", None),
        (None, None),
    ],
)
def test_numbers(cell: Any, number: Decimal | None) -> None:
    assert parse_number(cell) == number


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("1.1234567", "At most 6 decimal places, not 1.1234567"),
        (1.1234567, "At most 6 decimal places, not 1.1234567"),  # the same rule for an XLSX float
        ("1.00000000000000000000000000001", "At most 6 decimal places"),  # not rounded to 28 digits first
        ("95,5", "decimal separator"),
        ("lots", "lots is not a number"),
        (True, "not true or false"),
        ("NaN", "finite"),
        ("1e30", "too large"),
    ],
)
def test_numbers_refused(cell: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_number(cell)


@pytest.mark.parametrize(
    ("cell", "frequency", "period"),
    [
        ("2025/26 P3", Frequency.MONTHLY, "2025/26 P3"),
        (datetime(2025, 4, 30), Frequency.MONTHLY, "2025/26 P1"),
        (date(2026, 1, 15), Frequency.QUARTERLY, "2025/26 Q4"),
        (45809, Frequency.MONTHLY, "2025/26 P3"),  # an Excel date serial: 2025-06-01
        (45809.75, Frequency.MONTHLY, "2025/26 P3"),  # with a time of day
        ("Apr-25", Frequency.MONTHLY, "2025/26 P1"),
        ("apr 2025", Frequency.ANNUAL, "2025/26"),
        ("September 2025", Frequency.MONTHLY, "2025/26 P6"),
        ("Sept-25", Frequency.QUARTERLY, "2025/26 Q2"),
        ("2026-03", Frequency.MONTHLY, "2025/26 P12"),
        ("2025-05-31", Frequency.MONTHLY, "2025/26 P2"),
        ("31/05/2025", Frequency.MONTHLY, "2025/26 P2"),  # day first, as in the UK
        ("2025-04-30T00:00:00", Frequency.MONTHLY, "2025/26 P1"),  # an XLSX date cell written as text
    ],
)
def test_periods(cell: Any, frequency: Frequency, period: str) -> None:
    assert read_period(cell, frequency, 4)[0] == period


def test_a_date_is_read_as_the_period_of_the_councils_year() -> None:
    assert read_period("Apr-25", Frequency.MONTHLY, 1) == (
        "2025/26 P4",
        "Read 'Apr-25' as 2025/26 P4, the monthly period it falls in",
    )
    assert read_period("2025/26 P4", Frequency.MONTHLY, 1) == ("2025/26 P4", None)


@pytest.mark.parametrize(
    ("cell", "quoted"),
    [("Smarch 2025", "'Smarch 2025'"), ("2025-13", "'2025-13'"), ("31/02/2025", "'31/02/2025'"), (2025, "2025 ")],
)
def test_periods_refused_quote_what_was_seen(cell: Any, quoted: str) -> None:
    with pytest.raises(ValueError) as refused:
        read_period(cell, Frequency.MONTHLY, 4)
    assert str(refused.value).startswith(quoted), refused.value
