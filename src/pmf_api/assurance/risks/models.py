"""The risk register: risks, their review history, and what each risk is linked to
(seeds 003_2a403038ecab8362.txt and 004_d92670c30a2dff9f.txt; issue 12, item 2)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import Base, OrganisationOwned


class Risk(OrganisationOwned):
    """One entry of the strategic or an operational register.

    Scores are stored with their colour as assessed on the council's matrix at the time ("history never
    changes colour"); the residual (current) score moves only through a review, so its history is whole.
    """

    __tablename__ = "risk"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    # Cause, event and effect: "because of <cause>, <event> may happen, leading to <effect>"
    cause: Mapped[str] = mapped_column(Text)
    event: Mapped[str] = mapped_column(Text)
    effect: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    register: Mapped[str] = mapped_column(String(12), index=True)
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service.id"), default=None, index=True)
    directorate_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("directorate.id"), default=None, index=True)
    category: Mapped[str | None] = mapped_column(String(100), default=None)
    inherent_likelihood: Mapped[int]
    inherent_impact: Mapped[int]
    inherent_score: Mapped[int]
    inherent_rag: Mapped[str] = mapped_column(String(5))
    residual_likelihood: Mapped[int]
    residual_impact: Mapped[int]
    residual_score: Mapped[int]
    residual_rag: Mapped[str] = mapped_column(String(5), index=True)
    target_score: Mapped[int | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    # Existing controls as text; mitigating actions as [{"description", "action_id"}]: few per risk, edited with it
    controls: Mapped[list[str]] = mapped_column(default=list)
    mitigations: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    # Linked records (their ids as text); RiskLink indexes them for the lists' filters
    outcome_ids: Mapped[list[str]] = mapped_column(default=list)
    kpi_ids: Mapped[list[str]] = mapped_column(default=list)
    service_plan_ids: Mapped[list[str]] = mapped_column(default=list)
    action_ids: Mapped[list[str]] = mapped_column(default=list)
    # The review cycle: first assessed, last reviewed, next due, and how the score moved at the last review
    identified_on: Mapped[date]
    last_reviewed_on: Mapped[date | None] = mapped_column(default=None)
    next_review_due: Mapped[date] = mapped_column(index=True)
    trend: Mapped[str | None] = mapped_column(String(10), default=None)
    # Escalation from an operational register to the strategic one: who, when, why
    escalated_on: Mapped[date | None] = mapped_column(default=None)
    escalated_by: Mapped[str | None] = mapped_column(String(200), default=None)
    escalated_by_name: Mapped[str | None] = mapped_column(String(200), default=None)
    escalation_reason: Mapped[str | None] = mapped_column(Text, default=None)


class RiskReview(OrganisationOwned):
    """A review of a risk: the residual score it found, and when the next one is due. Never changed."""

    __tablename__ = "risk_review"

    risk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("risk.id"), index=True)
    reviewed_on: Mapped[date]
    likelihood: Mapped[int]
    impact: Mapped[int]
    score: Mapped[int]
    rag: Mapped[str] = mapped_column(String(5))
    previous_score: Mapped[int]
    trend: Mapped[str] = mapped_column(String(10))
    commentary: Mapped[str] = mapped_column(Text)
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None)
    reviewed_by: Mapped[str] = mapped_column(String(200))  # the subject who recorded it
    register: Mapped[str] = mapped_column(String(12))  # the register it was on when reviewed
    next_review_due: Mapped[date]


class RiskLink(Base):
    """One link from a risk to a record it bears on (an index kept by the risks service beside the
    risk's own lists, so lists filter by a linked KPI, action, outcome or service plan)."""

    __tablename__ = "risk_link"
    __table_args__ = (Index("ix_risk_link_kind_linked_id", "kind", "linked_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    risk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("risk.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # outcome, kpi, service_plan, action, mitigation
    linked_id: Mapped[uuid.UUID] = mapped_column(Uuid)
