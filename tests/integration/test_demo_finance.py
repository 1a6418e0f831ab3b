"""The demo council's budget monitoring and complaints (issue 13, seed 003_2a403038ecab8362.txt): every
month of 2026/27 that has ended, complaints for the quarters that have, and one Red overspend in the
joint finance and performance view."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.demo import load_demo
from pmf_api.demo.history import DEMO_TODAY
from pmf_api.domain.rag import Rag
from pmf_api.performance.finance import service as finance_service
from pmf_api.performance.finance.models import BudgetMonitoring, ComplaintCount
from tests.service.builders import actor


async def test_the_joint_view_of_q2_has_one_red_overspend(session: AsyncSession) -> None:
    organisation = await load_demo(session)
    months = await session.scalars(select(BudgetMonitoring.period).distinct())
    assert sorted(months) == [f"2026/27 P{m}" for m in range(1, 8)]  # P7 ended on 31 October
    quarters = await session.scalars(select(ComplaintCount.period).distinct())
    assert sorted(quarters) == ["2026/27 Q1", "2026/27 Q2"]

    view = await finance_service.joint_view(session, actor(organisation.id), "2026/27 Q2", as_of=DEMO_TODAY)
    by_name = {row.label: row for row in view.services}
    assert [name for name, row in by_name.items() if row.variance_rag is Rag.RED] == ["Housing Needs"]
    assert by_name["Leisure and Active Communities"].variance_rag is Rag.AMBER
    housing = by_name["Housing Needs"]
    assert housing.variance is not None and housing.variance.variance > 0 and housing.complaints == 23
    assert sum(row.kpis.green + row.kpis.amber + row.kpis.red for row in view.services) > 0
    assert view.council is not None and view.council.variance is not None
    assert len(view.directorates) == 3  # Place, Communities, Resources


async def test_loading_twice_adds_no_second_set(session: AsyncSession) -> None:
    await load_demo(session)
    await session.commit()
    count = select(func.count()).select_from(BudgetMonitoring)
    before = (await session.execute(count)).scalar_one()
    await load_demo(session)
    await session.commit()
    assert (await session.execute(count)).scalar_one() == before == 63
