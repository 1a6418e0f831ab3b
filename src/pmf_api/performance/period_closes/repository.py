"""Queries of closed periods and the restatement log.

The close needs to know which values of its period are not validated yet; it reads only the
``submission`` table's KPI, period and state columns, by name, so that this feature knows nothing
of the submissions feature's models (which call it to ask whether a period is open).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import String, Uuid, bindparam, column, select, table

from pmf_api.performance.period_closes.models import PeriodClose, Restatement
from pmf_api.platform.db.repository import OwnedRepository, Reader

_submission = table(
    "submission",
    column("organisation_id", Uuid),
    column("kpi_id", Uuid),
    column("period", String),
    column("state", String),
)


class PeriodCloseRepository(OwnedRepository[PeriodClose]):
    model = PeriodClose
    what = "period close"
    sortable = {"closed_at": PeriodClose.closed_at, "updated_at": PeriodClose.updated_at}
    default_sort = "closed_at"

    async def every_close(self, reader: Reader) -> list[PeriodClose]:
        """Every close of the reader's organisation, the latest closed first."""
        bound = self.readable(reader)
        statement = bound.statement.order_by(PeriodClose.closed_at.desc(), PeriodClose.id)
        return list(await self.session.scalars(statement, dict(bound.params)))

    async def in_force(self, reader: Reader) -> list[PeriodClose]:
        """The closes not reopened: the periods whose values are locked now."""
        bound = self.readable(reader)
        statement = bound.statement.where(PeriodClose.locks_period.is_not(None))
        return list(await self.session.scalars(statement, dict(bound.params)))


class RestatementRepository(OwnedRepository[Restatement]):
    model = Restatement
    what = "restatement"
    sortable = {"restated_at": Restatement.restated_at}
    default_sort = "restated_at"

    async def between(
        self,
        reader: Reader,
        *,
        after: datetime | None,
        until: datetime | None,
        kpi_id: uuid.UUID | None = None,
    ) -> list[Restatement]:
        """The restatements made after ``after`` (exclusive) up to ``until`` (inclusive), oldest first."""
        bound = self.readable(reader)
        statement = bound.statement
        params = dict(bound.params)
        if after is not None:
            statement = statement.where(Restatement.restated_at > bindparam("after"))
            params["after"] = after
        if until is not None:
            statement = statement.where(Restatement.restated_at <= bindparam("until"))
            params["until"] = until
        if kpi_id is not None:
            statement = statement.where(Restatement.kpi_id == bindparam("kpi_id"))
            params["kpi_id"] = kpi_id
        statement = statement.order_by(Restatement.restated_at, Restatement.id)
        return list(await self.session.scalars(statement, params))


async def value_states(
    repository: PeriodCloseRepository, organisation_id: uuid.UUID, periods: Sequence[str]
) -> dict[tuple[uuid.UUID, str], str]:
    """The state of each (KPI, period) value of the organisation's for ``periods``."""
    if not periods:
        return {}
    statement = select(_submission.c.kpi_id, _submission.c.period, _submission.c.state).where(
        _submission.c.organisation_id == bindparam("organisation_id"),
        _submission.c.period.in_(bindparam("periods", expanding=True)),
    )
    rows = await repository.session.execute(statement, {"organisation_id": organisation_id, "periods": list(periods)})
    return {(kpi_id, period): state for kpi_id, period, state in rows}
