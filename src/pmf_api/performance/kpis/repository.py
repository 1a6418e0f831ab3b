"""Queries of KPIs and contextual outcome measures, and the KPI subqueries other features filter by."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from pmf_api.access.actor import Placement
from pmf_api.domain import Frequency
from pmf_api.framework.organisations.repository import (
    person_names,
    placement_of_service,
    portfolio_names,
    service_places,
    services_in_directorate,
)
from pmf_api.framework.plans.repository import outcomes_of_priority
from pmf_api.performance.kpis.models import ContextualMeasure, Kpi
from pmf_api.platform.db.repository import OwnedRepository, Reader

# Multi-row statements stay well inside both databases' bound-parameter limits.
IN_CHUNK = 500


def _search_pattern(words: str) -> str:
    return f"%{words.strip().lower()}%"


def _search(pattern: Any) -> ColumnElement[bool]:
    return or_(Kpi.code.ilike(pattern), Kpi.title.ilike(pattern))


def _owned_by(person_id: Any) -> ColumnElement[bool]:
    return or_(Kpi.owner_id == person_id, Kpi.backup_owner_id == person_id)


@dataclass(frozen=True)
class KpiFilters:
    """What narrows a set of KPIs (a scorecard's or a task list's); None means any."""

    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = None
    portfolio_id: uuid.UUID | None = None
    priority_id: uuid.UUID | None = None
    outcome_id: uuid.UUID | None = None
    statutory: bool | None = None
    frequency: Frequency | None = None
    person_id: uuid.UUID | None = None  # its owner or backup owner


class KpiRepository(OwnedRepository[Kpi]):
    model = Kpi
    what = "KPI"
    sortable = {"code": Kpi.code, "title": Kpi.title, "updated_at": Kpi.updated_at}
    default_sort = "code"
    filters = {
        "directorate_id": lambda value: Kpi.service_id.in_(services_in_directorate(value)),
        "priority_id": lambda value: Kpi.outcome_id.in_(outcomes_of_priority(value)),
        "owner_id": _owned_by,
        "search": _search,
    }
    filter_values = {"search": _search_pattern}

    async def active(self, reader: Reader, filters: KpiFilters = KpiFilters()) -> list[Kpi]:
        """The KPIs ``reader`` may read that are not archived and pass ``filters``, by code."""
        return list(await self.session.scalars(self.active_statement(reader, filters)))

    def active_statement(self, reader: Reader, filters: KpiFilters) -> Select[Kpi]:
        bound = self.readable(reader)
        statement = bound.statement.where(Kpi.archived_at.is_(None)).params(**bound.params).order_by(Kpi.code)
        equal: dict[InstrumentedAttribute[Any], Any] = {
            Kpi.service_id: filters.service_id,
            Kpi.portfolio_id: filters.portfolio_id,
            Kpi.outcome_id: filters.outcome_id,
            Kpi.statutory: filters.statutory,
            Kpi.frequency: filters.frequency,
        }
        for column, value in equal.items():
            if value is not None:
                statement = statement.where(column == value)
        if filters.directorate_id is not None:
            statement = statement.where(Kpi.service_id.in_(services_in_directorate(filters.directorate_id)))
        if filters.priority_id is not None:
            statement = statement.where(Kpi.outcome_id.in_(outcomes_of_priority(filters.priority_id)))
        if filters.person_id is not None:
            statement = statement.where(_owned_by(filters.person_id))
        return statement

    async def placement(self, kpi_id: uuid.UUID) -> Placement | None:
        """Where a KPI sits (its service, directorate and portfolio): what scoped roles reach it by."""
        row = (await self.session.execute(select(Kpi.service_id, Kpi.portfolio_id).where(Kpi.id == kpi_id))).first()
        return None if row is None else await placement_of_service(self.session, row.service_id, row.portfolio_id)

    async def all_in_organisation(self, reader: Reader) -> list[Kpi]:
        """Every KPI ``reader`` may read, archived ones too (a bulk push names them by code or id)."""
        bound = self.readable(reader)
        return list(await self.session.scalars(bound.statement, bound.params))

    async def calculated(self, reader: Reader) -> list[Kpi]:
        """The calculated KPIs (those with a formula) ``reader`` may read, archived ones too."""
        bound = self.readable(reader)
        statement = bound.statement.where(Kpi.formula.is_not(None)).params(**bound.params).order_by(Kpi.code)
        return list(await self.session.scalars(statement))

    async def of_ids(self, reader: Reader, kpi_ids: Iterable[uuid.UUID]) -> list[Kpi]:
        """The KPIs of ``kpi_ids`` that ``reader`` may read."""
        wanted = sorted(set(kpi_ids))
        bound = self.readable(reader)
        found: list[Kpi] = []
        for start in range(0, len(wanted), IN_CHUNK):
            statement = bound.statement.where(Kpi.id.in_(wanted[start : start + IN_CHUNK])).params(**bound.params)
            found.extend(await self.session.scalars(statement))
        return found

    async def note_targets(self, kpi_id: uuid.UUID, at: datetime) -> None:
        """Record that the KPI now has a target (kept from the first): how it is judged is fixed."""
        await self._note(Kpi.first_target_at, [kpi_id], at)

    async def note_values(self, kpi_ids: Iterable[uuid.UUID], at: datetime) -> None:
        """Record that these KPIs now have values (kept from the first): how they are judged is fixed."""
        await self._note(Kpi.first_value_at, sorted(set(kpi_ids)), at)

    async def _note(
        self, column: InstrumentedAttribute[datetime | None], kpi_ids: list[uuid.UUID], at: datetime
    ) -> None:
        # A fact about the KPI's history, not a change of the KPI: its version (and ETag) stays.
        for start in range(0, len(kpi_ids), IN_CHUNK):
            chunk = kpi_ids[start : start + IN_CHUNK]
            await self.session.execute(
                update(Kpi)
                .where(Kpi.id.in_(chunk), column.is_(None))
                .values({column: at, Kpi.updated_at: Kpi.updated_at})
                .execution_options(synchronize_session=False)
            )


class ContextualMeasureRepository(OwnedRepository[ContextualMeasure]):
    model = ContextualMeasure
    what = "contextual measure"
    sortable = {
        "code": ContextualMeasure.code,
        "title": ContextualMeasure.title,
        "updated_at": ContextualMeasure.updated_at,
    }
    default_sort = "code"

    async def all_in_organisation(self, reader: Reader) -> list[ContextualMeasure]:
        """Every measure ``reader`` may read, archived ones too (an import names them by code)."""
        bound = self.readable(reader)
        return list(await self.session.scalars(bound.statement, bound.params))

    async def of_outcome(self, reader: Reader, outcome_id: uuid.UUID) -> list[ContextualMeasure]:
        """The outcome's measures that are not archived, by code."""
        bound = self.readable(reader)
        statement = (
            bound.statement.where(ContextualMeasure.outcome_id == outcome_id, ContextualMeasure.archived_at.is_(None))
            .params(**bound.params)
            .order_by(ContextualMeasure.code)
        )
        return list(await self.session.scalars(statement))


def kpi_rows() -> Select[Any]:
    """One row per KPI a reader may read (``KpiRepository.read_rule``, its bind parameters from
    ``read_params``), flat and named: where it sits (service, directorate, portfolio: the KPI's own
    portfolio, else its service's), who owns it, and whether it is active or archived. The KPIs feed
    (``publishing``) serves it as it stands."""
    place = service_places()
    portfolio = portfolio_names()
    owner = person_names()
    portfolio_id = func.coalesce(Kpi.portfolio_id, place.c.portfolio_id)
    return (
        select(
            Kpi.id.label("kpi_id"),
            Kpi.code.label("code"),
            Kpi.title.label("title"),
            Kpi.service_id.label("service_id"),
            place.c.service.label("service_name"),
            place.c.directorate_id.label("directorate_id"),
            place.c.directorate.label("directorate_name"),
            portfolio_id.label("portfolio_id"),
            portfolio.c.portfolio.label("portfolio_name"),
            Kpi.unit.label("unit"),
            Kpi.polarity.label("polarity"),
            Kpi.frequency.label("frequency"),
            Kpi.statutory.label("statutory"),
            Kpi.decimal_places.label("decimal_places"),
            Kpi.expected_min.label("expected_min"),
            Kpi.expected_max.label("expected_max"),
            Kpi.owner_id.label("owner_id"),
            owner.c.person.label("owner_name"),
            case((Kpi.archived_at.is_(None), "active"), else_="archived").label("status"),
            Kpi.updated_at.label("updated_at"),
        )
        .join(place, place.c.service_id == Kpi.service_id)
        .outerjoin(portfolio, portfolio.c.portfolio_id == portfolio_id)
        .outerjoin(owner, owner.c.person_id == Kpi.owner_id)
        .where(KpiRepository.read_rule())
    )


def kpis_of_service(service_id: Any) -> Select[uuid.UUID]:
    """The ids of a service's KPIs, as a subquery for other features' filters."""
    return select(Kpi.id).where(Kpi.service_id == service_id)


def kpis_of_directorate(directorate_id: Any) -> Select[uuid.UUID]:
    """The ids of the KPIs of a directorate's services, as a subquery for other features' filters."""
    return select(Kpi.id).where(Kpi.service_id.in_(services_in_directorate(directorate_id)))


def kpis_of_person(person_id: Any) -> Select[uuid.UUID]:
    """The ids of the KPIs a person owns or backs up, as a subquery for other features' filters."""
    return select(Kpi.id).where(_owned_by(person_id))


def public_kpis(organisation_id: uuid.UUID | None = None) -> Select[uuid.UUID]:
    """The ids of the KPIs published as open data (public and in use), of one council or of every
    council, as a subquery."""
    statement = select(Kpi.id).where(Kpi.public.is_(True), Kpi.archived_at.is_(None))
    if organisation_id is not None:
        statement = statement.where(Kpi.organisation_id == organisation_id)
    return statement


async def public_kpis_of(session: AsyncSession, organisation_id: uuid.UUID) -> list[Kpi]:
    """A council's KPIs published as open data, by code. Not fenced by a reader: open data has
    none, and what it may see is exactly this (``publishing.open_data``)."""
    statement = (
        select(Kpi)
        .where(Kpi.organisation_id == organisation_id, Kpi.public.is_(True), Kpi.archived_at.is_(None))
        .order_by(Kpi.code)
    )
    return list(await session.scalars(statement))


async def placement_of_kpi(session: AsyncSession, values: Mapping[str, Any]) -> Placement | None:
    """Where a record about a KPI (a target, a template, a review) sits: where its KPI (``kpi_id``) does."""
    kpi_id = values.get("kpi_id")
    return None if kpi_id is None else await KpiRepository(session).placement(kpi_id)
