"""Queries of submissions, their query threads and publications; and the one place that loads the
counted history of a set of KPIs (what status, the sense-checks and the bulk push judge values by)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, Select, case, exists, func, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pmf_api.domain import Observation, SubmissionState
from pmf_api.performance import mapping
from pmf_api.performance.kpis.repository import kpis_of_directorate, kpis_of_person, kpis_of_service
from pmf_api.performance.submissions.models import PublishedValue, Submission, SubmissionMessage
from pmf_api.platform.db.base import DECIMAL_SCALE
from pmf_api.platform.db.bulk import insert_rows
from pmf_api.platform.db.pages import Page, paginate
from pmf_api.platform.db.repository import OwnedRepository
from pmf_api.platform.db.rows import Query, session_driver

# Statements stay well inside both databases' bound-parameter limits.
IN_CHUNK = 500


@dataclass(frozen=True)
class PeriodSubmission:
    """A period's submission as it stands, counted or not."""

    id: uuid.UUID
    state: SubmissionState
    revision: int
    flags: list[dict[str, Any]]


@dataclass(frozen=True)
class OpenValue:
    """A value as published to residents: the latest publication of a period's value, with its
    commentary only where the performance team made it public."""

    kpi_id: uuid.UUID
    period: str
    financial_year: str
    period_end: date
    revision: int
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    commentary: str | None
    published_at: datetime


# A KPI's counted values over a span: how many, their version sum and latest change. Rows are never
# deleted and every change bumps a version and the time, so this moves with any insert or update.
Fingerprint = tuple[Any, ...]


class SubmissionRepository(OwnedRepository[Submission]):
    model = Submission
    what = "submission"
    sortable = {"period_end": Submission.period_end, "updated_at": Submission.updated_at}
    default_sort = "-period_end"
    filters = {
        "service_id": lambda value: Submission.kpi_id.in_(kpis_of_service(value)),
        "directorate_id": lambda value: Submission.kpi_id.in_(kpis_of_directorate(value)),
        "owner_id": lambda value: Submission.kpi_id.in_(kpis_of_person(value)),
    }

    async def of_period(self, kpi_id: uuid.UUID, period: str) -> Submission | None:
        found: Submission | None = await self.session.scalar(
            select(Submission).where(Submission.kpi_id == kpi_id, Submission.period == period)
        )
        return found

    async def of_periods(self, kpi_ids: Sequence[uuid.UUID], periods: Iterable[str]) -> list[Submission]:
        """The submissions of ``kpi_ids`` for ``periods``, and every counted value of those KPIs."""
        wanted = sorted(set(periods))
        found: list[Submission] = []
        for start in range(0, len(kpi_ids), IN_CHUNK):
            found.extend(
                await self.session.scalars(
                    select(Submission).where(
                        Submission.kpi_id.in_(kpi_ids[start : start + IN_CHUNK]),
                        or_(Submission.period.in_(wanted), Submission.state.in_(mapping.COUNTED_STATES)),
                    )
                )
            )
        return found

    async def publication(self, submission_id: uuid.UUID, revision: int) -> PublishedValue | None:
        """What was published of a submission's ``revision``, if it has been."""
        found: PublishedValue | None = await self.session.scalar(
            select(PublishedValue).where(
                PublishedValue.submission_id == submission_id, PublishedValue.revision == revision
            )
        )
        return found

    async def publication_before(self, submission_id: uuid.UUID, revision: int) -> PublishedValue | None:
        """The latest publication of a submission's revisions before ``revision``, if any was published."""
        found: PublishedValue | None = await self.session.scalar(
            select(PublishedValue)
            .where(PublishedValue.submission_id == submission_id, PublishedValue.revision < revision)
            .order_by(PublishedValue.revision.desc())
            .limit(1)
        )
        return found

    async def periods_of(self, kpi_ids: Sequence[uuid.UUID]) -> list[str]:
        """Every period any of ``kpi_ids`` has a submission for, in order of period end."""
        if not kpi_ids:
            return []
        rows = await self.session.execute(
            select(Submission.period, func.min(Submission.period_end))
            .where(Submission.kpi_id.in_(kpi_ids))
            .group_by(Submission.period)
            .order_by(func.min(Submission.period_end), Submission.period)
        )
        return [period for period, _ in rows]

    async def counted_in_years(self, kpi_ids: Sequence[uuid.UUID], years: Sequence[str]) -> list[Submission]:
        """The counted values of ``kpi_ids`` in the financial ``years``."""
        found: list[Submission] = []
        for start in range(0, len(kpi_ids), IN_CHUNK):
            found.extend(
                await self.session.scalars(
                    select(Submission).where(
                        Submission.kpi_id.in_(kpi_ids[start : start + IN_CHUNK]),
                        Submission.financial_year.in_(sorted(set(years))),
                        Submission.state.in_(mapping.COUNTED_STATES),
                    )
                )
            )
        return found

    async def counted_before(self, kpi_id: uuid.UUID, period_end: date) -> list[Submission]:
        """The KPI's counted values of the periods that ended before ``period_end``."""
        return list(
            await self.session.scalars(
                select(Submission).where(
                    Submission.kpi_id == kpi_id,
                    Submission.period_end < period_end,
                    Submission.state.in_(mapping.COUNTED_STATES),
                )
            )
        )

    async def counted_fingerprints(
        self, kpi_ids: Sequence[uuid.UUID] | Any, first_end: date, last_end: date
    ) -> dict[uuid.UUID, Fingerprint]:
        """Each KPI's :data:`Fingerprint` of its counted values ending from ``first_end`` to ``last_end``."""
        statement = (
            select(Submission.kpi_id, func.count(), func.sum(Submission.version), func.max(Submission.updated_at))
            .where(Submission.kpi_id.in_(kpi_ids), *_counted(first_end, last_end))
            .group_by(Submission.kpi_id)
        )
        return {kpi_id: tuple(fingerprint) for kpi_id, *fingerprint in await self.session.execute(statement)}

    async def counted_values(
        self, kpi_ids: Sequence[uuid.UUID] | Any, first_end: date, last_end: date
    ) -> dict[uuid.UUID, list[Sequence[Any]]]:
        """Each KPI's counted values ending from ``first_end`` to ``last_end``, as rows of (kpi_id,
        period, value, numerator, denominator, commentary, owner_forecast).

        They are the bulk of what a scorecard reads (36 a KPI over three years), so they are read
        over the session's driver connection (``platform.db.rows``) as plain tuples: through the
        ORM, 10,800 values cost several times the query."""
        exact = self._exact_decimal()
        statement = select(
            Submission.kpi_id,
            Submission.period,
            exact(Submission.value, "value"),
            exact(Submission.numerator, "numerator"),
            exact(Submission.denominator, "denominator"),
            Submission.commentary,
            exact(Submission.owner_forecast, "owner_forecast"),
        ).where(Submission.kpi_id.in_(kpi_ids), *_counted(first_end, last_end))
        found: Iterable[Sequence[Any]]
        if isinstance(kpi_ids, Select):
            found = await (await session_driver(self.session)).fetch_tuples(Query(None, statement), {})
        else:  # a list of ids is an IN list, which only SQLAlchemy's execution expands
            found = await (await self.session.connection()).execute(statement)
        rows: dict[uuid.UUID, list[Sequence[Any]]] = {}
        for row in found:
            rows.setdefault(row[0], []).append(row)
        return rows

    async def states_of_periods(
        self, kpi_ids: Sequence[uuid.UUID] | Any, periods: Iterable[str]
    ) -> dict[tuple[uuid.UUID, str], PeriodSubmission]:
        """Where each KPI's submission for each of ``periods`` stands, by (KPI, period)."""
        statement = select(
            Submission.id, Submission.kpi_id, Submission.period, Submission.state, Submission.revision, Submission.flags
        ).where(Submission.kpi_id.in_(kpi_ids), Submission.period.in_(sorted(set(periods))))
        return {
            (row.kpi_id, row.period): PeriodSubmission(
                row.id, SubmissionState(row.state), row.revision, list(row.flags or [])
            )
            for row in await self.session.execute(statement)
        }

    async def for_tasks(
        self, organisation_id: uuid.UUID, period: str, kpi_ids: Sequence[uuid.UUID]
    ) -> list[Submission]:
        return list(
            await self.session.scalars(
                select(Submission).where(
                    Submission.organisation_id == organisation_id,
                    Submission.period == period,
                    Submission.kpi_id.in_(kpi_ids),
                )
            )
        )

    async def insert_new(self, rows: list[dict[str, Any]]) -> None:
        """New submissions, all at once (each a full set of column values; see ``service.draft_values``)."""
        await insert_rows(self.session, Submission, rows, json_columns=("flags",))

    async def messages(self, submission_id: uuid.UUID, *, cursor: str | None, limit: int) -> Page[SubmissionMessage]:
        """A page of a submission's query thread, oldest first."""
        stmt = select(SubmissionMessage).where(SubmissionMessage.submission_id == submission_id)
        order = {"created_at": SubmissionMessage.created_at}
        return await paginate(
            self.session, stmt, SubmissionMessage, sort="created_at", sortable=order, cursor=cursor, limit=limit
        )

    async def publications(self, submission_id: uuid.UUID, *, cursor: str | None, limit: int) -> Page[PublishedValue]:
        """A page of a submission's published versions, oldest (lowest revision) first."""
        stmt = select(PublishedValue).where(PublishedValue.submission_id == submission_id)
        order = {"revision": PublishedValue.revision}
        return await paginate(
            self.session, stmt, PublishedValue, sort="revision", sortable=order, cursor=cursor, limit=limit
        )

    def _exact_decimal(self) -> Callable[[Any, str], Any]:
        """On PostgreSQL, read NUMERIC values as the driver's Decimals, skipping ``ExactDecimal``'s
        trailing-zero normalisation (a third of a scorecard's time); the numbers are the same, and the
        domain and the response only compare and round them. SQLite stores text and needs the type."""
        if self.session.get_bind().dialect.name == "postgresql":
            return lambda column, name: type_coerce(column, _NUMERIC).label(name)
        return lambda column, name: column


_NUMERIC = Numeric(24, DECIMAL_SCALE, asdecimal=True)


def _latest_publication() -> Any:
    later = aliased(PublishedValue)
    return ~exists().where(
        later.submission_id == PublishedValue.submission_id, later.revision > PublishedValue.revision
    )


async def latest_publications(session: AsyncSession, kpi_ids: Select[uuid.UUID]) -> list[OpenValue]:
    """The latest publication of each period's value of the KPIs ``kpi_ids`` selects, by KPI and period.

    Read from the publications alone, never from the submission's current value: a value being
    revised (a draft, submitted, queried or validated again) goes on showing what was published."""
    statement = (
        select(
            Submission.kpi_id,
            Submission.period,
            Submission.financial_year,
            Submission.period_end,
            PublishedValue.revision,
            PublishedValue.value,
            PublishedValue.numerator,
            PublishedValue.denominator,
            case((PublishedValue.commentary_public.is_(True), PublishedValue.commentary), else_=None),
            PublishedValue.published_at,
        )
        .join(Submission, Submission.id == PublishedValue.submission_id)
        .where(Submission.kpi_id.in_(kpi_ids), _latest_publication())
        .order_by(Submission.kpi_id, Submission.period_end)
    )
    return [OpenValue(*row) for row in (await session.execute(statement)).all()]


async def organisations_publishing(session: AsyncSession, kpi_ids: Select[uuid.UUID]) -> list[uuid.UUID]:
    """The organisations with a published value of one of the KPIs ``kpi_ids`` selects."""
    statement = (
        select(Submission.organisation_id)
        .join(PublishedValue, PublishedValue.submission_id == Submission.id)
        .where(Submission.kpi_id.in_(kpi_ids))
        .distinct()
    )
    return list(await session.scalars(statement))


def _counted(first_end: date, last_end: date) -> tuple[Any, ...]:
    # Each counted state compared in turn rather than an IN list, which the driver reads in
    # counted_values could not run (``platform.db.rows``).
    return (
        or_(*(Submission.state == state for state in sorted(mapping.COUNTED_STATES))),
        Submission.period_end >= first_end,
        Submission.period_end <= last_end,
    )


def observations(rows: Iterable[Sequence[Any]]) -> list[Observation]:
    """:meth:`SubmissionRepository.counted_values` rows as the domain's observations.

    Unpacked by position (the columns after kpi_id), the cheapest way to read thousands of rows."""
    return [
        mapping.observation_from(period, value, numerator, denominator, commentary, owner_forecast)
        for _kpi_id, period, value, numerator, denominator, commentary, owner_forecast in rows
    ]
