"""Queries of individual objectives, and who may read them.

An objective is read by its person, their line manager (the one stored on it) and the performance
team; nobody else, whatever their role: for them it does not exist (404). The rule is this
repository's read rule, so a list, a read and a write's load agree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Boolean, ColumnElement, and_, bindparam, or_, true

from pmf_api.access.actor import Actor
from pmf_api.domain.objectives import ReviewState
from pmf_api.domain.roles import Role
from pmf_api.framework.objectives.models import Objective
from pmf_api.platform.db.repository import OwnedRepository, Reader

SEES_EVERY_OBJECTIVE = frozenset({Role.PERFORMANCE})


class ObjectiveRepository(OwnedRepository[Objective]):
    model = Objective
    what = "objective"
    sortable = {"title": Objective.title, "updated_at": Objective.updated_at}
    default_sort = "updated_at"

    @classmethod
    def read_rule(cls) -> ColumnElement[bool]:
        person = bindparam("reader_person_id", type_=Objective.person_id.type)
        condition: ColumnElement[bool] = and_(
            Objective.organisation_id == bindparam("reader_organisation_id"),
            or_(
                bindparam("reader_sees_all", type_=Boolean()) == true(),
                Objective.person_id == person,
                Objective.manager_id == person,
            ),
        )
        return condition

    @classmethod
    def read_params(cls, reader: Reader) -> dict[str, Any]:
        """The performance team (organisation-wide) reads every objective; anyone else, those they
        are the person or the line manager of (none, for a reader who is no person)."""
        actor = reader if isinstance(reader, Actor) else None
        return {
            "reader_organisation_id": reader.organisation_id,
            "reader_person_id": actor.person_id if actor else None,
            "reader_sees_all": bool(actor and actor.holds(SEES_EVERY_OBJECTIVE)),
        }

    async def reviews_open(self, reader: Reader, years: Sequence[str]) -> list[Objective]:
        """The objectives of these years, not archived, with a line manager and a review that says
        nothing yet: those whose review may be due (``domain.objectives.reviews_due`` says)."""
        bound = self.readable(reader)
        not_due = ReviewState.NOT_DUE.value
        statement = (
            bound.statement.where(
                Objective.financial_year.in_(list(years)),
                Objective.archived_at.is_(None),
                Objective.manager_id.is_not(None),
                or_(Objective.mid_year_state == not_due, Objective.year_end_state == not_due),
            )
            .params(**bound.params)
            .order_by(Objective.financial_year, Objective.title)
        )
        return list(await self.session.scalars(statement))
