"""Actions (Corporate Plan actions, key activities, projects) and their milestones."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import Archivable, OrganisationOwned


class Action(OrganisationOwned, Archivable):
    __tablename__ = "action"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    kind: Mapped[str] = mapped_column(String(30), default="corporate_plan_action")
    # Do / Enable / Influence: the council's role in delivering it (seed 000_a1d4643dc9bd64fe.txt)
    delivery_role: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="not_started", index=True)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None, index=True)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id"), index=True)
    outcome_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("outcome.id"), default=None, index=True)
    service_plan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service_plan.id"), default=None)
    start_date: Mapped[date | None] = mapped_column(default=None)
    due_date: Mapped[date | None] = mapped_column(default=None)
    # [{"title", "due_date", "completed_on"}]: few per action and always edited with it
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
