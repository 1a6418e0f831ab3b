"""Use cases of period close (issue 13, item 2): close a period, reopen it, ask whether a value's period
is open, and keep the restatement log.

Closing is the performance team's: a period that has ended, once; values of it not yet validated are
refused unless a reason is given, and then listed on the close. While a period is closed every write to
a value within it goes through :func:`ensure_open` (the submissions feature calls it at each of its
writes), and every publication of such a value through :func:`record_restatement`. The rules are
``pmf_api.domain.period_close``; ``as_of`` is passed in (services never read the clock).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.access.policy import require_read
from pmf_api.domain import DomainError, Frequency, Period, SubmissionState
from pmf_api.domain.period_close import (
    close_problems,
    covering,
    lies_within,
    lock_refusal,
    locked_message,
    periods_of_frequency_within,
    restatement_reason,
    state_label,
    unvalidated,
)
from pmf_api.domain.roles import Role
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.performance.kpis.repository import KpiRepository
from pmf_api.performance.period_closes.models import PeriodClose, Restatement
from pmf_api.performance.period_closes.repository import (
    PeriodCloseRepository,
    RestatementRepository,
    value_states,
)
from pmf_api.platform import audit, events
from pmf_api.platform.errors import (
    Conflict,
    FieldProblem,
    InvalidInput,
    Location,
    PeriodClosed,
    PermissionDenied,
    field_problems,
    invalid,
    refuse,
)

CLOSED = "closed"
REOPENED = "reopened"


def is_performance_team(actor: Actor) -> bool:
    """The performance team, organisation-wide: who closes periods and changes values in them."""
    return actor.holds({Role.PERFORMANCE})


def require_performance_team(actor: Actor, doing: str) -> None:
    if not is_performance_team(actor):
        raise PermissionDenied(detail=f"{doing} needs the performance role, organisation-wide")


def parse_period(text: str, field: str = "period", location: Location = Location.BODY) -> Period:
    try:
        return Period.parse(text)
    except DomainError as exc:
        raise invalid(field, exc.message, location) from None


# --- Closing and reopening ----------------------------------------------------------------------


async def close_period(
    session: AsyncSession, actor: Actor, data: Mapping[str, Any], *, as_of: date, now: datetime | None = None
) -> PeriodClose:
    """Close a period that has ended; 409 if it lies within a period closed already; 422 listing the
    values not yet validated unless ``reason`` says why it closes with them (they are then listed on it)."""
    require_performance_team(actor, "Closing a period")
    period = parse_period(str(data["period"]))
    organisation = await get_organisation(session, actor)
    start_month = organisation.financial_year_start_month
    refuse(field_problems(close_problems(period, as_of, start_month)))
    repository = PeriodCloseRepository(session)
    in_force = await repository.in_force(actor)
    already = next((c for c in in_force if lies_within(period, Period.parse(c.period))), None)
    if already is not None:
        raise Conflict(
            detail=f"{period} is closed already: {already.period} was closed by {already.closed_by_name} "
            f"on {already.closed_at.date().isoformat()}; reopen it first (POST /period-closes/{already.id}/reopen)",
            problems=[FieldProblem("period", f"{period} is closed already")],
        )
    reason = (data.get("reason") or "").strip() or None
    outstanding = await unvalidated_values(session, actor, period)
    if outstanding and reason is None:
        raise InvalidInput(
            detail=f"{len(outstanding)} value(s) of {period} are not validated yet: validate them, or give a "
            "reason to close the period with them listed",
            problems=[
                FieldProblem("reason", f"{each['kpi_code']} {each['period']} is {each['state']}")
                for each in outstanding
            ],
        )
    closed_at = now or datetime.now(UTC)
    close = PeriodClose(
        organisation_id=actor.organisation_id,
        period=str(period),
        financial_year=str(period.financial_year),
        period_end=period.end_date(start_month),
        state=CLOSED,
        locks_period=str(period),
        reason=reason,
        unvalidated_at_close=outstanding,
        closed_by=actor.subject,
        closed_by_name=actor.name,
        closed_at=closed_at,
    )
    await records.guard_unique(
        session,
        lambda: audit.create(session, actor, close),
        f"{period} was closed by someone else at the same moment",
    )
    await _announce(session, close, "period.closed", actor)
    return close


async def unvalidated_values(session: AsyncSession, actor: Actor, period: Period) -> list[dict[str, Any]]:
    """Each value an active KPI owes for a period within ``period`` that is not validated or published
    (not entered at all: ``missing``), by KPI code then period."""
    kpis = await KpiRepository(session).active(actor)
    owed = [(kpi, each) for kpi in kpis for each in periods_of_frequency_within(period, Frequency(kpi.frequency))]
    states = await value_states(
        PeriodCloseRepository(session), actor.organisation_id, sorted({str(p) for _, p in owed})
    )
    outstanding = []
    for kpi, each in owed:
        found = states.get((kpi.id, str(each)))
        state = None if found is None else SubmissionState(found)
        if unvalidated(state):
            outstanding.append(
                {"kpi_id": str(kpi.id), "kpi_code": kpi.code, "period": str(each), "state": state_label(state)}
            )
    return sorted(outstanding, key=lambda o: (o["kpi_code"], Period.parse(o["period"])))


async def reopen(
    session: AsyncSession,
    actor: Actor,
    close_id: uuid.UUID,
    reason: str,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> PeriodClose:
    """Reopen a closed period, with a reason: its values are unlocked; the close keeps its history."""
    close = await PeriodCloseRepository(session).get(actor, close_id)
    require_performance_team(actor, "Reopening a period")
    if not reason.strip():
        raise invalid("reason", "Say why the period is reopened")
    if close.state != CLOSED:
        raise Conflict(
            detail=f"This close of {close.period} was reopened already on "
            f"{close.reopened_at.date().isoformat() if close.reopened_at else 'an earlier date'}; "
            "close the period again to lock it"
        )
    await audit.update(
        session,
        actor,
        close,
        {
            "state": REOPENED,
            "locks_period": None,
            "reopened_by": actor.subject,
            "reopened_by_name": actor.name,
            "reopened_at": now or datetime.now(UTC),
            "reopen_reason": reason.strip(),
        },
        expected_version,
        action="reopen",
        note=reason.strip(),
    )
    await _announce(session, close, "period.reopened", actor)
    return close


async def _announce(session: AsyncSession, close: PeriodClose, event_type: str, actor: Actor) -> None:
    reopened = event_type == "period.reopened"
    await events.emit(
        session,
        organisation_id=close.organisation_id,
        event_type=event_type,
        subject={"period_close_id": close.id, "period": close.period},
        data={
            "period": close.period,
            "reason": close.reopen_reason if reopened else close.reason,
            "unvalidated_at_close": len(close.unvalidated_at_close or []),
            "by": actor.subject,
        },
    )


async def list_closes(session: AsyncSession, actor: Actor) -> list[PeriodClose]:
    require_read(actor)
    return await PeriodCloseRepository(session).every_close(actor)


async def get_close(session: AsyncSession, actor: Actor, close_id: uuid.UUID) -> PeriodClose:
    require_read(actor)
    return await PeriodCloseRepository(session).get(actor, close_id)


# --- The lock -----------------------------------------------------------------------------------


async def closed_periods(session: AsyncSession, actor: Actor) -> list[Period]:
    """The periods closed now in the actor's organisation (for a writer checking many values at once)."""
    return [Period.parse(close.period) for close in await PeriodCloseRepository(session).in_force(actor)]


def _overlapping(closed: Period, period: Period) -> bool:
    return lies_within(closed, period) or lies_within(period, closed)


async def closes_covering(session: AsyncSession, actor: Actor, period: Period) -> list[PeriodClose]:
    """The closes in force of ``period``, of a period within it or of one containing it (a report of
    Q2 lists what the close of Q2, of one of its months or of its year left unvalidated), latest first."""
    closes = await PeriodCloseRepository(session).in_force(actor)
    return sorted(
        (close for close in closes if _overlapping(Period.parse(close.period), period)),
        key=lambda close: close.closed_at,
        reverse=True,
    )


def refusal(
    actor: Actor,
    closed: Sequence[Period],
    period: str,
    *,
    kpi_code: str,
    published: bool = False,
    revising: bool = False,
) -> str | None:
    """Why a write to ``kpi_code``'s value for ``period`` is refused while ``closed`` are closed, if it is."""
    value_period = Period.parse(period)
    closing = lock_refusal(
        value_period,
        closed,
        performance_team=is_performance_team(actor),
        published=published,
        revising=revising,
    )
    return None if closing is None else locked_message(kpi_code, value_period, closing)


async def ensure_open(
    session: AsyncSession,
    actor: Actor,
    period: str,
    *,
    kpi_code: str,
    published: bool = False,
    revising: bool = False,
    location: Location | None = None,
) -> None:
    """Refuse (409 ``period-closed``) a write to a value of ``period`` that lies within a closed period,
    unless the actor is the performance team and, for a published value, the write is a revision.
    ``location`` points the problem at the request's period (a path parameter, a bulk row's column)."""
    message = refusal(
        actor,
        await closed_periods(session, actor),
        period,
        kpi_code=kpi_code,
        published=published,
        revising=revising,
    )
    if message is not None:
        problems = [] if location is None else [FieldProblem("period", message, location)]
        raise PeriodClosed(detail=message, problems=problems)


# --- The restatement log ------------------------------------------------------------------------


async def record_restatement(
    session: AsyncSession,
    actor: Actor,
    *,
    kpi_id: uuid.UUID,
    kpi_code: str,
    kpi_title: str,
    period: str,
    submission_id: uuid.UUID,
    revision: int,
    reported_value: Decimal | None,
    reported_at: datetime | None,
    restated_value: Decimal | None,
    restated_at: datetime,
    revision_reason: str | None,
) -> Restatement | None:
    """Log a value published while its period is closed (a revision republished, or a late value); None
    (nothing logged) when its period is open. Call it from every publication of a value."""
    in_force = await PeriodCloseRepository(session).in_force(actor)
    closing = covering(Period.parse(period), [Period.parse(c.period) for c in in_force])
    if closing is None:
        return None
    close = next(c for c in in_force if Period.parse(c.period) == closing)
    restatement = Restatement(
        organisation_id=actor.organisation_id,
        close_id=close.id,
        kpi_id=kpi_id,
        kpi_code=kpi_code,
        kpi_title=kpi_title,
        period=period,
        submission_id=submission_id,
        revision=revision,
        reported_value=reported_value,
        reported_at=reported_at,
        restated_value=restated_value,
        restated_at=restated_at,
        reason=restatement_reason(revision_reason, close.reason, closing),
        restated_by=actor.subject,
        restated_by_name=actor.name,
    )
    await audit.create(session, actor, restatement)
    return restatement


async def list_restatements(
    session: AsyncSession,
    actor: Actor,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    kpi_id: uuid.UUID | None = None,
) -> list[Restatement]:
    """The restatements made from ``since`` (exclusive) to ``until`` (inclusive), oldest first."""
    require_read(actor)
    if since is not None and until is not None and until < since:
        raise invalid("until", "until is before since", Location.QUERY)
    return await RestatementRepository(session).between(actor, after=since, until=until, kpi_id=kpi_id)


@dataclass(frozen=True)
class RestatementRecord:
    """A restatement as a report lists it ("reported 45.2% on 15 July; restated 44.1% on 2 September:
    source system corrected")."""

    kpi_id: uuid.UUID
    kpi_code: str
    kpi_title: str
    period: str
    revision: int
    reported_value: Decimal | None
    reported_at: datetime | None
    restated_value: Decimal | None
    restated_at: datetime
    reason: str
    restated_by: str


@dataclass(frozen=True)
class _Organisation:
    organisation_id: uuid.UUID


async def restatements_between(
    session: AsyncSession, organisation_id: uuid.UUID, after: datetime | None, until: datetime
) -> list[RestatementRecord]:
    """The organisation's restatements made after ``after`` (exclusive; None: from the start) up to
    ``until`` (inclusive), oldest first: what a report frozen at ``until`` lists since the one before."""
    rows = await RestatementRepository(session).between(_Organisation(organisation_id), after=after, until=until)
    return [
        RestatementRecord(
            kpi_id=row.kpi_id,
            kpi_code=row.kpi_code,
            kpi_title=row.kpi_title,
            period=row.period,
            revision=row.revision,
            reported_value=row.reported_value,
            reported_at=row.reported_at,
            restated_value=row.restated_value,
            restated_at=row.restated_at,
            reason=row.reason,
            restated_by=row.restated_by_name,
        )
        for row in rows
    ]
