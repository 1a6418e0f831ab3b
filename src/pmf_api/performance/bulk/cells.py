"""Reading a bulk row's cells: numbers by one rule whatever the file, and periods given as periods,
dates or months.

Numbers: a cell holds at most ``DECIMAL_SCALE`` decimal places, whether it came as text (JSON, CSV)
or as a spreadsheet's binary float. A float is read as the spreadsheet shows it: to 15 significant
digits, Excel's own precision, so ``=0.1+0.2`` (stored as 0.30000000000000004) is 0.3, and 1.1234567
is refused in an XLSX as in a CSV, never rounded in silence.

Periods: ``2025/26 P1`` as everywhere; and, since spreadsheets turn what people type into dates, a
date (a date cell, an Excel date serial, ``2025-04-30``, ``30/04/2025``) or a month (``Apr-25``,
``April 2025``, ``2025-04``) is read as the period of the KPI's frequency it falls in, and the row
says so in a warning. Anything else is refused with what was seen quoted.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pmf_api.domain import DomainError, Frequency, Period
from pmf_api.domain.periods import period_of
from pmf_api.platform.db.base import DECIMAL_SCALE
from pmf_api.platform.errors import excerpt

MAX_DIGITS = 24  # ExactDecimal is NUMERIC(24, 6)
EXCEL_DIGITS = 15  # the significant digits Excel keeps and shows
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel counts 1900 as a leap year; from 61 on, exact)
MIN_SERIAL = 36_526  # 2000-01-01: a smaller number (2025, say) is no date anyone meant
MAX_SERIAL = 2_958_465  # 9999-12-31
PERIOD_FORMS = "2025/26 P1 for a month, 2025/26 Q1 for a quarter or 2025/26 for the year"
DATE_FORMS = "a date (2025-04-30, 30/04/2025) or month (Apr-25, April 2025, 2025-04)"

_SCALE = Decimal(1).scaleb(-DECIMAL_SCALE)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_MONTH_YEAR = re.compile(r"([A-Za-z]{3,9})\.?[\s\-/]*'?(\d{2}|\d{4})")


def text_of(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).strip()


def parse_number(cell: Any) -> Decimal | None:
    """A cell as an exact decimal: a point separates decimals, and there is no thousands separator."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, bool):
        raise ValueError("Give a number, not true or false")
    if isinstance(cell, float):
        number = Decimal(format(cell, f".{EXCEL_DIGITS}g"))  # as the sheet shows it; see the module's note
    elif isinstance(cell, int | Decimal):
        number = Decimal(cell)
    elif isinstance(cell, str):
        text = cell.strip()
        if "," in text:
            raise ValueError(f"Use a point as the decimal separator and no thousands separator: not {excerpt(text)}")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{excerpt(text)} is not a number") from None
    else:
        raise ValueError("Give a number")
    if not number.is_finite():
        raise ValueError("Give a finite number")
    written, places = _decimal_places(number)
    if places > DECIMAL_SCALE:
        shown = cell.strip() if isinstance(cell, str) else text_of(number)
        raise ValueError(f"At most {DECIMAL_SCALE} decimal places, not {excerpt(shown, 40)}")
    if abs(number) >= Decimal(10) ** (MAX_DIGITS - DECIMAL_SCALE):
        raise ValueError("The number is too large")
    if written > DECIMAL_SCALE:
        number = number.quantize(_SCALE)  # trailing zeros only (1.2500000): stored as 1.250000
    return number


def _decimal_places(number: Decimal) -> tuple[int, int]:
    """The decimal places written, and those that count (1.2500000: 7 and 2). Exact whatever the
    digits (``Decimal.normalize`` would round to the context's 28)."""
    _, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return 0, 0
    text = "".join(map(str, digits))
    zeros = len(text) - len(text.rstrip("0"))
    return -exponent, max(-exponent - zeros, 0)


def read_period(cell: Any, frequency: Frequency, start_month: int) -> tuple[str, str | None]:
    """The period a cell names, as text for ``parse_period`` (which checks the KPI's frequency and
    that the period has ended), and how it was read when it was a date or a month (else None).
    Raises ``ValueError`` (its message quotes the cell) when the cell is neither."""
    seen = excerpt(text_of(cell), 40)
    day = _day(cell)
    if day is None:
        text = text_of(cell)
        try:
            Period.parse(text)
        except DomainError:
            message = f"'{seen}' is not a period: write {PERIOD_FORMS}; {DATE_FORMS} is read as its period"
            raise ValueError(message) from None
        return text, None
    period = str(period_of(day, frequency, start_month))
    if isinstance(cell, int | float | Decimal):
        seen = f"{seen} (the date {day.isoformat()})"
    elif isinstance(cell, datetime | date):
        seen = f"the date {day.isoformat()}"
    else:
        seen = f"'{seen}'"
    return period, f"Read {seen} as {period}, the {frequency.value} period it falls in"


def _day(cell: Any) -> date | None:
    """A day within the date or month the cell holds; None when it holds neither (it may be a period)."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float | Decimal):  # an Excel date serial (a date cell's value)
        if not MIN_SERIAL <= cell <= MAX_SERIAL:
            seen = excerpt(text_of(cell), 40)
            raise ValueError(f"{seen} is not a period, nor a date since 2000: write {PERIOD_FORMS}")
        return EXCEL_EPOCH + timedelta(days=int(cell))
    if not isinstance(cell, str):
        return None
    text = cell.strip()
    try:
        if match := _ISO_DATE.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _UK_DATE.fullmatch(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if match := _ISO_MONTH.fullmatch(text):
            return date(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValueError(f"'{excerpt(text, 40)}' is not a date: write {PERIOD_FORMS}") from None
    if (match := _MONTH_YEAR.fullmatch(text)) and match[1].lower() in _MONTHS:
        year = int(match[2]) + (2000 if len(match[2]) == 2 else 0)
        return date(year, _MONTHS[match[1].lower()], 1)
    return None
