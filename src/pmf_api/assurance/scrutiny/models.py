"""Scrutiny challenges and their questions (seeds 000_a1d4643dc9bd64fe.txt and 001_ec6bae7b38cacc6f.txt,
Overview and Scrutiny Panels; the rules are ``domain.scrutiny``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import OrganisationOwned


class ScrutinyChallenge(OrganisationOwned):
    """A panel's challenge on a KPI, an action, a risk or a quarterly report: one question, or a
    task-and-finish review's several. ``state`` is derived from its questions and kept for lists."""

    __tablename__ = "scrutiny_challenge"
    __table_args__ = (
        Index("ix_scrutiny_challenge_org_raised", "organisation_id", "raised_on"),
        Index("ix_scrutiny_challenge_subject", "subject_type", "subject_id"),
    )

    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    # Who raised it: the panel, the member (a person of the council's records when known), the meeting.
    panel: Mapped[str] = mapped_column(String(200), index=True)
    member_name: Mapped[str] = mapped_column(String(200))
    member_person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None)
    meeting: Mapped[str | None] = mapped_column(String(200), default=None)
    meeting_date: Mapped[date | None] = mapped_column(default=None)
    raised_on: Mapped[date]
    raised_by: Mapped[str] = mapped_column(String(200))  # the subject of whoever recorded it
    raised_by_name: Mapped[str] = mapped_column(String(200))
    # What it is about: a record (kpi, action, risk) by id, or a quarterly report by year and quarter.
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    report_financial_year: Mapped[str | None] = mapped_column(String(7), default=None)
    report_quarter: Mapped[int | None] = mapped_column(default=None)
    report_title: Mapped[str | None] = mapped_column(String(300), default=None)
    closed_on: Mapped[date | None] = mapped_column(default=None)


class ScrutinyQuestion(OrganisationOwned):
    """One question of a challenge, assigned to an officer; a follow-up names the question it follows."""

    __tablename__ = "scrutiny_question"
    __table_args__ = (
        UniqueConstraint("challenge_id", "number"),
        Index("ix_scrutiny_question_org_state_due", "organisation_id", "state", "due_on"),
    )

    challenge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scrutiny_challenge.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # 1, 2, ... within the challenge, in the order asked
    follows_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("scrutiny_question.id"), default=None)
    text: Mapped[str] = mapped_column(Text)
    assigned_to_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    asked_on: Mapped[date]
    due_on: Mapped[date]
    state: Mapped[str] = mapped_column(String(20), default="open")
    answer: Mapped[str | None] = mapped_column(Text, default=None)
    answered_by: Mapped[str | None] = mapped_column(String(200), default=None)
    answered_by_name: Mapped[str | None] = mapped_column(String(200), default=None)
    answered_on: Mapped[date | None] = mapped_column(default=None, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    # The panel's decision on the answer: accepted or followed up, by whom, when, with a comment.
    decided_by: Mapped[str | None] = mapped_column(String(200), default=None)
    decided_by_name: Mapped[str | None] = mapped_column(String(200), default=None)
    decided_on: Mapped[date | None] = mapped_column(default=None)
    decision_comment: Mapped[str | None] = mapped_column(Text, default=None)
