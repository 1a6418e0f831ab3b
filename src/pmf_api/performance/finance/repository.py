"""Queries of budget monitoring and complaints counts."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam

from pmf_api.framework.organisations.repository import services_in_directorate
from pmf_api.performance.finance.models import BudgetMonitoring, ComplaintCount
from pmf_api.platform.db.repository import OwnedRepository, Reader


class _PerServiceAndPeriod(OwnedRepository[Any]):
    """Rows of one service and period each; lists filter by service, directorate and period."""

    async def for_period(self, reader: Reader, service_id: uuid.UUID, period: str) -> Any | None:
        """The service's row for ``period``, locked for a change in a unit of work that writes."""
        model = self.model
        bound = self.writable(reader)
        statement = bound.statement.where(
            model.service_id == bindparam("service_id"), model.period == bindparam("period")
        ).with_for_update()
        return await self.session.scalar(statement, {**bound.params, "service_id": service_id, "period": period})

    async def of_period(self, reader: Reader, period: str, service_ids: Iterable[uuid.UUID] | None = None) -> list[Any]:
        """Every row of ``period`` the reader may read (of these services, when given)."""
        model = self.model
        bound = self.readable(reader)
        statement = bound.statement.where(model.period == bindparam("period"))
        params: dict[str, Any] = {**bound.params, "period": period}
        if service_ids is not None:
            statement = statement.where(model.service_id.in_(bindparam("service_ids", expanding=True)))
            params["service_ids"] = list(service_ids)
        return list(await self.session.scalars(statement, params))


class BudgetMonitoringRepository(_PerServiceAndPeriod):
    model = BudgetMonitoring
    what = "budget monitoring"
    sortable = {"period_end": BudgetMonitoring.period_end, "updated_at": BudgetMonitoring.updated_at}
    default_sort = "period_end"
    filters = {"directorate_id": lambda value: BudgetMonitoring.service_id.in_(services_in_directorate(value))}


class ComplaintCountRepository(_PerServiceAndPeriod):
    model = ComplaintCount
    what = "complaints count"
    sortable = {"period_end": ComplaintCount.period_end, "updated_at": ComplaintCount.updated_at}
    default_sort = "period_end"
    filters = {"directorate_id": lambda value: ComplaintCount.service_id.in_(services_in_directorate(value))}
