"""Rules of the Corporate Plan itself."""

from __future__ import annotations

from pmf_api.domain.errors import InvalidValue

# A corporate plan usually runs four or five years (seed 001_ec6bae7b38cacc6f.txt: 2023-2028); ten is
# a generous ceiling that still catches a mistyped year.
MAX_PLAN_SPAN_YEARS = 10


def plan_span_problems(start_year: int, end_year: int) -> list[InvalidValue]:
    """What is wrong with a plan's span: it ends before it starts, or runs implausibly long."""
    if end_year < start_year:
        return [InvalidValue(f"The plan ends ({end_year}) before it starts ({start_year})", field="end_year")]
    if end_year - start_year > MAX_PLAN_SPAN_YEARS:
        return [
            InvalidValue(
                f"A corporate plan spans at most {MAX_PLAN_SPAN_YEARS} years; this one spans {end_year - start_year}",
                field="end_year",
            )
        ]
    return []
