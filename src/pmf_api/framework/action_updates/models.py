"""Quarterly action updates (seed 001_ec6bae7b38cacc6f.txt, "Corporate Plan Actions": "each action will
receive an update, RAG status, and an impact each quarter")."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import OrganisationOwned


class ActionUpdate(OrganisationOwned):
    """One action's update for one quarter, with the stored result of the RAG check (a flag, not a
    refusal) and where it stands with the performance team (``domain.action_updates``)."""

    __tablename__ = "action_update"
    __table_args__ = (UniqueConstraint("action_id", "financial_year", "quarter"),)

    action_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("action.id"), index=True)
    financial_year: Mapped[str] = mapped_column(String(7), index=True)
    quarter: Mapped[int]
    state: Mapped[str] = mapped_column(String(12), default="submitted", index=True)
    # What the owner reports
    status: Mapped[str] = mapped_column(String(20))  # the action's status at the quarter (ActionStatus)
    progress_percent: Mapped[int]
    rag: Mapped[str] = mapped_column(String(5))
    commentary: Mapped[str] = mapped_column(Text)
    impact: Mapped[str | None] = mapped_column(Text, default=None)
    # [{"title", "due_date", "state", "completed_on", "late"}]: the milestones as at the quarter
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    late_milestones: Mapped[int] = mapped_column(default=0)
    # The RAG check (domain.actions.check_action_rag) as at the quarter's end or today; None when the
    # action has no start and due dates to judge by
    rag_consistent: Mapped[bool | None] = mapped_column(default=None)
    rag_suggested: Mapped[str | None] = mapped_column(String(5), default=None)
    rag_reason: Mapped[str | None] = mapped_column(Text, default=None)
    flagged: Mapped[bool] = mapped_column(default=False, index=True)
    # Who submitted it last (four-eyes: they do not accept it), and the performance team's answer
    submitted_by: Mapped[str] = mapped_column(String(200))
    submitted_by_name: Mapped[str] = mapped_column(String(200))
    reviewed_by: Mapped[str | None] = mapped_column(String(200), default=None)
    review_comment: Mapped[str | None] = mapped_column(Text, default=None)
