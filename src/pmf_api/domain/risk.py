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
from datetime import date

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
