"""Individual objectives: the golden thread's last link, from an action or outcome to a person."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import Archivable, OrganisationOwned


class Objective(OrganisationOwned, Archivable):
    """A person's objective for a financial year, linked to one service-plan action or one outcome
    (seeds 002_100bfcfd0ab8e4e8.txt, 003_2a403038ecab8362.txt, 004_d92670c30a2dff9f.txt).

    The line manager is stored on the objective: the one who agreed it and reviews it that year. Who
    may read it (the person, that manager, the performance team) is then a condition on the row
    alone, so every read path applies it alike; and last year's objectives stay with last year's
    manager when the person moves team."""

    __tablename__ = "objective"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    manager_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None, index=True)
    financial_year: Mapped[str] = mapped_column(String(7), index=True)
    action_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("action.id"), default=None, index=True)
    outcome_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("outcome.id"), default=None, index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    success_measure: Mapped[str | None] = mapped_column(Text, default=None)
    # Mid-year and year-end reviews: state (domain.objectives.ReviewState), comment, date, reviewer
    mid_year_state: Mapped[str] = mapped_column(String(20), default="not_due")
    mid_year_comment: Mapped[str | None] = mapped_column(Text, default=None)
    mid_year_reviewed_on: Mapped[date | None] = mapped_column(default=None)
    mid_year_reviewer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None)
    year_end_state: Mapped[str] = mapped_column(String(20), default="not_due")
    year_end_comment: Mapped[str | None] = mapped_column(Text, default=None)
    year_end_reviewed_on: Mapped[date | None] = mapped_column(default=None)
    year_end_reviewer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None)
    # The person's own comment on their objective (the one field they may change)
    own_comment: Mapped[str | None] = mapped_column(Text, default=None)
