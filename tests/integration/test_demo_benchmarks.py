"""The demo council's benchmarking (seed 003_2a403038ecab8362.txt): an area code, nearest and
geographical neighbours and values, so positions show on the scorecard, in the frozen quarter's
report and in the positions feed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.demo import load_demo
from pmf_api.demo.history import DEMO_TODAY
from pmf_api.domain.workflow import Role
from pmf_api.performance.benchmarks import service as benchmarks
from pmf_api.performance.status import service as status_service
from pmf_api.publishing.feeds.catalogue import FEEDS
from pmf_api.reporting.snapshots.models import ReportSnapshot
from tests.service.builders import actor


async def test_the_demo_shows_positions_on_status_in_its_report_and_feed(session: AsyncSession) -> None:
    organisation = await load_demo(session)
    viewer = actor(organisation.id, Role.VIEWER)
    views = await benchmarks.positions(session, viewer)
    assert {(v.group.kind, v.period) for v in views} == {
        (kind, period) for kind in ("nearest_neighbours", "geographical") for period in ("2023/24", "2024/25")
    }
    assert {v.position.of for v in views if v.group.kind == "nearest_neighbours"} == {16}

    card = await status_service.scorecard(session, viewer, status_service.ScorecardFilters(), None, as_of=DEMO_TODAY)
    headlines = {item.kpi.code: item.benchmark for item in card.items if item.benchmark is not None}
    assert set(headlines) == {"WS01", "WS02"}  # the third mapping is a contextual measure
    assert headlines["WS01"].in_words == "8th of 16 nearest neighbours, second quartile"
    assert headlines["WS01"].period == "2024/25"

    snapshot = (await session.scalars(select(ReportSnapshot))).first()
    assert snapshot is not None
    assert "nearest neighbours" in str(snapshot.content)

    feed = FEEDS["benchmark-positions"]
    assert feed.prepare is not None
    await feed.prepare(session, viewer, DEMO_TODAY)
    rows = (await session.execute(feed.statement(), dict(feed.params(viewer)))).all()
    assert len(rows) == len(views) == 12
