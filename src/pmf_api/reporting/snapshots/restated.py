"""What a snapshot lists of the restatement log (issue 13, item 2), and what was unvalidated at close.

A report lists the values of earlier periods restated since the previous report of its kind froze
("reported 45.2% Green on 15 July; restated 44.1% Amber on 2 September: source system corrected").
What was reported comes from the latest earlier snapshot that reported the KPI's period (its figure
and RAG as frozen), else from the publication the restatement replaced; what is restated, from the
KPI's status for that period now. Both are frozen into the new snapshot, so it lists the same
restatements for ever, and the earlier report, rendered from its own snapshot, never changes.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.domain import Period
from pmf_api.domain.report_summary import rag_word, restatement_sentence, with_unit
from pmf_api.performance.period_closes.service import RestatementRecord, closes_covering, restatements_between
from pmf_api.performance.status import schemas as status_schemas
from pmf_api.performance.status.service import kpi_status
from pmf_api.platform.errors import Conflict
from pmf_api.reporting.snapshots.repository import SnapshotRepository


class _Reported:
    """Earlier snapshots' KPI entries, read newest first and only as far as a restatement needs."""

    def __init__(self, session: AsyncSession, organisation_id: uuid.UUID, before: date) -> None:
        self.session = session
        self.organisation_id = organisation_id
        self.before = before
        self._loaded: list[tuple[datetime, dict[tuple[str, str], dict[str, Any]]]] | None = None

    async def _snapshots(self) -> list[tuple[datetime, dict[tuple[str, str], dict[str, Any]]]]:
        if self._loaded is None:
            rows = await SnapshotRepository(self.session).earlier(self.organisation_id, self.before)
            self._loaded = [
                (
                    frozen_at,
                    {(entry["status"]["kpi_id"], entry["status"]["period"]): entry["status"] for entry in kpis},
                )
                for frozen_at, kpis in rows
            ]
        return self._loaded

    async def of(self, record: RestatementRecord) -> tuple[str | None, str | None, date | None] | None:
        for frozen_at, statuses in await self._snapshots():
            status = statuses.get((str(record.kpi_id), record.period))
            if status is not None and frozen_at < record.restated_at:
                figure = with_unit(status["display"]["value"], status["unit"])
                return figure, rag_word(status["rag"], status["value_state"]), frozen_at.date()
        return None


async def _restated(
    session: AsyncSession, actor: Actor, record: RestatementRecord, as_of: date
) -> tuple[str | None, str | None]:
    """The restated figure as logged, shown at the KPI's decimal places with its unit, and its RAG while
    it is still the period's value (a later restatement of the same value is rated in its own line)."""
    plain = None if record.restated_value is None else str(record.restated_value)
    try:
        status = status_schemas.status_item(await kpi_status(session, actor, record.kpi_id, record.period, as_of=as_of))
    except Conflict:  # no longer judged (no target in force, say): the logged figure, not rated
        return plain, None
    if status.period != record.period or record.restated_value is None:
        return plain, None
    figure = with_unit(status_schemas.shown(record.restated_value, status.decimal_places), status.unit)
    standing = status.value is not None and status.value == record.restated_value
    return figure, rag_word(status.rag, status.value_state) if standing else None


async def restatements_since(
    session: AsyncSession, actor: Actor, period: Period, *, as_of: date, until: datetime
) -> list[dict[str, Any]]:
    """Restatements made since the previous snapshot of ``period``'s frequency froze, as JSON rows
    of ``reporting.document.ReportRestatement``'s fields."""
    repository = SnapshotRepository(session)
    after = await repository.previous_frozen_at(actor.organisation_id, period.frequency.value, str(period))
    records = await restatements_between(session, actor.organisation_id, after, until)
    reported_in = _Reported(session, actor.organisation_id, as_of)
    rows: list[dict[str, Any]] = []
    for record in records:
        figure, rag = await _restated(session, actor, record, as_of)
        reported = await reported_in.of(record) or (
            None if record.reported_value is None else str(record.reported_value),
            None,
            None if record.reported_at is None else record.reported_at.date(),
        )
        restated_on = record.restated_at.date()
        rows.append(
            {
                "kpi_id": str(record.kpi_id),
                "kpi_code": record.kpi_code,
                "kpi_title": record.kpi_title,
                "period": record.period,
                "reported_value": reported[0],
                "reported_rag": reported[1],
                "reported_on": None if reported[2] is None else reported[2].isoformat(),
                "restated_value": figure,
                "restated_rag": rag,
                "restated_on": restated_on.isoformat(),
                "reason": record.reason,
                "sentence": restatement_sentence(
                    f"{record.kpi_code} {record.kpi_title}",
                    record.period,
                    reported,
                    (figure, rag, restated_on),
                    record.reason,
                ),
            }
        )
    return rows


async def unvalidated_at_close(session: AsyncSession, actor: Actor, period: Period) -> list[str]:
    """The values not validated when the closes covering ``period`` were made, with each close's reason."""
    lines: list[str] = []
    for close in await closes_covering(session, actor, period):
        for value in close.unvalidated_at_close or []:
            state = str(value.get("state", "")).replace("_", " ")
            lines.append(f"{value['kpi_code']}, {value['period']}: {state} when {close.period} closed ({close.reason})")
    return lines
