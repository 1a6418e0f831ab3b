"""Northdale's budget monitoring and complaints (issue 13, seed 003_2a403038ecab8362.txt: the Joint
Finance and Performance Report): each service's budget, actual to date and forecast outturn for every
month of 2026/27 that has ended by ``DEMO_TODAY``, and its complaints for each quarter that has.

Housing Needs overspends on temporary accommodation, Red from the quarter's end; Leisure is Amber;
the rest are within budget or under it. Tables turned into rows, added and flushed (never committed).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.demo.delivery import START_MONTH, YEAR, Records
from pmf_api.demo.history import DEMO_TODAY
from pmf_api.domain import FinancialYear, Frequency, Period
from pmf_api.domain.finance import money
from pmf_api.performance.finance.models import BudgetMonitoring, ComplaintCount

# (service code, annual net budget in pounds, forecast variance at P7 as a percentage of it, note)
BUDGETS: list[tuple[str, int, str, str | None]] = [
    ("WASTE", 4_850_000, "0.6", "Fuel prices above the budgeted rate"),
    ("PLANNING", 1_120_000, "-2.5", "Two vacant planning officer posts"),
    ("ENVHEALTH", 960_000, "-0.4", None),
    ("HOUSING", 1_640_000, "7.8", "Temporary accommodation: nightly-paid placements up on last year"),
    ("LEISURE", 780_000, "2.2", "Utility costs at the leisure centre"),
    ("CUSTOMER", 1_310_000, "-1.1", None),
    ("REVBEN", 1_050_000, "0.3", None),
    ("FINANCE", 1_420_000, "-0.8", None),
    ("HROD", 690_000, "0.0", None),
]

# (service code, quarter, received, upheld, answered in time)
COMPLAINTS: list[tuple[str, int, int, int, int]] = [
    ("WASTE", 1, 42, 11, 38),
    ("WASTE", 2, 37, 8, 35),
    ("PLANNING", 1, 9, 2, 8),
    ("PLANNING", 2, 12, 3, 9),
    ("ENVHEALTH", 1, 5, 1, 5),
    ("ENVHEALTH", 2, 4, 0, 4),
    ("HOUSING", 1, 18, 6, 13),
    ("HOUSING", 2, 23, 9, 15),
    ("LEISURE", 1, 6, 1, 6),
    ("LEISURE", 2, 8, 2, 7),
    ("CUSTOMER", 1, 15, 3, 14),
    ("CUSTOMER", 2, 11, 2, 11),
    ("REVBEN", 1, 21, 5, 19),
    ("REVBEN", 2, 17, 4, 16),
]

LAST_MONTH = 7  # the forecast variance reaches its full size at P7


def _ended(frequency: Frequency) -> list[Period]:
    year = FinancialYear.parse(YEAR)
    periods = year.months() if frequency is Frequency.MONTHLY else year.quarters()
    return [period for period in periods if period.end_date(START_MONTH) < DEMO_TODAY]


def budget_rows(records: Records) -> list[BudgetMonitoring]:
    rows = []
    for code, annual, drift, note in BUDGETS:
        budget = Decimal(annual)
        for month in _ended(Frequency.MONTHLY):
            # The forecast drifts towards its P7 variance as the year's pressures become known
            share = Decimal(drift) * min(month.index, LAST_MONTH) / LAST_MONTH / 100
            forecast = money(budget * (1 + share)).quantize(Decimal(1))
            actual = money(forecast * month.index / 12 + Decimal(month.index * 37) / 100)
            rows.append(
                BudgetMonitoring(
                    id=uuid.uuid4(),
                    organisation_id=records.organisation_id,
                    service_id=records.services[code].id,
                    period=str(month),
                    period_end=month.end_date(START_MONTH),
                    budget=budget,
                    actual_to_date=actual,
                    forecast_outturn=forecast,
                    note=note if share else None,
                )
            )
    return rows


def complaint_rows(records: Records) -> list[ComplaintCount]:
    ended = {period.index: period for period in _ended(Frequency.QUARTERLY)}
    return [
        ComplaintCount(
            id=uuid.uuid4(),
            organisation_id=records.organisation_id,
            service_id=records.services[code].id,
            period=str(ended[quarter]),
            period_end=ended[quarter].end_date(START_MONTH),
            received=received,
            upheld=upheld,
            responded_in_time=in_time,
        )
        for code, quarter, received, upheld, in_time in COMPLAINTS
        if quarter in ended
    ]


async def load_finance(session: AsyncSession, records: Records) -> None:
    """Add the demo council's budget monitoring and complaints, and flush."""
    session.add_all([*budget_rows(records), *complaint_rows(records)])
    await session.flush()
