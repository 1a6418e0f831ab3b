"""Individual objectives: the golden thread's last link (seeds 002_100bfcfd0ab8e4e8.txt,
003_2a403038ecab8362.txt and 004_d92670c30a2dff9f.txt: the thread runs from the corporate plan
through service plans to each employee's appraisal objectives).

An objective carries exactly one link up the thread: a service-plan action or an outcome. It is
reviewed twice a year, at mid-year and at year end; a review says how it stands, and is dated no
later than today.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pmf_api.domain.errors import InvalidValue


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
    stage: ReviewStage, state: ReviewState, reviewed_on: date | None, as_of: date
) -> list[InvalidValue]:
    """A review that says how the objective stands is dated, and not after today."""
    field = "reviewed_on"
    if state is ReviewState.NOT_DUE:
        return []
    if reviewed_on is None:
        return [InvalidValue(f"A {stage.value.replace('_', '-')} review of {state.value} needs its date.", field=field)]
    if reviewed_on > as_of:
        return [InvalidValue(f"The review date {reviewed_on} is in the future (today is {as_of}).", field=field)]
    return []
