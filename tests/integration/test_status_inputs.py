"""Status reads only what ``performance.status.inputs`` declares, so its caches' keys (built from that
declaration) cover every input: a new input read without being declared fails here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Table, event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.sql.util import find_tables

from pmf_api.access.actor import Actor, Grant, ScopeType
from pmf_api.demo import load_demo
from pmf_api.demo.history import DEMO_TODAY
from pmf_api.domain.workflow import Role
from pmf_api.performance.status import inputs, service
from pmf_api.performance.status.evaluation import EVALUATIONS


@contextmanager
def tables_read(session: AsyncSession) -> Iterator[set[str]]:
    """The names of the tables every statement the session runs meanwhile reads."""
    read: set[str] = set()

    def collect(state: ORMExecuteState) -> None:
        found = find_tables(state.statement, include_joins=True, include_selects=True)
        read.update(table.name for table in found if isinstance(table, Table))

    event.listen(session.sync_session, "do_orm_execute", collect)
    try:
        yield read
    finally:
        event.remove(session.sync_session, "do_orm_execute", collect)


async def _read_by_status(session: AsyncSession, actor: Actor, kpi_id: Any) -> set[str]:
    service.SCORECARDS.clear()
    EVALUATIONS.clear()  # nothing kept: every input is loaded
    with tables_read(session) as read:
        await service.scorecard(session, actor, service.ScorecardFilters(), None, as_of=DEMO_TODAY)
        await service.kpi_status(session, actor, kpi_id, "2026/27 P6", as_of=DEMO_TODAY)
    return read


async def test_status_reads_only_its_declared_inputs(connection_sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with connection_sessionmaker() as session:
        organisation = await load_demo(session)
        await session.commit()
    actor = Actor(organisation.id, "t", "T", (Grant(Role.VIEWER, ScopeType.ORGANISATION, None),))
    async with connection_sessionmaker() as session:
        scorecard = await service.scorecard(session, actor, service.ScorecardFilters(), None, as_of=DEMO_TODAY)
        kpi_id = scorecard.items[0].kpi.id
        read = await _read_by_status(session, actor, kpi_id)
    # The check sees what status reads: the KPIs, their values and targets, the structure
    assert {"kpi", "submission", "target", "target_revision", "service", "outcome"} <= read
    assert read <= inputs.DECLARED_TABLES, f"status reads {read - inputs.DECLARED_TABLES} without declaring it"


def test_every_declared_input_bears_on_both_keys() -> None:
    """The scorecard's version covers every input; each KPI's key covers the per-KPI ones."""
    declared = {each.repository.model.__tablename__ for each in inputs.STATUS_INPUTS}
    assert declared <= inputs.DECLARED_TABLES
    per_kpi = [each for each in inputs.STATUS_INPUTS if each.kpi_column is not None]
    assert {each.repository.model.__tablename__ for each in per_kpi} == {"kpi", "target", "submission"}


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
        read = await _read_by_status(session, actor, scorecard.items[0].kpi.id)
    assert read - declared == {"submission"}
