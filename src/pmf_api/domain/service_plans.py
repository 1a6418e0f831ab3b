"""Service plans' reviews and versions (seed 001_ec6bae7b38cacc6f.txt, Appendix D).

D.1's timeline makes the plan's workflow (``domain.workflow.SERVICE_PLAN_MACHINE``) a sequence of real
review steps: managers enter the plan and send it for review (step 3), the Transformation Team's quality
review (step 4), the strategic review by Heads of Service and CLT (step 5), approval (steps 6-7) and
publication (step 7). Each move is one :class:`Review`: which step it decides and how. A move back to an
earlier state sends the plan back, and says why (a comment).

Once approved, a plan's content is frozen: it is what the council agreed. A change is a new version (a
draft again) that goes through the reviews again; the approved version stays in force until the new one
is approved, and then it is ``superseded``. D.2: next year's plan starts as a copy of this year's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from pmf_api.domain.errors import DomainError, InvalidValue, TransitionNotAllowed
from pmf_api.domain.workflow import ServicePlanState

__all__ = [
    "FROZEN_STATES",
    "IN_FORCE_STATES",
    "Decision",
    "Review",
    "ReviewStep",
    "Version",
    "next_version",
    "require_editable",
    "review_of",
    "superseded_by_approval",
]

S = ServicePlanState

# The order of the workflow's states: a move to an earlier one sends the plan back.
_ORDER = {S.DRAFT: 0, S.QUALITY_REVIEW: 1, S.STRATEGIC_REVIEW: 2, S.APPROVED: 3, S.PUBLISHED: 4, S.SUPERSEDED: 5}

# A plan in these states is what was agreed (or was): its content no longer changes.
FROZEN_STATES = frozenset({S.APPROVED, S.PUBLISHED, S.SUPERSEDED})
# The version in force: approved, or approved and published.
IN_FORCE_STATES = frozenset({S.APPROVED, S.PUBLISHED})


class ReviewStep(StrEnum):
    """The step of D.1's timeline a move decides."""

    SUBMISSION = "submission"  # step 3: the manager sends the plan for review
    QUALITY_REVIEW = "quality_review"  # step 4: the Transformation (performance) Team
    STRATEGIC_REVIEW = "strategic_review"  # steps 5-6: Heads of Service and CLT
    PUBLICATION = "publication"  # step 7: the approved plan is published


class Decision(StrEnum):
    SUBMITTED = "submitted"  # sent for quality review
    PASSED = "passed"  # quality review passed: on to the strategic review
    APPROVED = "approved"  # the strategic review approved the plan
    PUBLISHED = "published"
    SENT_BACK = "sent_back"  # back to an earlier state, with a comment saying why


_STEP_OF = {
    S.DRAFT: ReviewStep.SUBMISSION,
    S.QUALITY_REVIEW: ReviewStep.QUALITY_REVIEW,
    S.STRATEGIC_REVIEW: ReviewStep.STRATEGIC_REVIEW,
    S.APPROVED: ReviewStep.PUBLICATION,
}
_FORWARD = {
    S.QUALITY_REVIEW: Decision.SUBMITTED,
    S.STRATEGIC_REVIEW: Decision.PASSED,
    S.APPROVED: Decision.APPROVED,
    S.PUBLISHED: Decision.PUBLISHED,
}


@dataclass(frozen=True, slots=True)
class Review:
    """What one move of a plan records: the step it decides and the decision."""

    step: ReviewStep
    decision: Decision


@dataclass(frozen=True, slots=True)
class Version:
    """One version of a service's plan for a year: its number and state."""

    number: int
    state: ServicePlanState


def review_of(current: ServicePlanState, to: ServicePlanState, comment: str | None) -> Review:
    """The review a move from ``current`` to ``to`` records (a move the workflow allows).

    Sending a plan back needs a comment saying why (the reviews are "collaborative reviews ... to
    refine and validate submissions", D.1 step 4): without one it is refused (``comment``)."""
    if current not in _STEP_OF or to is S.SUPERSEDED or to is current:
        raise TransitionNotAllowed(
            f"A service plan is not reviewed from {current.value} to {to.value}.",
            current=current.value,
            requested=to.value,
        )
    step = _STEP_OF[current]
    if _ORDER[to] > _ORDER[current]:
        return Review(step, _FORWARD[to])
    if not (comment or "").strip():
        raise InvalidValue(
            f"Sending a service plan back from {current.value} to {to.value} needs a comment saying why.",
            field="comment",
        )
    return Review(step, Decision.SENT_BACK)


def require_editable(state: ServicePlanState, number: int) -> None:
    """A plan's content changes only until it is approved; then by a new version."""
    if state in FROZEN_STATES:
        remedy = (
            "start a new version, which goes through the reviews again"
            if state in IN_FORCE_STATES
            else "change the version in force instead"
        )
        raise TransitionNotAllowed(
            f"Version {number} of this service plan is {state.value} and its content is frozen: {remedy}.",
            current=state.value,
            requested="edit",
        )


def next_version(versions: Iterable[Version], source: int) -> int:
    """The number of a new version of the plan, made from version ``source``.

    A new version is made from the version in force (approved or published), and only when no other
    version is being written or reviewed: that one is where changes go."""
    by_number = {v.number: v for v in versions}
    if source not in by_number:
        raise DomainError(f"There is no version {source} of this service plan.")
    open_ = sorted(v.number for v in by_number.values() if v.state not in FROZEN_STATES)
    if open_:
        raise TransitionNotAllowed(
            f"Version {open_[-1]} of this service plan is still {by_number[open_[-1]].state.value}: "
            "change it (or send it back) rather than starting another.",
            current=by_number[open_[-1]].state.value,
            requested="new version",
        )
    state = by_number[source].state
    if state not in IN_FORCE_STATES:
        raise TransitionNotAllowed(
            f"A new version is made from the version in force; version {source} is {state.value}.",
            current=state.value,
            requested="new version",
        )
    return max(by_number) + 1


def superseded_by_approval(versions: Iterable[Version], approved: int) -> list[int]:
    """The versions that approving version ``approved`` supersedes: those in force before it."""
    return sorted(v.number for v in versions if v.state in IN_FORCE_STATES and v.number != approved)
