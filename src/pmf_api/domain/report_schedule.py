"""Which periods are due a scheduled snapshot on a given day (issue 13, item 6).

A month's snapshot (the monthly board pack, seed 001_ec6bae7b38cacc6f.txt C.2; seed 002's monthly
highlights and exceptions) and a quarter's (the quarterly Corporate Performance Report) are frozen
once the period has ended and its values have had time to come in: ``wait_working_days`` working
days after the period's last day, which by default matches the collection due date (10 working
days, seed 001, C.2). Freezing a period that has not ended is refused elsewhere; this rule never
proposes one.

The scheduler asks every so often; each period is proposed on every check from its due day on, and
a unique record per council and period makes sure it is frozen once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta

from pmf_api.domain.calendar import ENGLAND_AND_WALES_BANK_HOLIDAYS, add_working_days
from pmf_api.domain.periods import DEFAULT_START_MONTH, Frequency, Period, financial_year_of

DEFAULT_WAIT_WORKING_DAYS = 10
SCHEDULED_FREQUENCIES = (Frequency.MONTHLY, Frequency.QUARTERLY)


def snapshot_due_on(
    period: Period,
    *,
    start_month: int = DEFAULT_START_MONTH,
    wait_working_days: int = DEFAULT_WAIT_WORKING_DAYS,
    holidays: Collection[date] = ENGLAND_AND_WALES_BANK_HOLIDAYS,
) -> date:
    """The first day ``period`` may be frozen by the schedule: ``wait_working_days`` working days after it ends
    (the day after it ends when no wait is asked)."""
    end = period.end_date(start_month)
    if wait_working_days <= 0:
        return end + timedelta(days=1)
    return add_working_days(end, wait_working_days, holidays)


def period_containing(day: date, frequency: Frequency, start_month: int = DEFAULT_START_MONTH) -> Period:
    """The month, quarter or year of ``frequency`` that ``day`` falls in."""
    year = financial_year_of(day, start_month)
    month_index = (day.month - start_month) % 12 + 1
    if frequency is Frequency.MONTHLY:
        return Period.month(year, month_index)
    if frequency is Frequency.QUARTERLY:
        return Period.quarter(year, (month_index - 1) // 3 + 1)
    return Period.year(year)


def due_snapshots(
    as_of: date,
    *,
    start_month: int = DEFAULT_START_MONTH,
    wait_working_days: int = DEFAULT_WAIT_WORKING_DAYS,
    frequencies: Iterable[Frequency] = SCHEDULED_FREQUENCIES,
    lookback: int = 1,
    holidays: Collection[date] = ENGLAND_AND_WALES_BANK_HOLIDAYS,
) -> list[Period]:
    """The periods due a scheduled snapshot on ``as_of``: for each frequency, the ``lookback`` latest
    periods whose due day (``snapshot_due_on``) has come, latest first, months before quarters.

    ``lookback`` above 1 lets a scheduler that was stopped over a due day catch up; the caller
    freezes each period once, so proposing it again is harmless.
    """
    if lookback < 1:
        raise ValueError(f"lookback must be at least 1, not {lookback}")
    due: list[Period] = []
    for frequency in frequencies:
        period = period_containing(as_of, frequency, start_month)
        while (
            snapshot_due_on(period, start_month=start_month, wait_working_days=wait_working_days, holidays=holidays)
            > as_of
        ):
            period = period.previous()
        for _ in range(lookback):
            due.append(period)
            period = period.previous()
    return due
