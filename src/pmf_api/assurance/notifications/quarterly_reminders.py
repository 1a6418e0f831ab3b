"""Reminder sources of the quarter's work (issue 12): action updates due or returned (seed 001, "Corporate
Plan Actions"), service plans a review sent back (Appendix D), risk reviews due on their cycle (seed 004),
scrutiny answers due (seeds 000 and 001) and individual objectives' reviews (seeds 002, 003, 004).

Importing this module registers them (``reminders.register``), as ``reminders`` registers the monthly
cycle's: the digest round and ``GET /me/reminders`` import both.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.assurance.notifications.reminders import Reminder, day_text, register
from pmf_api.assurance.risks.repository import RiskRepository
from pmf_api.assurance.scrutiny.repository import ScrutinyChallengeRepository
from pmf_api.domain import financial_year_of
from pmf_api.domain.objectives import ReviewState, reviews_due
from pmf_api.domain.reminders import ReminderKind
from pmf_api.domain.risk import REVIEW_DUE_SOON_DAYS, RiskReminder, risk_review_reminder
from pmf_api.domain.scrutiny import AnswerReminder, answer_reminder
from pmf_api.domain.scrutiny import QuestionState as ScrutinyQuestionState
from pmf_api.domain.workflow import ServicePlanState
from pmf_api.framework.action_updates import service as action_update_service
from pmf_api.framework.objectives.repository import ObjectiveRepository
from pmf_api.framework.organisations.repository import ServiceRepository, leaders
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.framework.plans.repository import ServicePlanRepository
from pmf_api.platform.db.pages import ListQuery


class ActionUpdatesDue:
    """Quarterly action updates (seed 001, "Corporate Plan Actions"): an open action with no update for
    the quarter just ended (to its owner), and an update the performance team returned asking for more
    (to the action's owner: "any stakeholder who has not completed their Actions adequately is then
    contacted")."""

    DUE = "action_update_due"
    RETURNED = "action_update_returned"
    kinds = (DUE, RETURNED)

    async def reminders(self, session: AsyncSession, actor: Actor, as_of: date) -> list[Reminder]:
        quarter = await action_update_service.last_quarter(session, actor, as_of)
        found = [
            Reminder(
                each.owner_id,
                self.DUE,
                f"{each.code} {each.title}",
                f"{quarter}: the quarter's update (progress, RAG, commentary and impact) is due",
                f"/api/v1/actions/{each.action_id}",
            )
            for each in await action_update_service.updates_missing(session, actor, quarter)
        ]
        for each in await action_update_service.updates_returned(session, actor):
            if each.owner_id is not None:
                asked = f": {each.comment[:200]}" if each.comment else ""
                found.append(
                    Reminder(
                        each.owner_id,
                        self.RETURNED,
                        f"{each.code} {each.title}",
                        f"{each.financial_year} Q{each.quarter}: the performance team asks for more{asked}",
                        f"/api/v1/action-updates/{each.update_id}",
                    )
                )
        return found


class ServicePlanRevisions:
    """Service plans a review sent back to draft: the head of the plan's service revises them and sends
    them again (``domain.service_plans``; seed 001, Appendix D.1, step 4's collaborative reviews)."""

    kinds = (ReminderKind.QUERY_WAITING,)

    async def reminders(self, session: AsyncSession, actor: Actor, as_of: date) -> list[Reminder]:
        filters = {"status": ServicePlanState.DRAFT.value, "reviewed_to": ServicePlanState.DRAFT.value}
        plans = await ServicePlanRepository(session).every(actor, ListQuery(filters=filters, limit=200))
        if not plans:
            return []
        heads = (await leaders(session, actor.organisation_id)).head_of_service
        names = await ServiceRepository(session).names(plan.service_id for plan in plans)
        found: list[Reminder] = []
        for plan in plans:
            head = heads.get(plan.service_id)
            if head is not None:
                title = f"{names.get(plan.service_id, 'Service')} service plan {plan.financial_year}"
                detail = "The plan was sent back to draft by its review: revise it and send it again"
                link = f"/api/v1/service-plans/{plan.id}"
                found.append(Reminder(head, ReminderKind.QUERY_WAITING, title, detail, link))
        return found


class RiskReviews:
    """Open risks whose review falls due within two weeks or is overdue, to each risk's owner (seed
    004_d92670c30a2dff9f.txt: Red quarterly, Amber half-yearly, Green annually; the strategic register
    every eight weeks)."""

    kinds = (RiskReminder.REVIEW_DUE.value, RiskReminder.REVIEW_OVERDUE.value)

    async def reminders(self, session: AsyncSession, actor: Actor, as_of: date) -> list[Reminder]:
        horizon = as_of + timedelta(days=REVIEW_DUE_SOON_DAYS + 1)
        query = ListQuery(filters={"status": "open", "review_due_before": horizon}, sort="next_review_due", limit=200)
        found: list[Reminder] = []
        for risk in await RiskRepository(session).every(actor, query):
            kind = risk_review_reminder(risk.next_review_due, as_of)
            if kind is None:  # the filter keeps only risks due within the horizon; this is its rule
                continue
            when = "overdue since" if kind is RiskReminder.REVIEW_OVERDUE else "due on"
            detail = f"The {risk.register} risk's review is {when} {day_text(risk.next_review_due)}"
            found.append(
                Reminder(risk.owner_id, kind.value, f"{risk.code} {risk.title}", detail, f"/api/v1/risks/{risk.id}")
            )
        return found


class ObjectiveReviews:
    """Individual objectives whose mid-year or year-end review is due: their line manager reviews them
    (seeds 002_100bfcfd0ab8e4e8.txt, 004_d92670c30a2dff9f.txt: the golden thread ends in appraisals)."""

    kinds = (ReminderKind.OBJECTIVE_REVIEW,)

    async def reminders(self, session: AsyncSession, actor: Actor, as_of: date) -> list[Reminder]:
        organisation = await get_organisation(session, actor)
        start_month = organisation.financial_year_start_month
        this_year = financial_year_of(as_of, start_month)
        years = {str(year): year for year in (this_year.previous(), this_year)}
        found: list[Reminder] = []
        for objective in await ObjectiveRepository(session).reviews_open(actor, list(years)):
            due = reviews_due(
                years[objective.financial_year],
                ReviewState(objective.mid_year_state),
                ReviewState(objective.year_end_state),
                as_of=as_of,
                start_month=start_month,
            )
            if objective.manager_id is None:  # the query asks for a manager: for the type checker
                continue
            for stage in due:
                title = f"Objective {objective.financial_year}: {objective.title}"
                detail = f"Its {stage.value.replace('_', '-')} review is due"
                link = f"/api/v1/objectives/{objective.id}"
                found.append(Reminder(objective.manager_id, ReminderKind.OBJECTIVE_REVIEW, title, detail, link))
        return found


class ScrutinyAnswers:
    """Scrutiny questions waiting for their answer: due within a few working days, or overdue, to the
    officer each is assigned to (seeds 000 and 001: the panel asks that performance "be provided and
    explained")."""

    kinds = (AnswerReminder.DUE_SOON.value, AnswerReminder.OVERDUE.value)

    async def reminders(self, session: AsyncSession, actor: Actor, as_of: date) -> list[Reminder]:
        found: list[Reminder] = []
        for question, challenge in await ScrutinyChallengeRepository(session).open_questions(actor.organisation_id):
            kind = answer_reminder(ScrutinyQuestionState(question.state), question.due_on, as_of)
            if kind is None:
                continue
            when = "overdue since" if kind is AnswerReminder.OVERDUE else "due"
            title = f"{challenge.panel}: {challenge.title}"
            detail = f"Question {question.number}: your answer is {when} {day_text(question.due_on)}"
            link = f"/api/v1/scrutiny-challenges/{challenge.id}"
            found.append(Reminder(question.assigned_to_id, kind.value, title, detail, link))
        return found


register(ServicePlanRevisions())
register(ActionUpdatesDue())
register(ObjectiveReviews())
register(RiskReviews())
register(ScrutinyAnswers())
