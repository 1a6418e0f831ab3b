"""Northdale's benchmarking (seed 003_2a403038ecab8362.txt: benchmarking with LG Inform and nearest
neighbours): its area code, its 15 CIPFA nearest neighbours and its geographical neighbours, three
of its measures mapped to LG Inform-style metric ids, and two years of published values, so
``pmf-api up`` shows positions on status, in the reports and in the feeds.

Northdale is not a real council: its area code and its neighbours' are made up in the district
range (E07000901 onwards, past the real ones), and so are the metric ids and the values.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.demo.delivery import START_MONTH, Records
from pmf_api.domain import Period
from pmf_api.framework.organisations.models import Organisation
from pmf_api.performance.benchmarks.models import BenchmarkValue, ComparatorGroup, MetricMapping

AREA_CODE = "E07000901"
NEAREST = [f"E07000{n}" for n in range(902, 917)]  # 15 nearest neighbours
GEOGRAPHICAL = ["E07000903", "E07000917", "E07000918", "E07000919"]
PERIODS = ("2023/24", "2024/25")

# (metric id, KPI or measure code, ours by period, the neighbours' first value and step)
METRICS: list[tuple[str, str, tuple[str, str], str, str]] = [
    ("900192", "WS01", ("49.8", "51.6"), "38.0", "1.6"),  # recycling %: higher is better
    ("900191", "WS02", ("452.0", "441.5"), "395.0", "6.5"),  # residual waste per household: lower is better
    ("900305", "CM05", ("64.1", "65.0"), "58.0", "0.9"),  # physically active adults %: a contextual measure
]


def _neighbour_values(first: Decimal, step: Decimal, year: int) -> dict[str, Decimal]:
    """Each neighbour's value: spread by a fixed step, shuffled by a fixed stride, a little higher each year."""
    codes = [*NEAREST, *GEOGRAPHICAL[1:]]
    return {code: first + step * ((i * 7) % len(codes)) + step * year / 2 for i, code in enumerate(codes)}


async def load_benchmarks(session: AsyncSession, records: Records) -> None:
    """Add the demo council's area code, groups, mappings and values, and flush."""
    organisation = await session.get(Organisation, records.organisation_id)
    assert organisation is not None
    organisation.area_code = AREA_CODE
    owned = {"organisation_id": records.organisation_id}
    session.add_all(
        [
            ComparatorGroup(
                id=uuid.uuid4(),
                name="CIPFA nearest neighbours",
                kind="nearest_neighbours",
                area_codes=NEAREST,
                description="The 15 councils most like Northdale by CIPFA's model",
                **owned,
            ),
            ComparatorGroup(
                id=uuid.uuid4(),
                name="Geographical neighbours",
                kind="geographical",
                area_codes=GEOGRAPHICAL,
                description="The councils Northdale borders",
                **owned,
            ),
        ]
    )
    rows: list[MetricMapping | BenchmarkValue] = []
    for metric_id, code, ours, first, step in METRICS:
        kpi, measure = records.kpis.get(code), records.measures.get(code)
        rows.append(
            MetricMapping(
                id=uuid.uuid4(),
                metric_id=metric_id,
                source="LG Inform",
                kpi_id=None if kpi is None else kpi.id,
                measure_id=None if measure is None else measure.id,
                **owned,
            )
        )
        for year, period_text in enumerate(PERIODS):
            period = Period.parse(period_text)
            values = {AREA_CODE: Decimal(ours[year]), **_neighbour_values(Decimal(first), Decimal(step), year)}
            rows += [
                BenchmarkValue(
                    id=uuid.uuid4(),
                    metric_id=metric_id,
                    area_code=area_code,
                    period=period_text,
                    period_end=period.end_date(START_MONTH),
                    value=value,
                    **owned,
                )
                for area_code, value in values.items()
            ]
    session.add_all(rows)
    await session.flush()
