"""Status reads only what ``performance.status.inputs`` declares, so its caches' keys (built from that
declaration) cover every input: a new input read without being declared fails here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Table, event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.util import find_tables

from pmf_api.access.actor import Actor, Grant, ScopeType
from pmf_api.demo import load_demo
from pmf_api.demo.history import DEMO_TODAY
from pmf_api.domain.workflow import Role
from pmf_api.performance.interventions.models import Intervention
from pmf_api.performance.status import inputs, service
from pmf_api.performance.status.evaluation import EVALUATIONS
from pmf_api.platform.db import rows


@contextmanager
def tables_read(session: AsyncSession, monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """The names of the tables every statement run meanwhile reads: through the ORM or Core
    (SQLAlchemy's ``before_execute``), or over the driver (``platform.db.rows``)."""
    read: set[str] = set()

    def collect(statement: Any) -> None:
        found = find_tables(statement, include_joins=True, include_selects=True)
        read.update(table.name for table in found if isinstance(table, Table))

    def before_execute(_connection: Any, statement: Any, *_: Any) -> None:
        collect(statement)

    run = rows.DriverConnection._run

    async def run_and_collect(self: rows.DriverConnection, query: rows.Query, params: Any) -> Any:
        collect(query.statement)
        return await run(self, query, params)

    engine = session.bind.engine.sync_engine if session.bind is not None else None
    assert engine is not None
    event.listen(engine, "before_execute", before_execute)
    monkeypatch.setattr(rows.DriverConnection, "_run", run_and_collect)
    try:
        yield read
    finally:
        event.remove(engine, "before_execute", before_execute)


async def _read_by_status(
    session: AsyncSession, actor: Actor, kpi_id: Any, monkeypatch: pytest.MonkeyPatch
) -> set[str]:
    service.SCORECARDS.clear()
    EVALUATIONS.clear()  # nothing kept: every input is loaded
    with tables_read(session, monkeypatch) as read:
        await service.scorecard(session, actor, service.ScorecardFilters(), None, as_of=DEMO_TODAY)
        await service.kpi_status(session, actor, kpi_id, "2026/27 P6", as_of=DEMO_TODAY)
    return read


async def test_status_reads_only_its_declared_inputs(
    connection_sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with connection_sessionmaker() as session:
        organisation = await load_demo(session)
        await session.commit()
    actor = Actor(organisation.id, "t", "T", (Grant(Role.VIEWER, ScopeType.ORGANISATION, None),))
    async with connection_sessionmaker() as session:
        scorecard = await service.scorecard(session, actor, service.ScorecardFilters(), None, as_of=DEMO_TODAY)
        kpi_id = scorecard.items[0].kpi.id
        read = await _read_by_status(session, actor, kpi_id, monkeypatch)
    # The check sees what status reads: the KPIs, their values and targets, open interventions, the structure
    assert {"kpi", "submission", "target", "target_revision", "intervention", "service", "outcome"} <= read
    assert read <= inputs.DECLARED_TABLES, f"status reads {read - inputs.DECLARED_TABLES} without declaring it"


def test_every_declared_input_bears_on_both_keys() -> None:
    """The scorecard's version covers every input; each KPI's key covers the per-KPI ones."""
    declared = {each.repository.model.__tablename__ for each in inputs.STATUS_INPUTS}
    assert declared <= inputs.DECLARED_TABLES
    per_kpi = [each for each in inputs.STATUS_INPUTS if each.kpi_column is not None]
    assert {each.repository.model.__tablename__ for each in per_kpi} == {"kpi", "target", "submission", "intervention"}


async def test_an_undeclared_input_is_caught(
    connection_sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the submissions among the inputs, the reads above are no longer all declared."""
    async with connection_sessionmaker() as session:
        organisation = await load_demo(session)
        await session.commit()
    actor = Actor(organisation.id, "t", "T", (Grant(Role.VIEWER, ScopeType.ORGANISATION, None),))
    kept = tuple(each for each in inputs.STATUS_INPUTS if each.repository.model.__tablename__ != "submission")
    monkeypatch.setattr(inputs, "STATUS_INPUTS", kept)
    declared = frozenset({"organisation"}).union(*(each.tables for each in kept))
    async with connection_sessionmaker() as session:
        scorecard = await service.scorecard(session, actor, service.ScorecardFilters(), None, as_of=DEMO_TODAY)
        read = await _read_by_status(session, actor, scorecard.items[0].kpi.id, monkeypatch)
    assert read - declared == {"submission"}


async def test_an_intervention_moves_the_data_version_and_its_kpis_key(
    connection_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Opening or changing a KPI Intervention Form changes what status shows (escalation, the review,
    the open form): both cache keys move with it, the KPI's own key only for that KPI."""
    async with connection_sessionmaker() as session:
        organisation = await load_demo(session)
        await session.commit()
    actor = Actor(organisation.id, "t", "T", (Grant(Role.VIEWER, ScopeType.ORGANISATION, None),))
    async with connection_sessionmaker() as session:
        scorecard = await service.scorecard(session, actor, service.ScorecardFilters(), None, as_of=DEMO_TODAY)
        kpi, other = scorecard.items[0].kpi, scorecard.items[1].kpi
        before = await inputs.data_version(session, organisation)
        keys_before = await inputs.evaluation_keys(session, before, [kpi.id, other.id])
        form = Intervention(
            organisation_id=organisation.id,
            kpi_id=kpi.id,
            open_kpi_id=kpi.id,
            service_id=kpi.service_id,
            period="2026/27 P5",
            kpi_code=kpi.code,
            kpi_title=kpi.title,
            basis="judgement",
            opening_reason="A test",
            opened_on=DEMO_TODAY,
            opened_by="t",
            opened_by_name="T",
        )
        session.add(form)
        await session.flush()
        opened = await inputs.data_version(session, organisation)
        keys_opened = await inputs.evaluation_keys(session, opened, [kpi.id, other.id])
        assert opened != before
        assert keys_opened[kpi.id] != keys_before[kpi.id] and keys_opened[other.id] == keys_before[other.id]
        form.state = "submitted"
        await session.flush()
        assert await inputs.data_version(session, organisation) != opened
        status = await service.kpi_status(session, actor, kpi.id, None, as_of=DEMO_TODAY)
        assert status.intervention is not None and status.intervention.id == form.id
        assert status.evaluation.closure is not None
        await session.rollback()
