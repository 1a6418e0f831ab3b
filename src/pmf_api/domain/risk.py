"""Risk scoring and review dates.

A risk's score is likelihood x impact, each from 1 to 5 by default (seeds 003_2a403038ecab8362.txt
and 004_d92670c30a2dff9f.txt). Its RAG comes from a matrix: by default Red from 15, Amber from 5,
Green below (on a 5 x 5 matrix: 1-4 Green, 5-12 Amber, 15-25 Red); a council may set its own
thresholds or colour each cell. Reviews follow the score (seed 004_d92670c30a2dff9f.txt: "quarterly -
high-risk scores (Red), half-yearly - medium-risk scores (Amber), annually - low-risk scores (Green)").
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from pmf_api.domain.errors import InvalidValue
from pmf_api.domain.rag import Rag


@dataclass(frozen=True, slots=True)
class RiskMatrix:
    """How scores map to colours; ``cells`` (``(likelihood, impact) -> Rag``) overrides the thresholds."""

    max_likelihood: int = 5
    max_impact: int = 5
    amber_from: int = 5
    red_from: int = 15
    cells: Mapping[tuple[int, int], Rag] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 1 <= self.amber_from <= self.red_from:
            raise InvalidValue("The Amber threshold must be at least 1 and no higher than Red's.", field="amber_from")


@dataclass(frozen=True, slots=True)
class ReviewCycle:
    """Months between reviews by RAG (seed 004_d92670c30a2dff9f.txt)."""

    red_months: int = 3
    amber_months: int = 6
    green_months: int = 12


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    likelihood: int
    impact: int
    score: int
    rag: Rag


def assess_risk(likelihood: int, impact: int, matrix: RiskMatrix = RiskMatrix()) -> RiskAssessment:
    """Score a risk and colour it."""
    if not 1 <= likelihood <= matrix.max_likelihood:
        raise InvalidValue(
            f"Likelihood must be from 1 to {matrix.max_likelihood}, not {likelihood}.", field="likelihood"
        )
    if not 1 <= impact <= matrix.max_impact:
        raise InvalidValue(f"Impact must be from 1 to {matrix.max_impact}, not {impact}.", field="impact")
    score = likelihood * impact
    rag = matrix.cells.get((likelihood, impact))
    if rag is None:
        rag = Rag.RED if score >= matrix.red_from else Rag.AMBER if score >= matrix.amber_from else Rag.GREEN
    return RiskAssessment(likelihood, impact, score, rag)


def add_months(day: date, months: int) -> date:
    """``day`` moved on by ``months`` calendar months, kept within the month (31 Aug + 6 = end of Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review_date(rag: Rag, last_reviewed: date, cycle: ReviewCycle = ReviewCycle()) -> date:
    """When a risk of this colour is next due for review."""
    months = {Rag.RED: cycle.red_months, Rag.AMBER: cycle.amber_months, Rag.GREEN: cycle.green_months}.get(rag)
    if months is None:
        raise InvalidValue("A risk's review date needs a Red, Amber or Green rating.", field="rag")
    return add_months(last_reviewed, months)


# --- The register, its review cycle and a review's trend (issue 12, item 2) ---------------------------

# The Strategic Risk Register is reviewed every eight weeks, whatever a risk's score (seed
# 004_d92670c30a2dff9f.txt: "presented to the committee every eight weeks"; the Senior Leadership Team
# reviews "risks on an eight-week cycle").
STRATEGIC_REVIEW_DAYS = 56


class RiskRegister(StrEnum):
    """Which register a risk is on: the council's strategic register or a service's operational one."""

    STRATEGIC = "strategic"
    OPERATIONAL = "operational"


class RiskTrend(StrEnum):
    """How a risk's score moved at a review against the assessment before it (up is worse)."""

    UP = "up"
    DOWN = "down"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class RiskConfig:
    """A council's risk matrix and review cycles (``OrganisationSettings.risk``)."""

    matrix: RiskMatrix = field(default_factory=RiskMatrix)
    cycle: ReviewCycle = field(default_factory=ReviewCycle)
    strategic_review_days: int = STRATEGIC_REVIEW_DAYS


def score_problems(likelihood: int, impact: int, matrix: RiskMatrix, prefix: str) -> list[InvalidValue]:
    """What is wrong with a likelihood and impact on ``matrix``, each error naming its input
    (``{prefix}_likelihood``, ``{prefix}_impact``) so an API points at the field; empty when both fit."""
    problems: list[InvalidValue] = []
    if not 1 <= likelihood <= matrix.max_likelihood:
        problems.append(
            InvalidValue(
                f"Likelihood must be from 1 to {matrix.max_likelihood} on the council's matrix, not {likelihood}.",
                field=f"{prefix}_likelihood",
            )
        )
    if not 1 <= impact <= matrix.max_impact:
        problems.append(
            InvalidValue(
                f"Impact must be from 1 to {matrix.max_impact} on the council's matrix, not {impact}.",
                field=f"{prefix}_impact",
            )
        )
    return problems


def target_score_problems(target_score: int | None, matrix: RiskMatrix) -> list[InvalidValue]:
    """A target score must be one the matrix can give (1 to its largest likelihood x impact)."""
    largest = matrix.max_likelihood * matrix.max_impact
    if target_score is None or 1 <= target_score <= largest:
        return []
    return [InvalidValue(f"A target score must be from 1 to {largest}, not {target_score}.", field="target_score")]


def next_risk_review(rag: Rag, reviewed_on: date, register: RiskRegister, config: RiskConfig = RiskConfig()) -> date:
    """When a risk reviewed (or first assessed) on ``reviewed_on`` is next due: every eight weeks on the
    strategic register whatever its colour, else by its colour (seed 004_d92670c30a2dff9f.txt)."""
    if register is RiskRegister.STRATEGIC:
        return reviewed_on + timedelta(days=config.strategic_review_days)
    return next_review_date(rag, reviewed_on, config.cycle)


def risk_trend(previous_score: int, score: int) -> RiskTrend:
    """The score's movement since the assessment before (a higher score is a worse risk)."""
    if score > previous_score:
        return RiskTrend.UP
    if score < previous_score:
        return RiskTrend.DOWN
    return RiskTrend.UNCHANGED


def review_date_problems(reviewed_on: date, as_of: date, last_reviewed_on: date | None) -> list[InvalidValue]:
    """A review is dated no later than today and no earlier than the last one recorded (issue 12:
    "a review dated in the past" means earlier than the history already holds)."""
    if reviewed_on > as_of:
        return [InvalidValue(f"A review cannot be dated after today ({as_of.isoformat()}).", field="reviewed_on")]
    if last_reviewed_on is not None and reviewed_on < last_reviewed_on:
        return [
            InvalidValue(
                f"The last review was on {last_reviewed_on.isoformat()}: a review cannot be dated before it.",
                field="reviewed_on",
            )
        ]
    return []


def review_overdue(next_review_due: date, as_of: date) -> bool:
    """Overdue once the day it was due has passed."""
    return next_review_due < as_of


# A risk's owner is reminded this many days before its review falls due, then once it is overdue.
REVIEW_DUE_SOON_DAYS = 14


class RiskReminder(StrEnum):
    """The reminders a risk's owner gets of its review (kinds of ``assurance.notifications``)."""

    REVIEW_DUE = "risk_review_due"
    REVIEW_OVERDUE = "risk_review_overdue"


def risk_review_reminder(
    next_review_due: date, as_of: date, due_soon_days: int = REVIEW_DUE_SOON_DAYS
) -> RiskReminder | None:
    """Whether a risk's owner is reminded of its review today: overdue once the day has passed, due from
    ``due_soon_days`` before it; otherwise not yet."""
    if review_overdue(next_review_due, as_of):
        return RiskReminder.REVIEW_OVERDUE
    if next_review_due - as_of <= timedelta(days=due_soon_days):
        return RiskReminder.REVIEW_DUE
    return None
