"""Queries of quarterly action updates, and of the actions a quarter's summary and reminders count.

Actions are read through ``framework.actions.repository`` (its model by the repository's name, never
imported from its models)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, select

from pmf_api.framework.action_updates.models import ActionUpdate
from pmf_api.framework.actions.repository import ActionRepository
from pmf_api.framework.organisations.repository import services_in_directorate
from pmf_api.platform.db.repository import OwnedRepository

_Action = ActionRepository.model


def _actions_where(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return ActionUpdate.action_id.in_(select(_Action.id).where(condition))


def _due_an_update(quarter_ends: date, open_statuses: Collection[str]) -> ColumnElement[bool]:
    """An action owes the quarter an update: still open, and started by the quarter's end (what the
    reminders chase and the summary counts as missing)."""
    return _Action.status.in_(sorted(open_statuses)) & (
        _Action.start_date.is_(None) | (_Action.start_date <= quarter_ends)
    )


class ActionUpdateRepository(OwnedRepository[ActionUpdate]):
    model = ActionUpdate
    what = "action update"
    sortable = {"updated_at": ActionUpdate.updated_at, "financial_year": ActionUpdate.financial_year}
    default_sort = "-updated_at"
    filters = {
        "service_id": lambda value: _actions_where(_Action.service_id == value),
        "directorate_id": lambda value: _actions_where(_Action.service_id.in_(services_in_directorate(value))),
        "outcome_id": lambda value: _actions_where(_Action.outcome_id == value),
    }

    async def of_quarter(self, action_id: uuid.UUID, financial_year: str, quarter: int) -> ActionUpdate | None:
        found: ActionUpdate | None = await self.session.scalar(
            select(ActionUpdate).where(
                ActionUpdate.action_id == action_id,
                ActionUpdate.financial_year == financial_year,
                ActionUpdate.quarter == quarter,
            )
        )
        return found

    async def quarter_rows(
        self,
        organisation_id: uuid.UUID,
        financial_year: str,
        quarter: int,
        *,
        due_by: date,
        open_statuses: Collection[str],
        service_id: uuid.UUID | None = None,
        directorate_id: uuid.UUID | None = None,
        outcome_id: uuid.UUID | None = None,
    ) -> list[QuarterRow]:
        """The actions of the organisation (not archived) in the filters that have an update for the
        quarter, or were due one (in ``open_statuses`` and started by ``due_by``), each with its update
        where it has one: what a quarter's summary counts."""
        statement = (
            select(
                _Action.id,
                _Action.delivery_role,
                ActionUpdate.rag,
                ActionUpdate.state,
                ActionUpdate.flagged,
                ActionUpdate.late_milestones,
            )
            .outerjoin(
                ActionUpdate,
                and_(
                    ActionUpdate.action_id == _Action.id,
                    ActionUpdate.financial_year == financial_year,
                    ActionUpdate.quarter == quarter,
                ),
            )
            .where(
                _Action.organisation_id == organisation_id,
                _Action.archived_at.is_(None),
                ActionUpdate.id.is_not(None) | _due_an_update(due_by, open_statuses),
            )
        )
        if service_id is not None:
            statement = statement.where(_Action.service_id == service_id)
        if directorate_id is not None:
            statement = statement.where(_Action.service_id.in_(services_in_directorate(directorate_id)))
        if outcome_id is not None:
            statement = statement.where(_Action.outcome_id == outcome_id)
        return [
            QuarterRow(row[0], row[1], row[2], row[3], row[4], row[5] or 0)
            for row in await self.session.execute(statement)
        ]

    async def updates_missing(
        self,
        organisation_id: uuid.UUID,
        financial_year: str,
        quarter: int,
        quarter_ends: date,
        open_statuses: Collection[str],
    ) -> list[MissingUpdate]:
        """For reminders (a job): actions of the organisation (not archived, still open, with an owner,
        started by the quarter's end) with no update for the quarter."""
        has_update = select(ActionUpdate.action_id).where(
            ActionUpdate.financial_year == financial_year, ActionUpdate.quarter == quarter
        )
        statement = (
            select(_Action.id, _Action.code, _Action.title, _Action.owner_id)
            .where(
                _Action.organisation_id == organisation_id,
                _Action.archived_at.is_(None),
                _Action.owner_id.is_not(None),
                _due_an_update(quarter_ends, open_statuses),
                _Action.id.not_in(has_update),
            )
            .order_by(_Action.code)
        )
        return [
            MissingUpdate(row.id, row.code, row.title, row.owner_id) for row in await self.session.execute(statement)
        ]

    async def returned(self, organisation_id: uuid.UUID, state: str) -> list[ReturnedUpdate]:
        """For reminders: updates in ``state`` (returned for more), with their action's owner."""
        statement = (
            select(
                ActionUpdate.id,
                ActionUpdate.financial_year,
                ActionUpdate.quarter,
                ActionUpdate.review_comment,
                _Action.code,
                _Action.title,
                _Action.owner_id,
            )
            .join(_Action, _Action.id == ActionUpdate.action_id)
            .where(ActionUpdate.organisation_id == organisation_id, ActionUpdate.state == state)
            .order_by(_Action.code, ActionUpdate.financial_year, ActionUpdate.quarter)
        )
        return [
            ReturnedUpdate(
                row.id, row.financial_year, row.quarter, row.review_comment, row.code, row.title, row.owner_id
            )
            for row in await self.session.execute(statement)
        ]


@dataclass(frozen=True)
class QuarterRow:
    action_id: uuid.UUID
    delivery_role: str
    rag: str | None  # None: no update for the quarter
    state: str | None
    flagged: bool | None
    late_milestones: int


@dataclass(frozen=True)
class MissingUpdate:
    action_id: uuid.UUID
    code: str
    title: str
    owner_id: uuid.UUID


@dataclass(frozen=True)
class ReturnedUpdate:
    update_id: uuid.UUID
    financial_year: str
    quarter: int
    comment: str | None
    code: str
    title: str
    owner_id: uuid.UUID | None
