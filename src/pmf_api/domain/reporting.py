"""Which period a status report shows, and whether its value is in.

A scorecard is asked for one period but holds KPIs of every frequency; each KPI reports the period
of its own frequency that goes with the one asked for (:func:`reporting_period`). Without a period,
each reports the latest of its frequency that has ended (:func:`latest_ended_period`).
:func:`completeness` says whether a period's value has been submitted and counted, and whether it
is due (seed 001_ec6bae7b38cacc6f.txt, C.2: values are collected after each period ends).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pmf_api.domain.evaluation import EvaluationConfig
from pmf_api.domain.periods import DEFAULT_START_MONTH, Frequency, Period, period_of
from pmf_api.domain.workflow import SubmissionState

COUNTED = frozenset({SubmissionState.VALIDATED, SubmissionState.PUBLISHED})
"""States whose values count: checked by the performance team (seed 001, C.2.2)."""


def latest_ended_period(as_of: date, frequency: Frequency, start_month: int = DEFAULT_START_MONTH) -> Period:
    """The latest period of ``frequency`` that ended before ``as_of`` (on 5 Nov 2026: P7, Q2, 2025/26)."""
    return period_of(as_of, frequency, start_month).previous()


def reporting_period(requested: Period, frequency: Frequency) -> Period:
    """The period a KPI of ``frequency`` reports when ``requested`` is asked for.

    A shorter or equal request lies within one period of the KPI's frequency: P5 gives Q2 for a
    quarterly KPI and the year for an annual one. A longer request gives the KPI's last period
    inside it: Q2 gives P6 for a monthly KPI, the year gives P12 or Q4.
    """
    if frequency.months_per_period >= requested.frequency.months_per_period:
        return requested.within(frequency)
    return Period(requested.financial_year, frequency, requested.last_month_index // frequency.months_per_period)


def closing_period(frequency: Frequency, period: Period) -> Period | None:
    """The period of a KPI of ``frequency`` that closes with ``period``, if one does: September
    (P6) closes Q2 and March (P12) the year; August closes no quarter. What a service owes at the
    end of ``period`` (its submission template, seed 001_ec6bae7b38cacc6f.txt, E.1)."""
    if frequency.months_per_period < period.frequency.months_per_period:
        return None
    due = period.within(frequency)
    return due if due.last_month_index == period.last_month_index else None


def due_date(period: Period, config: EvaluationConfig = EvaluationConfig()) -> date:
    """The last day to submit: ``submission_due_days`` after the period ends (as ``evaluate_kpi`` counts)."""
    return period.end_date(config.start_month) + timedelta(days=config.submission_due_days)


@dataclass(frozen=True, slots=True)
class Completeness:
    """Whether a period's value is in.

    ``submitted``: the owner has sent it to the performance team (any state after draft);
    ``counted``: validated or published, so it counts for RAG and forecasts; ``due``: the due date
    has passed; ``missing``: due and not submitted (a Missing RAG also covers values submitted
    but not yet validated, since only counted values are rated).
    """

    period: Period
    state: SubmissionState | None
    due_date: date
    due: bool
    submitted: bool
    counted: bool
    missing: bool


def completeness(
    period: Period, state: SubmissionState | None, as_of: date, config: EvaluationConfig = EvaluationConfig()
) -> Completeness:
    deadline = due_date(period, config)
    due = as_of > deadline
    submitted = state is not None and state is not SubmissionState.DRAFT
    return Completeness(
        period=period,
        state=state,
        due_date=deadline,
        due=due,
        submitted=submitted,
        counted=state in COUNTED,
        missing=due and not submitted,
    )
