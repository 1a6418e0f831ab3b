"""HTTP fixtures: the app over an in-process ASGI transport, an organisation, and real tokens."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import Grant, ScopeType
from pmf_api.access.tokens import mint_token
from pmf_api.domain.workflow import Role
from pmf_api.framework.organisations.models import Organisation
from pmf_api.main import create_app
from tests.conftest import Backend


@dataclass
class Org:
    id: uuid.UUID
    code: str


@pytest.fixture
async def app_client(
    backend: Backend, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(backend.settings)
    app.state.engine = backend.engine
    app.state.sessionmaker = connection_sessionmaker
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def make_organisation(maker: async_sessionmaker[AsyncSession], code: str) -> Org:
    async with maker() as session:
        organisation = Organisation(code=code, name=f"{code} District Council", settings={})
        session.add(organisation)
        await session.commit()
        return Org(organisation.id, organisation.code)


@pytest.fixture
async def org(connection_sessionmaker: async_sessionmaker[AsyncSession]) -> Org:
    return await make_organisation(connection_sessionmaker, "NORTHDALE")


@pytest.fixture
async def other_org(connection_sessionmaker: async_sessionmaker[AsyncSession]) -> Org:
    return await make_organisation(connection_sessionmaker, "SOUTHMERE")


TokenFactory = Callable[..., dict[str, str]]


@pytest.fixture
def auth(backend: Backend, org: Org) -> TokenFactory:
    """``auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=...)`` -> request headers.

    Each role's token speaks for a different person unless ``subject`` says otherwise (the
    performance team's is ``tester@example.gov.uk``): four-eyes tells people apart by subject.
    """

    def headers(
        role: Role = Role.PERFORMANCE,
        *,
        scope: ScopeType = ScopeType.ORGANISATION,
        scope_id: uuid.UUID | str | None = None,
        organisation: Org | None = None,
        subject: str | None = None,
        person_id: uuid.UUID | str | None = None,
        also: tuple[Role, ...] = (),
    ) -> dict[str, str]:
        token = mint_token(
            backend.settings,
            organisation_id=(organisation or org).id,
            subject=subject
            or ("tester@example.gov.uk" if role is Role.PERFORMANCE else f"{role.value}@example.gov.uk"),
            name="Test User",
            grants=[
                Grant(role, scope, uuid.UUID(str(scope_id)) if scope_id else None),
                *(Grant(other) for other in also),  # more roles, organisation-wide
            ],
            person_id=uuid.UUID(str(person_id)) if person_id else None,
        )
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def client(app_client: httpx.AsyncClient) -> httpx.AsyncClient:
    return app_client
