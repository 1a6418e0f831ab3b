"""Reminder sources: each says, for one organisation and one day, who should be reminded of what.

Sources are pluggable. A feature that wants its waiting work in people's digests (an intervention
form awaiting approval, a data quality template to sign) writes a class with ``kinds`` and an async
``reminders(session, actor, as_of)`` and passes an instance to :func:`register`; the digest step
asks every registered source. ``actor`` is the notifier: the performance role over the whole
organisation, so a source reads through the usual services and repositories, fenced as always.

This module holds the registry and the monthly cycle's sources (values, targets, plans awaiting approval,
intervention forms, templates); ``quarterly_reminders`` holds the quarter's (action updates, plans sent
back, risk reviews, scrutiny answers, objective reviews). Whoever asks for :func:`sources` imports both
(the digest round, ``GET /me/reminders``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor, Grant
from pmf_api.domain import FinancialYear, Frequency, financial_year_of
from pmf_api.domain.reminders import (
    Audience,
    ReminderConfig,
    ReminderKind,
    collection_reminder,
    overdue_audience,
    template_years,
)
from pmf_api.domain.workflow import Role, ServicePlanState, TargetState
from pmf_api.framework.organisations.repository import (
    Leaders,
    ServiceRepository,
    directorates_and_portfolios,
    leaders,
)
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.framework.plans.repository import ServicePlanRepository
from pmf_api.performance.collection import service as collection_service
from pmf_api.performance.data_quality.repository import DataQualityTemplateRepository
from pmf_api.performance.interventions.repository import InterventionRepository
from pmf_api.performance.kpis.repository import KpiRepository
from pmf_api.performance.targets.repository import TargetRepository
from pmf_api.platform.db.pages import ListQuery

NOTIFIER_SUBJECT = "system:notifications"
# An overdue value is chased for this long after its due date; after that the collection summary
# shows it as missing (a reminder about last year's P3 helps nobody).
CHASE_DAYS = 92


@dataclass(frozen=True)
class Reminder:
    """One line of a person's digest."""

    person_id: uuid.UUID
    kind: str  # a ReminderKind value, or a kind a registered source adds
    title: str  # what it is about: "PI-001 Household waste recycled, 2025/26 P6"
    detail: str  # what is asked: "Overdue since 14 Oct 2025 (you are the backup owner)"
    link: str | None = None  # the API path of the record


class ReminderSource(Protocol):
    """What a reminder source provides (see the module's docstring)."""

    @property
    def kinds(self) -> tuple[str, ...]: ...

    async def reminders(self, session: AsyncSession, actor: Actor, as_of: date) -> Sequence[Reminder]: ...


_SOURCES: list[ReminderSource] = []


def register(source: ReminderSource) -> ReminderSource:
    """Add a source (once per class: registering one again replaces it)."""
    _SOURCES[:] = [each for each in _SOURCES if type(each) is not type(source)]
    _SOURCES.append(source)
    return source


def sources() -> tuple[ReminderSource, ...]:
    return tuple(_SOURCES)


def known_kinds() -> list[str]:
    """Every kind of reminder the registered sources give, in registration order."""
    kinds: list[str] = []
    for source in _SOURCES:
        kinds += [kind for kind in source.kinds if kind not in kinds]
    return kinds


def notifier(organisation_id: uuid.UUID) -> Actor:
    """Who the notification round acts as in an organisation: it reads everything, changes nothing."""
    return Actor(
        organisation_id=organisation_id,
        subject=NOTIFIER_SUBJECT,
        name="Notifications",
        grants=(Grant(Role.PERFORMANCE),),
    )


def day_text(day: date) -> str:
    """A date as a digest says it: 14 Oct 2025."""
    return f"{day.day} {day:%b %Y}"


class CollectionReminders:
    """Values due soon, due today or overdue (escalating from the owner to the backup owner, then the
    service manager), and queried values waiting for the owner's answer (seed 001, C.2 and E.1)."""

    kinds = (ReminderKind.DUE_SOON, ReminderKind.DUE_TODAY, ReminderKind.OVERDUE, ReminderKind.QUERY_WAITING)

    def __init__(self, config: ReminderConfig = ReminderConfig()) -> None:
        self.config = config

    async def reminders(self, session: AsyncSession, actor: Actor, as_of: date) -> list[Reminder]:
        organisation = await get_organisation(session, actor)
        this_year = financial_year_of(as_of, organisation.financial_year_start_month)
        heads = (await leaders(session, actor.organisation_id)).head_of_service
        found: list[Reminder] = []
        for year in (FinancialYear(this_year.start_year - 1), this_year):
            for frequency in Frequency:
                calendar = await collection_service.list_periods(
                    session, actor, as_of=as_of, financial_year=year, frequency=frequency
                )
                for entry in calendar.periods:
                    window = entry.window
                    if window.opens > as_of or window.due < as_of - timedelta(days=CHASE_DAYS):
                        continue
                    tasks = await collection_service.list_tasks(session, actor, window.period, as_of=as_of)
                    for row in tasks.items:
                        found += self._of_task(row, str(window.period), as_of, heads)
        return found

    def _of_task(
        self, row: collection_service.TaskRow, period: str, as_of: date, heads: dict[uuid.UUID, uuid.UUID]
    ) -> list[Reminder]:
        kind = collection_reminder(row.status, row.due, as_of, self.config)
        if kind is None:
            return []
        title = f"{row.kpi_code} {row.kpi_title}"
        link = f"/api/v1/kpis/{row.kpi_id}"
        owner = row.owner.id if row.owner else None
        backup = row.backup_owner.id if row.backup_owner else None
        if kind is ReminderKind.QUERY_WAITING:
            detail = f"{period}: the performance team queried this value; please answer the query"
            return [Reminder(p, kind, title, detail, link) for p in _distinct(owner or backup)]
        if kind is not ReminderKind.OVERDUE:
            detail = f"{period}: due {day_text(row.due)}" + (" (today)" if kind is ReminderKind.DUE_TODAY else "")
            return [Reminder(p, kind, title, detail, link) for p in _distinct(owner or backup)]
        audience = overdue_audience(row.due, as_of, self.config)
        reached = {
            Audience.OWNER: owner or backup,
            Audience.BACKUP: backup,
            Audience.SERVICE_MANAGER: heads.get(row.service.id),
        }
        why = {
            Audience.OWNER: "",
            Audience.BACKUP: " (you are the backup owner)",
            Audience.SERVICE_MANAGER: f" (you manage {row.service.name})",
        }
        reminders: dict[uuid.UUID, Reminder] = {}
        for each in audience:
            person = reached[each]
            if person is not None and person not in reminders:
                detail = f"{period}: overdue since {day_text(row.due)}{why[each]}"
                reminders[person] = Reminder(person, kind, title, detail, link)
        return list(reminders.values())


def _distinct(*people: uuid.UUID | None) -> list[uuid.UUID]:
    return list(dict.fromkeys(p for p in people if p is not None))


class TargetApprovals:
    """Targets proposed, and revisions of approved targets, waiting for approval: the director of the
    KPI's directorate and the holder of its portfolio may approve them (``domain.workflow.TARGET_MACHINE``)."""

    kinds = (ReminderKind.APPROVAL_WAITING,)

    async def reminders(self, session: AsyncSession, actor: Actor, as_of: date) -> list[Reminder]:
        repository, kpis = TargetRepository(session), KpiRepository(session)
        lead: Leaders | None = None
        found: list[Reminder] = []
        for waiting in ({"state": TargetState.PROPOSED.value}, {"revision_pending": True}):
            for target in await repository.every(actor, ListQuery(filters=waiting, limit=200)):
                lead = lead or await leaders(session, actor.organisation_id)
                kpi = await kpis.get(actor, target.kpi_id, lock=False)
                where = await kpis.placement(kpi.id)
                approvers = _distinct(
                    lead.director.get(where.directorate_id) if where and where.directorate_id else None,
                    lead.portfolio_holder.get(where.portfolio_id) if where and where.portfolio_id else None,
                )
                title = f"{kpi.code} {kpi.title}"
                what = f"The {target.financial_year} target"
                if "revision_pending" in waiting:
                    what = f"Revision {target.pending_revision} of the {target.financial_year} target"
                detail = f"{what} waits for approval"
                found += [
                    Reminder(p, ReminderKind.APPROVAL_WAITING, title, detail, f"/api/v1/targets/{target.id}")
                    for p in approvers
                ]
        return found


class ServicePlanApprovals:
    """Service plans at strategic review: the director of the plan's service's directorate approves
    them (``domain.workflow.SERVICE_PLAN_MACHINE``; seed 001, Appendix D)."""

    kinds = (ReminderKind.APPROVAL_WAITING,)

    async def reminders(self, session: AsyncSession, actor: Actor, as_of: date) -> list[Reminder]:
        query = ListQuery(filters={"status": ServicePlanState.STRATEGIC_REVIEW.value}, limit=200)
        found: list[Reminder] = []
        places = lead = names = None
        for plan in await ServicePlanRepository(session).every(actor, query):
            places = places or await directorates_and_portfolios(session, actor.organisation_id)
            lead = lead or await leaders(session, actor.organisation_id)
            names = names or await ServiceRepository(session).names(places)
            where = places.get(plan.service_id)
            director = lead.director.get(where.directorate_id) if where and where.directorate_id else None
            if director is not None:
                title = f"{names.get(plan.service_id, 'Service')} service plan {plan.financial_year}"
                detail = "The plan is at strategic review and waits for your approval"
                link = f"/api/v1/service-plans/{plan.id}"
                found.append(Reminder(director, ReminderKind.APPROVAL_WAITING, title, detail, link))
        return found


class InterventionApprovals:
    """KPI Intervention Forms waiting for an approval, in Appendix F's order (seed 001): the head of the
    KPI's service, then the director of its directorate, then the holder of its portfolio."""

    kinds = (ReminderKind.APPROVAL_WAITING,)

    async def reminders(self, session: AsyncSession, actor: Actor, as_of: date) -> list[Reminder]:
        waiting = await InterventionRepository(session).approvals_waiting(actor.organisation_id)
        if not waiting:
            return []
        lead = await leaders(session, actor.organisation_id)
        by_role = {
            Role.SERVICE_MANAGER.value: lead.head_of_service,
            Role.DIRECTOR.value: lead.director,
            Role.PORTFOLIO_HOLDER.value: lead.portfolio_holder,
        }
        found: list[Reminder] = []
        for form in waiting:
            person = None if form.scope_id is None else by_role[form.role].get(form.scope_id)
            if person is not None:
                title = f"{form.kpi_code} {form.kpi_title}"
                approval = form.approval.replace("_", " ")
                detail = f"The KPI Intervention Form waits for your approval (as {approval})"
                link = f"/api/v1/interventions/{form.intervention_id}"
                found.append(Reminder(person, ReminderKind.APPROVAL_WAITING, title, detail, link))
        return found


class TemplateSignOffs:
    """Data Quality Templates drafted and waiting for their service manager's sign-off: this year's, and
    next year's before the year starts (seed 001, B.1). A KPI with no template drafted is not chased
    here: the unsigned list shows it, and a council that keeps no templates gets no reminders."""

    kinds = (ReminderKind.TEMPLATE_TO_SIGN,)

    async def reminders(self, session: AsyncSession, actor: Actor, as_of: date) -> list[Reminder]:
        organisation = await get_organisation(session, actor)
        years = [str(y) for y in template_years(as_of, organisation.financial_year_start_month)]
        due = await DataQualityTemplateRepository(session).sign_offs_due(actor.organisation_id, years)
        drafts = [each for each in due if each.template_id is not None]
        if not drafts:
            return []
        heads = (await leaders(session, actor.organisation_id)).head_of_service
        found: list[Reminder] = []
        for each in drafts:
            person = heads.get(each.service_id)
            if person is not None:
                title = f"{each.kpi_code} Data Quality Template {each.financial_year}"
                detail = f"Version {each.version_number} is drafted and waits for your sign-off"
                link = f"/api/v1/data-quality-templates/{each.template_id}"
                found.append(Reminder(person, ReminderKind.TEMPLATE_TO_SIGN, title, detail, link))
        return found


register(CollectionReminders())
register(TargetApprovals())
register(ServicePlanApprovals())
register(InterventionApprovals())
register(TemplateSignOffs())
