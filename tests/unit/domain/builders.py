"""Small builders shared by the domain tests (imported, not fixtures)."""

from __future__ import annotations

from decimal import Decimal

from pmf_api.domain import FinancialYear, Observation, Period


def d(text: str | int) -> Decimal:
    return Decimal(str(text))


def months(year: int, values: list[int | str | None], start: int = 1) -> list[Observation]:
    """Monthly observations of ``year`` from P``start``."""
    return [
        Observation(Period.month(FinancialYear(year), start + i), value=None if v is None else d(v))
        for i, v in enumerate(values)
    ]
