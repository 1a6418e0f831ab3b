"""Queries of the council's structure: where a record sits (its service, directorate and portfolio),
the organisation itself, and the scopes grants and API keys name."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Subquery, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Placement, ScopeType
from pmf_api.framework.organisations.models import Directorate, Organisation, Person, Portfolio, Service
from pmf_api.platform.db.repository import OwnedRepository


class DirectorateRepository(OwnedRepository[Directorate]):
    model = Directorate
    what = "directorate"
    sortable = {"code": Directorate.code, "name": Directorate.name, "updated_at": Directorate.updated_at}
    default_sort = "code"


class PortfolioRepository(OwnedRepository[Portfolio]):
    model = Portfolio
    what = "portfolio"
    sortable = {"code": Portfolio.code, "name": Portfolio.name, "updated_at": Portfolio.updated_at}
    default_sort = "code"


class ServiceRepository(OwnedRepository[Service]):
    model = Service
    what = "service"
    sortable = {"code": Service.code, "name": Service.name, "updated_at": Service.updated_at}
    default_sort = "code"

    async def names(self, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
        return await _names(self.session, Service, ids)


class PersonRepository(OwnedRepository[Person]):
    model = Person
    what = "person"
    sortable = {"name": Person.name, "email": Person.email, "updated_at": Person.updated_at}
    default_sort = "name"

    async def names(self, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
        return await _names(self.session, Person, ids)

    async def find_by_email(self, organisation_id: uuid.UUID, email: str) -> Person | None:
        found: Person | None = await self.session.scalar(
            select(Person).where(Person.organisation_id == organisation_id, Person.email == email)
        )
        return found


async def _names(
    session: AsyncSession, model: type[Person] | type[Service] | type[Directorate], ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, str]:
    wanted = {id for id in ids if id is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(model.id, model.name).where(model.id.in_(wanted)))
    return {id: name for id, name in rows.all()}


def services_in_directorate(directorate_id: Any) -> Select[uuid.UUID]:
    """The ids of a directorate's services, as a subquery for other features' filters."""
    return select(Service.id).where(Service.directorate_id == directorate_id)


def services_in_portfolio(portfolio_id: Any) -> Select[uuid.UUID]:
    """The ids of the services of a portfolio, as a subquery for other features' filters."""
    return select(Service.id).where(Service.portfolio_id == portfolio_id)


def service_places() -> Subquery:
    """Each service's name, directorate (id and name) and portfolio id, as a subquery other features
    join to (a feed's rows name where a record sits)."""
    return (
        select(
            Service.id.label("service_id"),
            Service.name.label("service"),
            Service.directorate_id.label("directorate_id"),
            Directorate.name.label("directorate"),
            Service.portfolio_id.label("portfolio_id"),
        )
        .join(Directorate, Directorate.id == Service.directorate_id)
        .subquery("service_place")
    )


def portfolio_names() -> Subquery:
    """Each portfolio's id and name, as a subquery other features join to."""
    return select(Portfolio.id.label("portfolio_id"), Portfolio.name.label("portfolio")).subquery("portfolio_name")


def person_names() -> Subquery:
    """Each person's id and name, as a subquery other features join to."""
    return select(Person.id.label("person_id"), Person.name.label("person")).subquery("person_name")


SCOPE_MODELS: dict[ScopeType, type[Directorate] | type[Service] | type[Portfolio]] = {
    ScopeType.DIRECTORATE: Directorate,
    ScopeType.SERVICE: Service,
    ScopeType.PORTFOLIO: Portfolio,
}


async def placement_of_service(
    session: AsyncSession, service_id: uuid.UUID | None, portfolio_id: uuid.UUID | None = None
) -> Placement | None:
    """Where a record attached to a service sits: its service, directorate and portfolio.

    A record may name its own portfolio (a KPI reported to another cabinet member); otherwise
    the service's portfolio applies.
    """
    if service_id is None:
        return None
    row = (
        await session.execute(select(Service.directorate_id, Service.portfolio_id).where(Service.id == service_id))
    ).first()
    if row is None:
        return Placement(service_id=service_id, portfolio_id=portfolio_id)
    return Placement(directorate_id=row[0], service_id=service_id, portfolio_id=portfolio_id or row[1])


async def placement_from(session: AsyncSession, values: Mapping[str, Any]) -> Placement | None:
    """The placement of a record given its ``service_id`` (and optional ``portfolio_id``) values."""
    return await placement_of_service(session, values.get("service_id"), values.get("portfolio_id"))


class OrganisationRepository:
    """The councils themselves (each one's records are fenced by the owned repositories)."""

    model = Organisation

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(self, organisation_id: uuid.UUID) -> Organisation | None:
        return await self.session.get(Organisation, organisation_id)

    async def find_by_code(self, code: str) -> Organisation | None:
        found: Organisation | None = await self.session.scalar(select(Organisation).where(Organisation.code == code))
        return found

    async def all_ids(self) -> list[uuid.UUID]:
        """Every organisation's id (a scheduled job visits each council in turn)."""
        return list(await self.session.scalars(select(Organisation.id).order_by(Organisation.code)))


@dataclass(frozen=True)
class ServiceEntry:
    """A service as other features list it: its name and its directorate's."""

    id: uuid.UUID
    name: str
    directorate_id: uuid.UUID
    directorate_name: str


async def services_with_directorates(
    session: AsyncSession, organisation_id: uuid.UUID
) -> dict[uuid.UUID, ServiceEntry]:
    """Every service of the organisation with its directorate, by id, in one query."""
    rows = await session.execute(
        select(Service.id, Service.name, Service.directorate_id, Directorate.name)
        .join(Directorate, Directorate.id == Service.directorate_id)
        .where(Service.organisation_id == organisation_id)
    )
    return {row[0]: ServiceEntry(*row) for row in rows}


async def directorates_and_portfolios(session: AsyncSession, organisation_id: uuid.UUID) -> dict[uuid.UUID, Placement]:
    """Every service's placement (its directorate and portfolio), by service id, in one query."""
    rows = await session.execute(
        select(Service.id, Service.directorate_id, Service.portfolio_id).where(
            Service.organisation_id == organisation_id
        )
    )
    return {
        row.id: Placement(directorate_id=row.directorate_id, service_id=row.id, portfolio_id=row.portfolio_id)
        for row in rows
    }


class StructureDirectory:
    """The council's structure as access sees it (``pmf_api.access.directory.Directory``)."""

    async def scope_id_of(
        self, session: AsyncSession, organisation_id: uuid.UUID, scope: ScopeType, code: str
    ) -> uuid.UUID | None:
        model = SCOPE_MODELS[scope]
        found: uuid.UUID | None = await session.scalar(
            select(model.id).where(model.organisation_id == organisation_id, model.code == code)
        )
        return found

    async def scope_exists(
        self, session: AsyncSession, organisation_id: uuid.UUID, scope: ScopeType, scope_id: uuid.UUID
    ) -> bool:
        model = SCOPE_MODELS[scope]
        found = await session.scalar(
            select(model.id).where(model.id == scope_id, model.organisation_id == organisation_id)
        )
        return found is not None

    async def person_is_current(self, session: AsyncSession, organisation_id: uuid.UUID, person_id: uuid.UUID) -> bool:
        found = await session.scalar(
            select(Person.id).where(
                Person.id == person_id, Person.organisation_id == organisation_id, Person.archived_at.is_(None)
            )
        )
        return found is not None


directory = StructureDirectory()


@dataclass(frozen=True)
class Contact:
    """A current person as a notification reaches them."""

    id: uuid.UUID
    name: str
    email: str


@dataclass(frozen=True)
class Leaders:
    """Who leads each part of the organisation: reminders escalate to them, approvals wait on them."""

    head_of_service: dict[uuid.UUID, uuid.UUID]  # by service id
    director: dict[uuid.UUID, uuid.UUID]  # by directorate id
    portfolio_holder: dict[uuid.UUID, uuid.UUID]  # by portfolio id


async def leaders(session: AsyncSession, organisation_id: uuid.UUID) -> Leaders:
    """The heads of service, directors and portfolio holders of the organisation, in three queries."""
    heads = await session.execute(
        select(Service.id, Service.head_of_service_id).where(
            Service.organisation_id == organisation_id, Service.head_of_service_id.is_not(None)
        )
    )
    directors = await session.execute(
        select(Directorate.id, Directorate.director_id).where(
            Directorate.organisation_id == organisation_id, Directorate.director_id.is_not(None)
        )
    )
    holders = await session.execute(
        select(Portfolio.id, Portfolio.holder_id).where(
            Portfolio.organisation_id == organisation_id, Portfolio.holder_id.is_not(None)
        )
    )
    return Leaders(
        {row[0]: row[1] for row in heads if row[1] is not None},
        {row[0]: row[1] for row in directors if row[1] is not None},
        {row[0]: row[1] for row in holders if row[1] is not None},
    )


async def contacts(
    session: AsyncSession, organisation_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Contact]:
    """The current (not archived) people of the organisation among ``ids``, by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(Person.id, Person.name, Person.email).where(
            Person.organisation_id == organisation_id, Person.id.in_(wanted), Person.archived_at.is_(None)
        )
    )
    return {row[0]: Contact(*row) for row in rows}
