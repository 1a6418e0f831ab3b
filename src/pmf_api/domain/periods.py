"""Financial years and reporting periods.

A council's financial year runs April to March and is written ``"2025/26"``. Its months are
P1 (April) to P12 (March), its quarters Q1 (April-June) to Q4 (January-March), and the year as a
whole is the annual period ``"2025/26"``. The start month is configurable per organisation
(``start_month``, default 4 = April): a financial year is always labelled by the calendar year it
starts in, so with ``start_month=1`` the year ``"2025/26"`` is January-December 2025.

Periods are pure values: they know their position in the year and their neighbours; dates are
worked out only when a start month is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from pmf_api.domain.errors import InvalidPeriod

DEFAULT_START_MONTH = 4
"""April: the start of the UK public-sector financial year."""

MONTHS_IN_YEAR = 12
MONTHS_IN_QUARTER = 3
_MIN_YEAR = 1900
_MAX_YEAR = 9998

_YEAR_PATTERN = re.compile(r"(\d{4})/(\d{2})")
_PERIOD_PATTERN = re.compile(r"(\d{4}/\d{2})(?:\s+([PQpq])(\d{1,2}))?")


def _check_start_month(start_month: int) -> None:
    if not 1 <= start_month <= MONTHS_IN_YEAR:
        raise InvalidPeriod(
            f"The financial year start month must be between 1 and 12, not {start_month}.",
            field="start_month",
        )


@dataclass(frozen=True, order=True, slots=True)
class FinancialYear:
    """A financial year, identified by the calendar year it starts in (``2025`` for ``"2025/26"``)."""

    start_year: int

    def __post_init__(self) -> None:
        if not _MIN_YEAR <= self.start_year <= _MAX_YEAR:
            raise InvalidPeriod(
                f"The financial year must start between {_MIN_YEAR} and {_MAX_YEAR}, not {self.start_year}.",
                field="financial_year",
            )

    @classmethod
    def parse(cls, text: str) -> FinancialYear:
        """Read a label such as ``"2025/26"``; the second part must be the year after the first."""
        match = _YEAR_PATTERN.fullmatch(text.strip())
        if match is None:
            raise InvalidPeriod(
                f"{text!r} is not a financial year: write it as YYYY/YY, for example 2025/26.",
                field="financial_year",
            )
        start_year = int(match.group(1))
        if int(match.group(2)) != (start_year + 1) % 100:
            raise InvalidPeriod(
                f"{text!r} is not a financial year: {start_year} must be followed by "
                f"{(start_year + 1) % 100:02d}, as in {start_year}/{(start_year + 1) % 100:02d}.",
                field="financial_year",
            )
        return cls(start_year)

    def __str__(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    def start_date(self, start_month: int = DEFAULT_START_MONTH) -> date:
        """The first day of the year."""
        _check_start_month(start_month)
        return date(self.start_year, start_month, 1)

    def end_date(self, start_month: int = DEFAULT_START_MONTH) -> date:
        """The last day of the year (the day before the next year starts)."""
        return self.next().start_date(start_month) - timedelta(days=1)

    def contains(self, day: date, start_month: int = DEFAULT_START_MONTH) -> bool:
        """Whether ``day`` falls within this year."""
        return financial_year_of(day, start_month) == self

    def next(self) -> FinancialYear:
        return FinancialYear(self.start_year + 1)

    def previous(self) -> FinancialYear:
        return FinancialYear(self.start_year - 1)

    def months(self) -> tuple[Period, ...]:
        """P1 to P12 of this year."""
        return tuple(Period(self, Frequency.MONTHLY, index) for index in range(1, MONTHS_IN_YEAR + 1))

    def quarters(self) -> tuple[Period, ...]:
        """Q1 to Q4 of this year."""
        return tuple(Period(self, Frequency.QUARTERLY, index) for index in range(1, 5))

    def annual(self) -> Period:
        """The whole year as a period."""
        return Period(self, Frequency.ANNUAL, 1)


def financial_year_of(day: date, start_month: int = DEFAULT_START_MONTH) -> FinancialYear:
    """The financial year a date falls in (with the default, 31 March 2026 is in 2025/26)."""
    _check_start_month(start_month)
    return FinancialYear(day.year if day.month >= start_month else day.year - 1)


class Frequency(StrEnum):
    """How often a KPI is reported."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"

    @property
    def periods_per_year(self) -> int:
        return _PERIODS_PER_YEAR[self]

    @property
    def months_per_period(self) -> int:
        return MONTHS_IN_YEAR // _PERIODS_PER_YEAR[self]


_PERIODS_PER_YEAR = {Frequency.MONTHLY: 12, Frequency.QUARTERLY: 4, Frequency.ANNUAL: 1}
_PREFIX = {Frequency.MONTHLY: "P", Frequency.QUARTERLY: "Q"}
_FREQUENCY_OF_PREFIX = {"P": Frequency.MONTHLY, "Q": Frequency.QUARTERLY}


@dataclass(frozen=True, slots=True, eq=False)
class Period:
    """A month (P1-P12), quarter (Q1-Q4) or whole financial year.

    Periods order by when they start, then by length (so ``2025/26`` annual sorts after P1 and
    Q1, which start on the same day but are shorter).
    """

    financial_year: FinancialYear
    frequency: Frequency
    index: int = 1
    ordinal: int = field(init=False, repr=False)
    """A sort key: periods order by start (year, first month), then by length. It identifies the
    period, so it is also the hash; worked out once, as periods are compared and looked up everywhere."""
    position: int = field(init=False, repr=False)
    """Where the period lies on its frequency's timeline: consecutive periods of one frequency have
    consecutive positions (so last year's is ``periods_per_year`` less). Positions of different
    frequencies overlap: compare them only between periods of the same frequency."""
    _months: int = field(init=False, repr=False)
    """Months in the period (1, 3 or 12)."""

    def __post_init__(self) -> None:
        count = _PERIODS_PER_YEAR[self.frequency]
        if not 1 <= self.index <= count:
            raise InvalidPeriod(
                f"A {self.frequency.value} period index must be between 1 and {count}, not {self.index}.",
                field="period",
            )
        months = MONTHS_IN_YEAR // count
        object.__setattr__(self, "_months", months)
        object.__setattr__(self, "position", self.financial_year.start_year * count + self.index - 1)
        object.__setattr__(
            self, "ordinal", (self.financial_year.start_year * 100 + (self.index - 1) * months) * 100 + months
        )

    @classmethod
    def month(cls, financial_year: FinancialYear | str, index: int) -> Period:
        return cls(_as_year(financial_year), Frequency.MONTHLY, index)

    @classmethod
    def quarter(cls, financial_year: FinancialYear | str, index: int) -> Period:
        return cls(_as_year(financial_year), Frequency.QUARTERLY, index)

    @classmethod
    def year(cls, financial_year: FinancialYear | str) -> Period:
        return cls(_as_year(financial_year), Frequency.ANNUAL, 1)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read ``"2025/26 P3"`` (a month), ``"2025/26 Q1"`` (a quarter) or ``"2025/26"`` (the year).

        Periods are immutable, so each text is read once: stored values name the same few dozen
        periods thousands of times (a scorecard reads 36 months for every KPI).
        """
        return _parse_period(text)

    def __str__(self) -> str:
        if self.frequency is Frequency.ANNUAL:
            return str(self.financial_year)
        return f"{self.financial_year} {_PREFIX[self.frequency]}{self.index}"

    # Ordering -------------------------------------------------------------------------------
    # The ordinal is unique per period (the first month's offset is below 100 and the length tells
    # the frequency apart), so equality, order and hash all read it alone.

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self.ordinal < other.ordinal

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self.ordinal <= other.ordinal

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self.ordinal > other.ordinal

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self.ordinal >= other.ordinal

    def __hash__(self) -> int:
        return self.ordinal

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self.ordinal == other.ordinal

    # Position in the year -------------------------------------------------------------------

    @property
    def first_month_index(self) -> int:
        """The month of the year (1 = first month) this period starts in."""
        return (self.index - 1) * self._months + 1

    @property
    def last_month_index(self) -> int:
        """The month of the year (12 = last month) this period ends in; months elapsed at its end."""
        return self.index * self._months

    @property
    def is_year_end(self) -> bool:
        return self.last_month_index == MONTHS_IN_YEAR

    def within(self, frequency: Frequency) -> Period:
        """The period of ``frequency`` containing this one (P5 within quarterly is Q2)."""
        if frequency.months_per_period < self.frequency.months_per_period:
            raise InvalidPeriod(
                f"{self} is longer than one {frequency.value} period, so it does not lie within one.",
                field="frequency",
            )
        return Period(self.financial_year, frequency, (self.first_month_index - 1) // frequency.months_per_period + 1)

    # Neighbours -----------------------------------------------------------------------------

    def next(self) -> Period:
        if self.index == _PERIODS_PER_YEAR[self.frequency]:
            return Period(self.financial_year.next(), self.frequency, 1)
        return Period(self.financial_year, self.frequency, self.index + 1)

    def previous(self) -> Period:
        if self.index == 1:
            return Period(self.financial_year.previous(), self.frequency, _PERIODS_PER_YEAR[self.frequency])
        return Period(self.financial_year, self.frequency, self.index - 1)

    def shift(self, steps: int) -> Period:
        """The period ``steps`` periods later (earlier when negative)."""
        count = _PERIODS_PER_YEAR[self.frequency]
        years, index = divmod(self.index - 1 + steps, count)
        year = self.financial_year if years == 0 else FinancialYear(self.financial_year.start_year + years)
        return Period(year, self.frequency, index + 1)

    def periods_since(self, earlier: Period) -> int:
        """How many periods of this frequency lie between ``earlier`` and this one (0 if equal)."""
        if earlier.frequency is not self.frequency:
            raise InvalidPeriod(
                f"Cannot count from {earlier} to {self}: they are of different frequencies.", field="period"
            )
        count = _PERIODS_PER_YEAR[self.frequency]
        return (self.financial_year.start_year - earlier.financial_year.start_year) * count + (
            self.index - earlier.index
        )

    def same_period_last_year(self) -> Period:
        return Period(self.financial_year.previous(), self.frequency, self.index)

    # Composition ----------------------------------------------------------------------------

    def months(self) -> tuple[Period, ...]:
        """The months that make up this period (itself, for a month)."""
        return tuple(
            Period(self.financial_year, Frequency.MONTHLY, month)
            for month in range(self.first_month_index, self.last_month_index + 1)
        )

    def ytd_periods(self) -> tuple[Period, ...]:
        """The periods of the same frequency from the start of the year up to and including this one."""
        return tuple(Period(self.financial_year, self.frequency, index) for index in range(1, self.index + 1))

    def ytd_months(self) -> tuple[Period, ...]:
        """The months from the start of the year to the end of this period."""
        return tuple(Period(self.financial_year, Frequency.MONTHLY, m) for m in range(1, self.last_month_index + 1))

    # Dates ----------------------------------------------------------------------------------

    def start_date(self, start_month: int = DEFAULT_START_MONTH) -> date:
        return _month_start(self.financial_year, self.first_month_index, start_month)

    def end_date(self, start_month: int = DEFAULT_START_MONTH) -> date:
        if self.last_month_index == MONTHS_IN_YEAR:
            return self.financial_year.end_date(start_month)
        return _month_start(self.financial_year, self.last_month_index + 1, start_month) - timedelta(days=1)

    def contains(self, day: date, start_month: int = DEFAULT_START_MONTH) -> bool:
        return self.start_date(start_month) <= day <= self.end_date(start_month)


def period_of(day: date, frequency: Frequency = Frequency.MONTHLY, start_month: int = DEFAULT_START_MONTH) -> Period:
    """The period of the given frequency (monthly by default) that a date falls in."""
    financial_year = financial_year_of(day, start_month)
    month_index = (day.month - start_month) % MONTHS_IN_YEAR + 1
    return Period(financial_year, Frequency.MONTHLY, month_index).within(frequency)


def _month_start(financial_year: FinancialYear, month_index: int, start_month: int) -> date:
    start = financial_year.start_date(start_month)
    months = start.month - 1 + month_index - 1
    return date(start.year + months // MONTHS_IN_YEAR, months % MONTHS_IN_YEAR + 1, 1)


def _as_year(financial_year: FinancialYear | str) -> FinancialYear:
    return financial_year if isinstance(financial_year, FinancialYear) else FinancialYear.parse(financial_year)


@lru_cache(maxsize=4096)
def _parse_period(text: str) -> Period:
    match = _PERIOD_PATTERN.fullmatch(text.strip())
    if match is None:
        raise InvalidPeriod(
            f"{text!r} is not a period: write 2025/26 P3 for a month, 2025/26 Q1 for a quarter "
            "or 2025/26 for the year.",
            field="period",
        )
    financial_year = FinancialYear.parse(match.group(1))
    if match.group(2) is None:
        return Period(financial_year, Frequency.ANNUAL, 1)
    frequency = _FREQUENCY_OF_PREFIX[match.group(2).upper()]
    return Period(financial_year, frequency, int(match.group(3)))
