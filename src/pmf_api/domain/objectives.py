"""Individual objectives: the golden thread's last link (seeds 002_100bfcfd0ab8e4e8.txt,
003_2a403038ecab8362.txt and 004_d92670c30a2dff9f.txt: the thread runs from the corporate plan
through service plans to each employee's appraisal objectives).

An objective carries exactly one link up the thread: a service-plan action or an outcome. It is
reviewed twice a year, at mid-year and at year end; a review says how it stands, and is dated no
later than today.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from pmf_api.domain.errors import InvalidValue
from pmf_api.domain.periods import FinancialYear, Period

# A year-end review is chased for this long after the year ends (as overdue values are).
YEAR_END_CHASE_DAYS = 92


class ReviewState(StrEnum):
    NOT_DUE = "not_due"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    ACHIEVED = "achieved"
    NOT_ACHIEVED = "not_achieved"


class ReviewStage(StrEnum):
    MID_YEAR = "mid_year"
    YEAR_END = "year_end"


def link_problems(action_id: object | None, outcome_id: object | None) -> list[InvalidValue]:
    """An objective links to exactly one of an action and an outcome."""
    if (action_id is None) == (outcome_id is None):
        which = "both" if action_id is not None else "neither"
        return [
            InvalidValue(
                f"Link the objective to exactly one of an action (action_id) or an outcome (outcome_id), not {which}.",
                field="action_id",
            )
        ]
    return []


def review_problems(
    stage: ReviewStage, state: ReviewState, reviewed_on: date | None, as_of: date, *, year_starts: date | None = None
) -> list[InvalidValue]:
    """A review that says how the objective stands is dated, not after today, and not before the
    objective's year starts (``year_starts``): a review of 2026/27 is not held in 2025."""
    field = "reviewed_on"
    if state is ReviewState.NOT_DUE:
        return []
    if reviewed_on is None:
        return [InvalidValue(f"A {stage.value.replace('_', '-')} review of {state.value} needs its date.", field=field)]
    if reviewed_on > as_of:
        return [InvalidValue(f"The review date {reviewed_on} is in the future (today is {as_of}).", field=field)]
    if year_starts is not None and reviewed_on < year_starts:
        return [
            InvalidValue(
                f"The review date {reviewed_on} is before the objective's year starts ({year_starts}).", field=field
            )
        ]
    return []


def reviews_due(
    year: FinancialYear, mid_year: ReviewState, year_end: ReviewState, *, as_of: date, start_month: int
) -> list[ReviewStage]:
    """The reviews the line manager owes on ``as_of``: the mid-year review from the first day of the
    year's second half until the year ends, the year-end review for 92 days after it ends; each
    while it says nothing yet (``not_due``)."""
    second_half = Period.quarter(year, 3).start_date(start_month)
    end = year.end_date(start_month)
    due = []
    if mid_year is ReviewState.NOT_DUE and second_half <= as_of <= end:
        due.append(ReviewStage.MID_YEAR)
    if year_end is ReviewState.NOT_DUE and end < as_of <= end + timedelta(days=YEAR_END_CHASE_DAYS):
        due.append(ReviewStage.YEAR_END)
    return due
