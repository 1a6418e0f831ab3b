"""The demo council's last ended quarter is frozen as reported when the demo loads (issue 13), and its
Corporate Performance Report reads as the demo's data says."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor, Grant
from pmf_api.demo import load_demo
from pmf_api.domain.workflow import Role
from pmf_api.performance.kpis.models import Kpi
from pmf_api.platform.db.pages import ListQuery
from pmf_api.reporting.building import Filters, build_document
from pmf_api.reporting.snapshots import service as snapshot_service


async def test_the_demo_has_q2_frozen_and_its_report_reads_well(session: AsyncSession) -> None:
    org = await load_demo(session)
    viewer = Actor(organisation_id=org.id, subject="viewer@example.gov.uk", name="Viewer", grants=(Grant(Role.VIEWER),))
    page = await snapshot_service.list_snapshots(session, viewer, ListQuery())
    assert [(s.period, s.frequency) for s in page.items] == [("2026/27 Q2", "quarterly")]
    snapshot = page.items[0]
    kpis = (await session.execute(select(func.count()).select_from(Kpi).where(Kpi.archived_at.is_(None)))).scalar_one()
    assert len(snapshot.content["kpis"]) == kpis

    document = build_document(snapshot_service.frozen(snapshot), "quarterly_report", Filters())
    assert document.title == "Corporate Performance Report: Q2 2026/27"
    assert document.highlights and document.exceptions
    assert len(document.priorities) >= 2 and all(p.counts.total for p in document.priorities[:-1])
    assert document.counts_by_directorate[-1].total == kpis
    assert sum(c.total for c in document.action_counts) == len(snapshot.content["actions"]) > 0
    assert document.risks
    # The demo's challenges were raised at October's and November's meetings: Q3's, not Q2's.
    assert document.challenges == []
    assert all(kpi.chart_alt.startswith(f"Trend of {kpi.code}") for kpi in document.all_kpis())
    # Loading again changes nothing: the quarter is frozen once.
    await load_demo(session)
    assert len((await snapshot_service.list_snapshots(session, viewer, ListQuery())).items) == 1
