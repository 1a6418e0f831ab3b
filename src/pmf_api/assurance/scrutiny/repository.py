"""Queries of scrutiny challenges and their questions: the list with its filters, a challenge's
questions, the challenges of a quarter (what the quarterly report reads) and the open questions of
an organisation (what reminders read)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select

from pmf_api.assurance.scrutiny.models import ScrutinyChallenge, ScrutinyQuestion
from pmf_api.domain.scrutiny import QuestionState
from pmf_api.platform.db.repository import OwnedRepository

_OPEN = QuestionState.OPEN.value


def _with_question(*conditions: Any) -> Any:
    """Challenges that have a question meeting ``conditions``."""
    return ScrutinyChallenge.id.in_(select(ScrutinyQuestion.challenge_id).where(*conditions))


class ScrutinyChallengeRepository(OwnedRepository[ScrutinyChallenge]):
    model = ScrutinyChallenge
    what = "scrutiny challenge"
    sortable = {
        "raised_on": ScrutinyChallenge.raised_on,
        "updated_at": ScrutinyChallenge.updated_at,
        "title": ScrutinyChallenge.title,
    }
    default_sort = "-raised_on"
    filters = {
        "raised_from": lambda value: ScrutinyChallenge.raised_on >= value,
        "raised_to": lambda value: ScrutinyChallenge.raised_on <= value,
        "assigned_to_id": lambda value: _with_question(ScrutinyQuestion.assigned_to_id == value),
        # Overdue on a day: an open question due before it.
        "overdue_on": lambda value: _with_question(ScrutinyQuestion.state == _OPEN, ScrutinyQuestion.due_on < value),
        "not_overdue_on": lambda value: (
            ~_with_question(ScrutinyQuestion.state == _OPEN, ScrutinyQuestion.due_on < value)
        ),
    }

    @classmethod
    def models_read(cls) -> tuple[type[Any], ...]:
        return (ScrutinyChallenge, ScrutinyQuestion)

    async def questions(self, challenge_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[ScrutinyQuestion]]:
        """The questions of each challenge, in the order asked (one query for a page of challenges)."""
        ids = list(challenge_ids)
        found: dict[uuid.UUID, list[ScrutinyQuestion]] = {each: [] for each in ids}
        if not ids:
            return found
        rows = await self.session.scalars(
            select(ScrutinyQuestion)
            .where(ScrutinyQuestion.challenge_id.in_(ids))
            .order_by(ScrutinyQuestion.challenge_id, ScrutinyQuestion.number)
        )
        for row in rows:
            found[row.challenge_id].append(row)
        return found

    async def question(self, challenge_id: uuid.UUID, question_id: uuid.UUID) -> ScrutinyQuestion | None:
        found: ScrutinyQuestion | None = await self.session.scalar(
            select(ScrutinyQuestion).where(
                ScrutinyQuestion.challenge_id == challenge_id, ScrutinyQuestion.id == question_id
            )
        )
        return found

    async def next_number(self, challenge_id: uuid.UUID) -> int:
        highest = await self.session.scalar(
            select(func.max(ScrutinyQuestion.number)).where(ScrutinyQuestion.challenge_id == challenge_id)
        )
        return int(highest or 0) + 1

    async def of_quarter(self, organisation_id: uuid.UUID, first_day: date, last_day: date) -> list[ScrutinyChallenge]:
        """Challenges raised between ``first_day`` and ``last_day`` (inclusive), or with a question
        answered then, oldest first: what a quarterly report lists."""
        answered = select(ScrutinyQuestion.challenge_id).where(
            ScrutinyQuestion.organisation_id == organisation_id,
            ScrutinyQuestion.answered_on >= first_day,
            ScrutinyQuestion.answered_on <= last_day,
        )
        rows = await self.session.scalars(
            select(ScrutinyChallenge)
            .where(
                ScrutinyChallenge.organisation_id == organisation_id,
                or_(
                    ScrutinyChallenge.raised_on.between(first_day, last_day),
                    ScrutinyChallenge.id.in_(answered),
                ),
            )
            .order_by(ScrutinyChallenge.raised_on, ScrutinyChallenge.id)
        )
        return list(rows)

    async def open_questions(self, organisation_id: uuid.UUID) -> list[tuple[ScrutinyQuestion, ScrutinyChallenge]]:
        """Every open question of an organisation with its challenge, by due date (what reminders read)."""
        rows = await self.session.execute(
            select(ScrutinyQuestion, ScrutinyChallenge)
            .join(ScrutinyChallenge, ScrutinyChallenge.id == ScrutinyQuestion.challenge_id)
            .where(ScrutinyQuestion.organisation_id == organisation_id, ScrutinyQuestion.state == _OPEN)
            .order_by(ScrutinyQuestion.due_on, ScrutinyQuestion.id)
        )
        return [(row[0], row[1]) for row in rows]
