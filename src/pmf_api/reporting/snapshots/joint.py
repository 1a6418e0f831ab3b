"""What a snapshot keeps of the joint finance and performance view (seed 003_2a403038ecab8362.txt):
budget monitoring and complaints per service, each directorate's total and the council's."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.domain import Period
from pmf_api.domain.finance import money_text, percent_text
from pmf_api.performance.finance.service import JointRow, joint_view


def _row(row: JointRow, portfolio_id: str | None) -> dict[str, Any]:
    variance = row.variance
    return {
        "label": row.label,
        "budget": None if variance is None else money_text(variance.budget),
        "actual_to_date": None if variance is None else money_text(variance.actual_to_date),
        "forecast_outturn": None if variance is None else money_text(variance.forecast_outturn),
        "variance": None if variance is None else money_text(variance.variance),
        "variance_percent": None if variance is None else percent_text(variance.variance_percent),
        "variance_rag": row.variance_rag.value,
        "variance_rag_text": row.variance_rag_text,
        "complaints": row.complaints,
        "directorate_id": None if row.directorate_id is None else str(row.directorate_id),
        "portfolio_id": portfolio_id,
    }


async def finance_rows(
    session: AsyncSession, actor: Actor, period: Period, services: dict[str, Any], *, as_of: date
) -> list[dict[str, Any]]:
    """Rows of ``reporting.document.FinanceRow``'s fields, with the ``directorate_id`` and
    ``portfolio_id`` each belongs to (a directorate's total has no portfolio; the council's neither):
    each directorate's services then its total, and the council's total last; none when no budget
    monitoring was imported for the period."""
    view = await joint_view(session, actor, str(period), as_of=as_of)
    if all(row.variance is None for row in view.services):
        return []  # nothing imported from the finance system for the period: no joint view to show
    rows: list[dict[str, Any]] = []
    for total in view.directorates:
        for row in view.services:
            if row.directorate_id == total.directorate_id:
                service = services.get(str(row.service_id), {})
                rows.append(_row(row, service.get("portfolio_id")))
        rows.append(_row(total, None))
    if view.council is not None:
        rows.append(_row(view.council, None) | {"directorate_id": None})
    return rows
