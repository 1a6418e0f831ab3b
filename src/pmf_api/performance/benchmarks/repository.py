"""Queries of comparator groups, metric mappings, benchmark values and positions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam

from pmf_api.performance.benchmarks.models import BenchmarkPosition, BenchmarkValue, ComparatorGroup, MetricMapping
from pmf_api.platform.db.repository import OwnedRepository, Reader


class ComparatorGroupRepository(OwnedRepository[ComparatorGroup]):
    model = ComparatorGroup
    what = "comparator group"
    sortable = {"name": ComparatorGroup.name, "updated_at": ComparatorGroup.updated_at}
    default_sort = "name"

    async def all_in_organisation(self, reader: Reader) -> list[ComparatorGroup]:
        """Every group ``reader`` may read, archived ones too, by name."""
        bound = self.readable(reader)
        return list(await self.session.scalars(bound.statement.order_by(ComparatorGroup.name), bound.params))


class MetricMappingRepository(OwnedRepository[MetricMapping]):
    model = MetricMapping
    what = "metric mapping"
    sortable = {"metric_id": MetricMapping.metric_id, "updated_at": MetricMapping.updated_at}
    default_sort = "metric_id"

    async def all_in_organisation(self, reader: Reader) -> list[MetricMapping]:
        """Every mapping ``reader`` may read, archived ones too, by metric id."""
        bound = self.readable(reader)
        return list(await self.session.scalars(bound.statement.order_by(MetricMapping.metric_id), bound.params))


class BenchmarkValueRepository(OwnedRepository[BenchmarkValue]):
    model = BenchmarkValue
    what = "benchmark value"
    sortable = {"period_end": BenchmarkValue.period_end, "updated_at": BenchmarkValue.updated_at}
    default_sort = "period_end"

    async def of_metrics(self, reader: Reader, metric_ids: Iterable[str]) -> list[BenchmarkValue]:
        """Every value of these metrics ``reader`` may read."""
        ids = list(metric_ids)
        if not ids:
            return []
        bound = self.readable(reader)
        statement = bound.statement.where(
            BenchmarkValue.metric_id.in_(bindparam("metric_ids", expanding=True))
        ).order_by(BenchmarkValue.metric_id, BenchmarkValue.period_end, BenchmarkValue.area_code)
        return list(await self.session.scalars(statement, {**bound.params, "metric_ids": ids}))

    async def for_key(self, reader: Reader, metric_id: str, area_code: str, period: str) -> BenchmarkValue | None:
        """The value for this metric, council and period, locked for a change in a unit of work that writes."""
        bound = self.writable(reader)
        statement = bound.statement.where(
            BenchmarkValue.metric_id == bindparam("metric_id"),
            BenchmarkValue.area_code == bindparam("area_code"),
            BenchmarkValue.period == bindparam("period"),
        ).with_for_update()
        params: dict[str, Any] = {**bound.params, "metric_id": metric_id, "area_code": area_code, "period": period}
        found: BenchmarkValue | None = await self.session.scalar(statement, params)
        return found


class BenchmarkPositionRepository(OwnedRepository[BenchmarkPosition]):
    model = BenchmarkPosition
    what = "benchmark position"

    async def all_in_organisation(self, reader: Reader) -> list[BenchmarkPosition]:
        bound = self.readable(reader)
        return list(await self.session.scalars(bound.statement, bound.params))
