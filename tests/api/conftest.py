"""HTTP fixtures: the app over an in-process ASGI transport, an organisation, and real tokens."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import Grant, ScopeType
from pmf_api.access.tokens import mint_token
from pmf_api.config import Settings
from pmf_api.domain.workflow import Role
from pmf_api.framework.organisations.models import Organisation
from pmf_api.main import attach_engine, create_app
from tests.conftest import Backend, _create_postgres_database, _drop_postgres_database, make_settings, migrate


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


@dataclass
class Deployed:
    """The app as deployed: its own engine and sessions on a database of its own (it commits)."""

    client: httpx.AsyncClient
    app: FastAPI
    settings: Settings
    org: Org
    h: dict[str, str]  # a performance-team bearer token of ``org``


@pytest.fixture
async def deployed_url(backend: Backend, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated database of the backend's kind for one test, dropped afterwards."""
    if backend.name == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'deployed.db'}"
    else:
        url = await _create_postgres_database()
    try:
        await migrate(url)
        yield url
    finally:
        if backend.name == "postgresql":
            await _drop_postgres_database(url)


@asynccontextmanager
async def deploy(url: str, **settings_changes: Any) -> AsyncIterator[Deployed]:
    """The app on ``url`` with its own engine (as ``pmf-api serve`` builds it), and an organisation."""
    settings = make_settings(url).model_copy(update=settings_changes)
    app = create_app(settings)
    attach_engine(app, settings)
    try:
        org = await make_organisation(app.state.sessionmaker, "DEPLOYED")
        token = mint_token(settings, organisation_id=org.id, subject="s", name="n", grants=[Grant(Role.PERFORMANCE)])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://deployed") as client:
            yield Deployed(client, app, settings, org, {"Authorization": f"Bearer {token}"})
    finally:
        await app.state.engine.dispose()


@pytest.fixture
async def deployed(deployed_url: str) -> AsyncIterator[Deployed]:
    async with deploy(deployed_url) as app:
        yield app
