"""The record feeds (actions, action updates, risks, interventions, contextual values) over the demo
council: each statement gives its declared columns, names beside ids, one row per record the
reader's organisation holds and none of another's; action updates end on their quarter's last day."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.assurance.risks.models import Risk
from pmf_api.demo import load_demo
from pmf_api.domain.workflow import Role
from pmf_api.framework.action_updates.models import ActionUpdate
from pmf_api.framework.actions.models import Action
from pmf_api.framework.organisations.models import Organisation, Person
from pmf_api.performance.contextual_values.models import ContextualValue
from pmf_api.performance.interventions.models import Intervention
from pmf_api.performance.kpis.models import Kpi
from pmf_api.publishing.feeds.catalogue import FEEDS
from pmf_api.publishing.feeds.definitions import Feed
from pmf_api.publishing.feeds.records import QuarterEnd
from tests.service.builders import actor

RECORD_FEEDS = {
    "actions": Action,
    "action-updates": ActionUpdate,
    "risks": Risk,
    "interventions": Intervention,
    "contextual-values": ContextualValue,
}


async def _rows(session: AsyncSession, feed: Feed, organisation_id: uuid.UUID) -> list[dict[str, Any]]:
    reader = actor(organisation_id, Role.VIEWER)
    result = await session.execute(feed.statement(), dict(feed.params(reader)))
    return [dict(row) for row in result.mappings()]


async def _demo_with_an_intervention(session: AsyncSession) -> Organisation:
    organisation = await load_demo(session)
    kpi = (await session.execute(select(Kpi).where(Kpi.organisation_id == organisation.id).limit(1))).scalar_one()
    session.add(
        Intervention(
            organisation_id=organisation.id,
            kpi_id=kpi.id,
            open_kpi_id=kpi.id,
            service_id=kpi.service_id,
            period="2026/27 P6",
            kpi_code=kpi.code,
            kpi_title=kpi.title,
            kpi_holder="Priya Shah",
            actual=Decimal("61.5"),
            target=Decimal("70"),
            rag="red",
            basis="period",
            opened_on=date(2026, 10, 12),
            opened_by="performance@example.gov.uk",
            opened_by_name="Performance Team",
        )
    )
    await session.flush()
    return organisation


async def test_each_record_feed_gives_every_record_of_the_readers_council_with_names(session: AsyncSession) -> None:
    organisation = await _demo_with_an_intervention(session)
    other = Organisation(code="SOUTHMERE", name="Southmere District Council", settings={})
    session.add(other)
    await session.flush()
    for name, model in RECORD_FEEDS.items():
        feed = FEEDS[name]
        rows = await _rows(session, feed, organisation.id)
        count = await session.scalar(
            select(func.count()).select_from(model).where(model.organisation_id == organisation.id)
        )
        assert count and len(rows) == count, name
        assert list(rows[0]) == [column.name for column in feed.columns], name
        for column in feed.columns:
            if not column.nullable:
                assert all(row[column.name] is not None for row in rows), (name, column.name)
        assert feed.key[0] in rows[0] and len({row[feed.key[0]] for row in rows}) == count, name
        assert all(row["updated_at"] is not None for row in rows), name
        if feed.period_end is not None:
            assert all(isinstance(row[feed.period_end], date) for row in rows), name
        assert await _rows(session, feed, other.id) == [], name  # the read rule: their council's only


async def test_names_are_the_owners_and_services_own(session: AsyncSession) -> None:
    organisation = await _demo_with_an_intervention(session)
    people = {p.id: p.name for p in (await session.execute(select(Person))).scalars()}
    actions = await _rows(session, FEEDS["actions"], organisation.id)
    owned = [row for row in actions if row["owner_id"] is not None]
    assert owned and all(row["owner_name"] == people[row["owner_id"]] for row in owned)
    assert all(row["service_name"] for row in actions)
    risks = await _rows(session, FEEDS["risks"], organisation.id)
    assert all(row["owner_name"] == people[row["owner_id"]] for row in risks)
    (intervention,) = await _rows(session, FEEDS["interventions"], organisation.id)
    assert intervention["service_name"] and intervention["kpi_holder"] == "Priya Shah"
    assert intervention["actual"] == Decimal("61.5") and intervention["is_open"] is True
    values = await _rows(session, FEEDS["contextual-values"], organisation.id)
    assert all(row["measure_code"] and row["measure_title"] for row in values)


@pytest.mark.parametrize(
    ("year", "quarter", "last_day"),
    [
        ("2026/27", 1, date(2026, 6, 30)),
        ("2026/27", 2, date(2026, 9, 30)),
        ("2026/27", 3, date(2026, 12, 31)),
        ("2026/27", 4, date(2027, 3, 31)),
        ("1999/00", 4, date(2000, 3, 31)),
    ],
)
async def test_a_quarter_ends_on_its_last_day(session: AsyncSession, year: str, quarter: int, last_day: date) -> None:
    ended = await session.scalar(select(QuarterEnd(literal(year), literal(quarter))))
    assert ended == last_day


async def test_action_updates_end_on_their_quarters_last_day_and_range_as_dates(session: AsyncSession) -> None:
    organisation = await load_demo(session)
    feed = FEEDS["action-updates"]
    rows = await _rows(session, feed, organisation.id)
    ends = {1: date(2026, 6, 30), 2: date(2026, 9, 30)}  # the demo's 2026/27 Q1 and Q2
    assert rows and all(row["period_end"] == ends[row["quarter"]] for row in rows)
    inner = feed.statement().subquery()
    params = dict(feed.params(actor(organisation.id, Role.VIEWER)))
    for start, end, quarters in (
        (date(2026, 7, 1), date(2026, 9, 30), {2}),
        (date(2026, 6, 30), date(2026, 6, 30), {1}),
        (date(2026, 4, 1), date(2026, 6, 29), set()),
    ):
        found = await session.execute(
            select(inner.c.quarter).where(inner.c.period_end >= start, inner.c.period_end <= end), params
        )
        assert set(found.scalars()) == quarters, (start, end)
