"""Which period a status report shows, and whether its value is in.

A scorecard is asked for one period but holds KPIs of every frequency; each KPI reports the period
of its own frequency that goes with the one asked for (:func:`reporting_period`). Without a period,
each reports the latest of its frequency that has ended (:func:`latest_ended_period`).
:func:`completeness` says whether a period's value has been submitted and counted, when it is due
(:func:`due_on`, the collection due date; seed 001_ec6bae7b38cacc6f.txt, C.2 and E.1: values are
collected after each period ends) and from when a value not in counts as Missing (:func:`missing_from`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pmf_api.domain.calendar import collection_window
from pmf_api.domain.evaluation import EvaluationConfig
from pmf_api.domain.evaluation import missing_from as missing_from
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


def due_on(period: Period, config: EvaluationConfig = EvaluationConfig()) -> date:
    """The collection due date: values are due by the end of this day, ``due_working_days`` working
    days after the period ends (seed 001_ec6bae7b38cacc6f.txt, E.1); owners are chased from the next."""
    return collection_window(period, start_month=config.start_month, due_working_days=config.due_working_days).due


class ValueState(StrEnum):
    """Where a period's value stands for status: only a counted value is rated."""

    COUNTED = "counted"  # validated or published: rated
    AWAITING_VALIDATION = "awaiting_validation"  # submitted, queried or resubmitted: not rated yet
    MISSING = "missing"  # not submitted (none, or a draft) and ``missing_from`` has come: rated Missing
    NOT_YET_DUE = "not_yet_due"  # not submitted, and ``missing_from`` has not come: not rated


@dataclass(frozen=True, slots=True)
class Completeness:
    """Whether a period's value is in.

    ``submitted``: the owner has sent it to the performance team (any state after draft);
    ``counted``: validated or published, so it counts for RAG and forecasts; ``due_on``: the
    collection due date; ``missing_from``: the first day a value not submitted counts as Missing;
    ``missing``: that day has come and nothing is submitted; ``value_state``: all of it in one word.
    """

    period: Period
    state: SubmissionState | None
    due_on: date
    missing_from: date
    submitted: bool
    counted: bool
    missing: bool
    value_state: ValueState

    @property
    def awaiting_validation(self) -> bool:
        return self.value_state is ValueState.AWAITING_VALIDATION


def completeness(
    period: Period, state: SubmissionState | None, as_of: date, config: EvaluationConfig = EvaluationConfig()
) -> Completeness:
    starts = missing_from(period, config)
    submitted = state is not None and state is not SubmissionState.DRAFT
    counted = state in COUNTED
    missing = as_of >= starts and not submitted
    if counted:
        value_state = ValueState.COUNTED
    elif submitted:
        value_state = ValueState.AWAITING_VALIDATION
    else:
        value_state = ValueState.MISSING if missing else ValueState.NOT_YET_DUE
    return Completeness(
        period=period,
        state=state,
        due_on=due_on(period, config),
        missing_from=starts,
        submitted=submitted,
        counted=counted,
        missing=missing,
        value_state=value_state,
    )
