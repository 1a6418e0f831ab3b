"""The benchmarking feeds: the values published for each council, and our positions among our
comparator groups (seed 003_2a403038ecab8362.txt: benchmarking with LG Inform and nearest
neighbours), for Power BI beside the KPI values.

Positions are worked out from the values (``domain.benchmarking``) and kept in
``benchmark_position``; the feed brings them up to date before it is read (``prepare``), changing a
row only when its figures move, so ``updated_since`` sees just what moved. A position that no longer
exists (a group archived, a mapping removed) is removed from the kept rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.performance.benchmarks.models import BenchmarkPosition, BenchmarkValue, ComparatorGroup, MetricMapping
from pmf_api.performance.benchmarks.repository import BenchmarkPositionRepository, BenchmarkValueRepository
from pmf_api.performance.benchmarks.service import keep_positions
from pmf_api.publishing.feeds.definitions import ColumnKind, Feed, FeedColumn, register


def _values() -> Any:
    mapping = and_(
        MetricMapping.organisation_id == BenchmarkValue.organisation_id,
        MetricMapping.metric_id == BenchmarkValue.metric_id,
    )
    return (
        select(
            BenchmarkValue.id.label("benchmark_value_id"),
            BenchmarkValue.metric_id.label("metric_id"),
            BenchmarkValue.area_code.label("area_code"),
            BenchmarkValue.period.label("period"),
            BenchmarkValue.period_end.label("period_end"),
            BenchmarkValue.value.label("value"),
            MetricMapping.kpi_id.label("kpi_id"),
            MetricMapping.measure_id.label("measure_id"),
            BenchmarkValue.updated_at.label("updated_at"),
        )
        .outerjoin(MetricMapping, mapping)
        .where(BenchmarkValueRepository.read_rule())
    )


BENCHMARK_VALUES = register(
    Feed(
        name="benchmark-values",
        entity_set="BenchmarkValues",
        entity_type="BenchmarkValue",
        title="Benchmark values",
        description=(
            "The values published for each council (by ONS area code) of the external metrics our KPIs and "
            "contextual measures are mapped to, as imported from LG Inform"
        ),
        columns=(
            FeedColumn("benchmark_value_id", ColumnKind.UUID, "The value", nullable=False),
            FeedColumn("metric_id", ColumnKind.STRING, "The external metric id (LG Inform)", nullable=False),
            FeedColumn("area_code", ColumnKind.STRING, "The council's ONS area code", nullable=False),
            FeedColumn("period", ColumnKind.STRING, "The period, e.g. 2024/25", nullable=False),
            FeedColumn("period_end", ColumnKind.DATE, "The period's last day", nullable=False),
            FeedColumn("value", ColumnKind.DECIMAL, "The published value", nullable=False),
            FeedColumn("kpi_id", ColumnKind.UUID, "Our KPI mapped to the metric, if any"),
            FeedColumn("measure_id", ColumnKind.UUID, "Our contextual measure mapped to the metric, if any"),
            FeedColumn("updated_at", ColumnKind.DATETIME, "When the value last changed", nullable=False),
        ),
        key=("metric_id", "area_code", "period"),
        build=_values,
        params=BenchmarkValueRepository.read_params,
        period_end="period_end",
    )
)


def _positions() -> Any:
    return (
        select(
            BenchmarkPosition.group_id.label("group_id"),
            ComparatorGroup.name.label("group_name"),
            ComparatorGroup.kind.label("group_kind"),
            BenchmarkPosition.metric_id.label("metric_id"),
            BenchmarkPosition.kpi_id.label("kpi_id"),
            BenchmarkPosition.measure_id.label("measure_id"),
            BenchmarkPosition.period.label("period"),
            BenchmarkPosition.period_end.label("period_end"),
            BenchmarkPosition.our_value.label("our_value"),
            BenchmarkPosition.rank.label("rank"),
            BenchmarkPosition.compared.label("compared"),
            BenchmarkPosition.quartile.label("quartile"),
            BenchmarkPosition.median.label("median"),
            BenchmarkPosition.best_quartile.label("best_quartile"),
            BenchmarkPosition.distance_to_best_quartile.label("distance_to_best_quartile"),
            BenchmarkPosition.in_words.label("in_words"),
            BenchmarkPosition.updated_at.label("updated_at"),
        )
        .join(ComparatorGroup, ComparatorGroup.id == BenchmarkPosition.group_id)
        .where(BenchmarkPositionRepository.read_rule())
    )


async def _prepare(session: AsyncSession, actor: Actor, as_of: date) -> None:
    await keep_positions(session, actor, as_of)


BENCHMARK_POSITIONS = register(
    Feed(
        name="benchmark-positions",
        entity_set="BenchmarkPositions",
        entity_type="BenchmarkPosition",
        title="Benchmark positions",
        description=(
            "Our position among each comparator group for each mapped metric and period: rank (1 the best, ties "
            "sharing the best rank), quartile (1 the best), median, the best quartile's threshold (Excel "
            "QUARTILE.INC) and our distance to it, and the position in words"
        ),
        columns=(
            FeedColumn("group_id", ColumnKind.UUID, "The comparator group", nullable=False),
            FeedColumn("group_name", ColumnKind.STRING, "Its name", nullable=False),
            FeedColumn(
                "group_kind",
                ColumnKind.STRING,
                "nearest_neighbours, geographical, all_districts or custom",
                nullable=False,
            ),
            FeedColumn("metric_id", ColumnKind.STRING, "The external metric id (LG Inform)", nullable=False),
            FeedColumn("kpi_id", ColumnKind.UUID, "Our KPI mapped to the metric, if it is a KPI"),
            FeedColumn("measure_id", ColumnKind.UUID, "Our contextual measure mapped to it, if it is one"),
            FeedColumn("period", ColumnKind.STRING, "The period, e.g. 2024/25", nullable=False),
            FeedColumn("period_end", ColumnKind.DATE, "The period's last day", nullable=False),
            FeedColumn("our_value", ColumnKind.DECIMAL, "The value published for our area code", nullable=False),
            FeedColumn("rank", ColumnKind.INTEGER, "1 is the best", nullable=False),
            FeedColumn("compared", ColumnKind.INTEGER, "How many councils had a value, ours included", nullable=False),
            FeedColumn("quartile", ColumnKind.INTEGER, "1 is the best quartile", nullable=False),
            FeedColumn("median", ColumnKind.DECIMAL, "The median of the values", nullable=False),
            FeedColumn("best_quartile", ColumnKind.DECIMAL, "The best quartile's threshold", nullable=False),
            FeedColumn(
                "distance_to_best_quartile",
                ColumnKind.DECIMAL,
                "How far to move, the better way, to reach the best quartile; 0 there",
                nullable=False,
            ),
            FeedColumn(
                "in_words", ColumnKind.STRING, "e.g. 2nd of 16 nearest neighbours, top quartile", nullable=False
            ),
            FeedColumn("updated_at", ColumnKind.DATETIME, "When the position last moved", nullable=False),
        ),
        key=("group_id", "metric_id", "period"),
        build=_positions,
        params=BenchmarkPositionRepository.read_params,
        period_end="period_end",
        prepare=_prepare,
    )
)
