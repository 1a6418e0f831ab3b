"""Migrations run both ways on both databases, and agree with the models."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from pmf_api.framework.organisations.models import Directorate, Organisation, Service
from pmf_api.models import Base
from pmf_api.performance.kpis.models import Kpi
from pmf_api.performance.targets.models import Target
from pmf_api.platform.audit import AuditEntry
from pmf_api.platform.db.migrations import downgrade, head_revision, upgrade
from tests.conftest import (
    REQUIRE_POSTGRES,
    Backend,
    _create_postgres_database,
    _drop_postgres_database,
)


async def _fresh_database(kind: str, tmp_path: Path) -> tuple[str, AsyncEngine]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}" if kind == "sqlite" else await _create_postgres_database()
    return url, create_async_engine(url)


async def _run(engine: AsyncEngine, fn: Any) -> Any:
    async with engine.begin() as connection:
        return await connection.run_sync(fn)


async def test_upgrade_downgrade_upgrade_and_no_drift(backend: Backend, tmp_path: Path) -> None:
    try:
        url, engine = await _fresh_database(backend.name, tmp_path)
    except OSError as exc:  # pragma: no cover - the backend fixture already skipped when unreachable
        if REQUIRE_POSTGRES:
            raise
        pytest.skip(str(exc))
    try:
        await _run(engine, lambda c: upgrade(url, connection=c))
        tables = await _run(engine, lambda c: set(inspect(c).get_table_names()))
        assert set(Base.metadata.tables) <= tables
        await _run(engine, lambda c: downgrade(url, "base", connection=c))
        assert await _run(engine, lambda c: set(inspect(c).get_table_names())) <= {"alembic_version"}
        await _run(engine, lambda c: upgrade(url, connection=c))
        revision = await _run(engine, lambda c: MigrationContext.configure(c).get_current_revision())
        assert revision == head_revision()

        def diff(connection: Any) -> list[Any]:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))

        assert await _run(engine, diff) == []
    finally:
        await engine.dispose()
        if backend.name == "postgresql":
            await _drop_postgres_database(url)


async def test_proposers_of_existing_targets_come_from_the_audit_trail(backend: Backend, tmp_path: Path) -> None:
    """2026-11-30_target_proposed_by: each target that is not a draft gets its last proposer."""
    try:
        url, engine = await _fresh_database(backend.name, tmp_path)
    except OSError as exc:  # pragma: no cover - the backend fixture already skipped when unreachable
        if REQUIRE_POSTGRES:
            raise
        pytest.skip(str(exc))
    try:
        await _run(engine, lambda c: upgrade(url, connection=c))
        async with AsyncSession(engine, expire_on_commit=False) as session:
            organisation = Organisation(code="OLD", name="Old Council", settings={})
            session.add(organisation)
            await session.flush()
            directorate = Directorate(organisation_id=organisation.id, code="D", name="Place")
            session.add(directorate)
            await session.flush()
            service = Service(organisation_id=organisation.id, code="S", name="Waste", directorate_id=directorate.id)
            session.add(service)
            await session.flush()
            kpi = Kpi(
                organisation_id=organisation.id,
                code="WS01",
                title="Recycled",
                unit="percentage",
                polarity="higher_is_better",
                frequency="monthly",
                aggregation="average",
                service_id=service.id,
            )
            session.add(kpi)
            await session.flush()
            states = {"2023/24": "superseded", "2024/25": "approved", "2025/26": "draft", "2026/27": "approved"}
            years = {
                year: Target(
                    organisation_id=organisation.id,
                    kpi_id=kpi.id,
                    financial_year=year,
                    target_type="maintain",
                    state=state,
                )
                for year, state in states.items()
            }
            session.add_all(years.values())
            await session.commit()
        await _run(engine, lambda c: downgrade(url, "5c1d7a3e9b20", connection=c))

        def entry(target: Target, subject: str, state: str, minute: int) -> AuditEntry:
            return AuditEntry(
                organisation_id=organisation.id,
                at=datetime(2026, 3, 1, 9, minute, tzinfo=UTC),
                actor_subject=subject,
                actor_name=subject,
                entity_type="target",
                entity_id=target.id,
                action="transition",
                after={"state": state},
            )

        async with AsyncSession(engine) as session:
            session.add_all(
                [
                    entry(years["2023/24"], "first@example.gov.uk", "proposed", 1),
                    entry(years["2024/25"], "early@example.gov.uk", "proposed", 1),
                    entry(years["2024/25"], "director@example.gov.uk", "draft", 2),  # sent back
                    entry(years["2024/25"], "later@example.gov.uk", "proposed", 3),
                    entry(years["2024/25"], "director@example.gov.uk", "approved", 4),
                    entry(years["2025/26"], "sent.back@example.gov.uk", "proposed", 1),
                ]
            )
            await session.commit()
        await _run(engine, lambda c: upgrade(url, connection=c))
        async with AsyncSession(engine) as session:
            rows = await session.execute(select(Target.financial_year, Target.proposed_by))
            assert dict(rows.all()) == {
                "2023/24": "first@example.gov.uk",
                "2024/25": "later@example.gov.uk",
                "2025/26": None,  # a draft again: its next proposal will say who
                "2026/27": None,  # no proposal in the trail (loaded outside the API)
            }
    finally:
        await engine.dispose()
        if backend.name == "postgresql":
            await _drop_postgres_database(url)
