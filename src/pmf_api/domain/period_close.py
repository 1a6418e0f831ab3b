"""Closing a period: which KPI values a closed period locks, and who may still change them.

Issue 13, item 2: closing a quarter locks its values; a later change needs the performance team and,
for a published value, a revision with a reason; what is republished after the close is a
restatement ("reported 45.2% Green on 15 July; restated 44.1% Amber on 2 September: source system
corrected") that the next report lists.

A KPI's period lies within a closed period when every month of it does: closing Q2 locks a monthly
KPI's P4, P5 and P6 and a quarterly KPI's Q2, not an annual KPI's year (which is not over, or not
reported, with Q2). Closing a month locks only that month. A period is closed once it has ended.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from pmf_api.domain.errors import DomainError, InvalidPeriod
from pmf_api.domain.periods import DEFAULT_START_MONTH, Frequency, Period
from pmf_api.domain.workflow import COUNTED_SUBMISSION_STATES, SubmissionState

MISSING = "missing"
"""The state listed for a value a KPI owes for a closed period but never entered."""


def lies_within(period: Period, closed: Period) -> bool:
    """Whether every month of ``period`` is a month of ``closed`` (P5 and Q2 lie within Q2; the year does not)."""
    return (
        period.financial_year == closed.financial_year
        and closed.first_month_index <= period.first_month_index
        and period.last_month_index <= closed.last_month_index
    )


def periods_within(closed: Period) -> tuple[Period, ...]:
    """Every KPI period, of any frequency, that lies within ``closed``: for Q2, P4, P5, P6 and Q2."""
    year = closed.financial_year
    candidates = (*year.months(), *year.quarters(), year.annual())
    return tuple(period for period in candidates if lies_within(period, closed))


def periods_of_frequency_within(closed: Period, frequency: Frequency) -> tuple[Period, ...]:
    """The periods a KPI of ``frequency`` reports that lie within ``closed``."""
    return tuple(period for period in periods_within(closed) if period.frequency is frequency)


def covering(period: Period, closed: Iterable[Period]) -> Period | None:
    """The longest of ``closed`` that ``period`` lies within, if any."""
    found = [each for each in closed if lies_within(period, each)]
    return max(found, key=lambda each: each.frequency.months_per_period) if found else None


def close_problems(period: Period, as_of: date, start_month: int = DEFAULT_START_MONTH) -> list[DomainError]:
    """Why ``period`` cannot be closed on ``as_of``: it has not ended."""
    ends = period.end_date(start_month)
    if as_of <= ends:
        return [
            InvalidPeriod(
                f"{period} has not ended (it ends on {ends.isoformat()}): a period is closed once its values are in",
                field="period",
            )
        ]
    return []


def unvalidated(state: SubmissionState | None) -> bool:
    """Whether a value in ``state`` (None: never entered) is still to be checked by the performance team:
    anything but validated or published (seed 001_ec6bae7b38cacc6f.txt, C.2.2)."""
    return state not in COUNTED_SUBMISSION_STATES


def state_label(state: SubmissionState | None) -> str:
    """How a closure lists a value's state: its workflow state, or ``missing`` if none was entered."""
    return MISSING if state is None else state.value


def lock_refusal(
    period: Period,
    closed: Iterable[Period],
    *,
    performance_team: bool,
    published: bool,
    revising: bool,
) -> Period | None:
    """The closed period that refuses a write to a value of ``period``, or None if the write may go ahead.

    Nothing is refused outside a closed period. Inside one, only the performance team writes; and a
    value counted as reported (``published``: published, or validated and not being published) changes
    only through a revision (which carries its reason).
    """
    closing = covering(period, closed)
    if closing is None:
        return None
    if not performance_team:
        return closing
    if published and not revising:
        return closing
    return None


def locked_message(kpi_code: str, period: Period, closed: Period) -> str:
    """What a refused write is told."""
    where = "is closed" if period == closed else f"lies within {closed}, which is closed"
    return (
        f"{kpi_code}'s value for {period} cannot be changed: {period} {where}. The performance team may "
        "revise it, with a reason (POST /submissions/{id}/revisions for a published value), and the change "
        "is listed as a restatement"
    )


def restatement_reason(revision_reason: str | None, close_reason: str | None, closed: Period) -> str:
    """Why a value was published after its period closed: the revision's reason; for a value first
    published after the close, the reason the period was closed with; else that it came in late."""
    for reason in (revision_reason, close_reason):
        if reason is not None and reason.strip():
            return reason.strip()
    return f"Published after {closed} was closed"
