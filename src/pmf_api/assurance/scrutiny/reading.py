"""Reading scrutiny challenges: one with its questions, and the list with its filters (state, kind,
subject, panel, the days or quarter raised, the officer assigned, overdue)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import require_read
from pmf_api.assurance.scrutiny.models import ScrutinyChallenge, ScrutinyQuestion
from pmf_api.assurance.scrutiny.repository import ScrutinyChallengeRepository
from pmf_api.domain.errors import DomainError
from pmf_api.domain.periods import FinancialYear, Period
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.platform.db.pages import ListQuery, Page
from pmf_api.platform.errors import Location, invalid


@dataclass(frozen=True)
class ChallengeView:
    """A challenge with its questions in the order asked, and the day it is seen on (for overdue)."""

    record: ScrutinyChallenge
    questions: list[ScrutinyQuestion]
    as_of: date


async def load_challenge(session: AsyncSession, actor: Actor, challenge_id: uuid.UUID, *, as_of: date) -> ChallengeView:
    require_read(actor)
    repository = ScrutinyChallengeRepository(session)
    record = await repository.get(actor, challenge_id)
    return ChallengeView(record, (await repository.questions([record.id]))[record.id], as_of)


async def views_of(session: AsyncSession, records: Sequence[ScrutinyChallenge], as_of: date) -> list[ChallengeView]:
    questions = await ScrutinyChallengeRepository(session).questions(r.id for r in records)
    return [ChallengeView(record, questions[record.id], as_of) for record in records]


async def quarter_dates(
    session: AsyncSession, actor: Actor, financial_year: str, quarter: int, *, location: Location = Location.QUERY
) -> tuple[date, date]:
    """The first and last day of a quarter of the organisation's financial year."""
    organisation = await get_organisation(session, actor)
    try:
        period = Period.quarter(FinancialYear.parse(financial_year), quarter)
    except DomainError as exc:
        field = "quarter" if exc.field != "financial_year" else "financial_year"
        raise invalid(field, exc.message, location) from None
    start_month = organisation.financial_year_start_month
    return period.start_date(start_month), period.end_date(start_month)


async def list_challenges(
    session: AsyncSession,
    actor: Actor,
    filters: Mapping[str, Any],
    *,
    as_of: date,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[ChallengeView]:
    """A page of challenges filtered by state, kind, subject, panel, the days raised (``raised_from``,
    ``raised_to``, or a ``financial_year`` and ``quarter``), the officer a question is assigned to,
    and ``overdue`` (an open question due before ``as_of``)."""
    require_read(actor)
    chosen = {name: value for name, value in filters.items() if value is not None}
    year, quarter = chosen.pop("financial_year", None), chosen.pop("quarter", None)
    if (year is None) != (quarter is None):
        missing = "quarter" if quarter is None else "financial_year"
        raise invalid(missing, "Give financial_year and quarter together", Location.QUERY)
    if year is not None:
        first, last = await quarter_dates(session, actor, year, quarter)
        chosen["raised_from"] = max(first, chosen.get("raised_from", first))
        chosen["raised_to"] = min(last, chosen.get("raised_to", last))
    overdue = chosen.pop("overdue", None)
    if overdue is not None:
        chosen["overdue_on" if overdue else "not_overdue_on"] = as_of
    page = await ScrutinyChallengeRepository(session).page(
        actor, ListQuery(filters=chosen, sort=sort, cursor=cursor, limit=limit)
    )
    return Page(await views_of(session, page.items, as_of), page.next_cursor)
