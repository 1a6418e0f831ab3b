"""Queries of contextual measures' values."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import bindparam

from pmf_api.performance.contextual_values.models import ContextualValue
from pmf_api.platform.db.repository import OwnedRepository, Reader


class ContextualValueRepository(OwnedRepository[ContextualValue]):
    model = ContextualValue
    what = "contextual value"
    sortable = {"period_end": ContextualValue.period_end, "updated_at": ContextualValue.updated_at}
    default_sort = "period_end"

    async def of_measures(self, reader: Reader, measure_ids: Iterable[uuid.UUID]) -> list[ContextualValue]:
        """Every value of these measures the reader may read, oldest period first."""
        ids = list(measure_ids)
        if not ids:
            return []
        bound = self.readable(reader)
        statement = bound.statement.where(
            ContextualValue.measure_id.in_(bindparam("measure_ids", expanding=True))
        ).order_by(ContextualValue.measure_id, ContextualValue.period_end, ContextualValue.period)
        rows = await self.session.scalars(statement, {**bound.params, "measure_ids": ids})
        return list(rows)

    async def for_period(self, reader: Reader, measure_id: uuid.UUID, period: str) -> ContextualValue | None:
        """The measure's value for ``period``, locked for a change in a unit of work that writes."""
        bound = self.writable(reader)
        statement = bound.statement.where(
            ContextualValue.measure_id == bindparam("measure_id"), ContextualValue.period == bindparam("period")
        ).with_for_update()
        found: ContextualValue | None = await self.session.scalar(
            statement, {**bound.params, "measure_id": measure_id, "period": period}
        )
        return found
