"""Reading KPI Intervention Forms: one form with its progress filled from the published values, and
the portal's list of forms by directorate, portfolio, stage and age."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import require_read
from pmf_api.assurance.interventions.service import Form, load_form
from pmf_api.domain.interventions import progress_periods
from pmf_api.domain.periods import Period
from pmf_api.domain.workflow import SubmissionState
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.performance.interventions.models import Intervention
from pmf_api.performance.interventions.repository import InterventionRepository
from pmf_api.performance.status import service as status_service
from pmf_api.platform.db.pages import ListQuery, Page
from pmf_api.platform.errors import Conflict


@dataclass(frozen=True)
class ProgressRow:
    """One period after opening: target and actual as published, and the team's account."""

    period: str
    target: Decimal | None
    actual: Decimal | None
    rag: str | None
    published: bool
    note: str | None
    further_intervention_required: bool | None
    recorded_by: str | None
    recorded_at: datetime | None


@dataclass(frozen=True)
class FormView:
    form: Intervention
    progress: list[ProgressRow]
    as_of: date


async def _published(session: AsyncSession, actor: Actor, form: Form, period: Period, as_of: date) -> Any:
    """The KPI's status in ``period``, when it has ended and can be judged; else None."""
    organisation = await get_organisation(session, actor)
    if period.end_date(organisation.financial_year_start_month) >= as_of:
        return None
    try:
        return await status_service.kpi_status(session, actor, form.kpi.id, str(period), as_of=as_of)
    except Conflict:  # stored data the rules cannot judge: shown without figures
        return None


async def read_form(session: AsyncSession, actor: Actor, intervention_id: uuid.UUID, *, as_of: date) -> FormView:
    """The form, with a progress row for each of the three periods after opening (and any later
    one recorded): the target in force and the value as published, beside the team's note."""
    form = await load_form(session, actor, intervention_id)
    recorded = {row.period: row for row in await InterventionRepository(session).progress(form.record.id)}
    periods = progress_periods(Period.parse(form.record.period), [Period.parse(p) for p in recorded])
    rows = []
    for period in periods:
        status = await _published(session, actor, form, period, as_of)
        published = (
            status is not None
            and status.submission is not None
            and status.submission.state == SubmissionState.PUBLISHED.value
        )
        entry = recorded.get(str(period))
        rows.append(
            ProgressRow(
                period=str(period),
                target=None if status is None else status.evaluation.status.target,
                actual=status.evaluation.value if published else None,
                rag=status.evaluation.rag.value if published and status.evaluation.rag is not None else None,
                published=published,
                note=None if entry is None else entry.note,
                further_intervention_required=None if entry is None else entry.further_intervention_required,
                recorded_by=None if entry is None else entry.recorded_by,
                recorded_at=None if entry is None else entry.recorded_at,
            )
        )
    return FormView(form.record, rows, as_of)


async def list_interventions(
    session: AsyncSession,
    actor: Actor,
    filters: dict[str, Any],
    *,
    as_of: date,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Intervention]:
    """A page of forms (open ones unless ``open`` says otherwise), filtered by KPI, service,
    directorate, portfolio, stage and age in days (``min_days_open``, ``max_days_open`` on ``as_of``)."""
    require_read(actor)
    chosen = {name: value for name, value in filters.items() if value is not None}
    if "open" in chosen:
        chosen["is_open"] = chosen.pop("open")
    if (least := chosen.pop("min_days_open", None)) is not None:
        chosen["opened_on_or_before"] = _days_before(as_of, least)
    if (most := chosen.pop("max_days_open", None)) is not None:
        chosen["opened_after"] = _days_before(as_of, most + 1)
    return await InterventionRepository(session).page(
        actor, ListQuery(filters=chosen, sort=sort, cursor=cursor, limit=limit)
    )


def _days_before(day: date, days: int) -> date:
    """``days`` before ``day``, or the first day there is (an ``as_of`` early in year 1 asks for no error)."""
    return day - timedelta(days=days) if day.toordinal() > days else date.min
