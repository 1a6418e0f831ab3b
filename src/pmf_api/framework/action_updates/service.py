"""Use cases of quarterly action updates (seed 001_ec6bae7b38cacc6f.txt, "Corporate Plan Actions"; seed
000_a1d4643dc9bd64fe.txt, Do / Enable / Influence).

An action's owner (or whoever may change the action) submits its update for a quarter that has
started: progress, the state of its milestones, RAG, commentary and impact. The RAG check
(``domain.actions.check_action_rag``) runs on every write of the update's content and its verdict is
stored on the update: a flag for the performance team, never a refusal. The team accepts the update or
returns it asking for more; the owner resubmits; whoever submitted does not accept (four-eyes). An
accepted update is the quarter's record and is not changed. The rules are ``domain.action_updates``';
this module loads, checks who may, writes and audits.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor, Placement
from pmf_api.access.policy import WRITERS, Resource, require_read
from pmf_api.domain.action_updates import (
    AWAITING_ACCEPTANCE,
    ActionUpdateState,
    Milestone,
    action_update_move,
    check_date,
    is_late,
    quarter_of,
    require_editable,
    require_started,
    stated_milestone_state,
)
from pmf_api.domain.actions import ActionStatus, check_action_rag
from pmf_api.domain.actions import ActionUpdate as RagFacts
from pmf_api.domain.errors import DomainError
from pmf_api.domain.periods import Frequency, Period, period_of
from pmf_api.domain.rag import Rag
from pmf_api.domain.state_machine import FourEyes
from pmf_api.framework.action_updates.models import ActionUpdate
from pmf_api.framework.action_updates.repository import (
    ActionUpdateRepository,
    MissingUpdate,
    QuarterRow,
    ReturnedUpdate,
)
from pmf_api.framework.actions.repository import ActionRepository
from pmf_api.framework.organisations.repository import placement_from
from pmf_api.framework.organisations.service import four_eyes_required, get_organisation
from pmf_api.platform import audit, events
from pmf_api.platform.db.pages import ListQuery, Page
from pmf_api.platform.errors import Conflict, NotFound, PermissionDenied, invalid

if TYPE_CHECKING:
    from pmf_api.framework.actions.models import Action

DELIVERY_ROLES = ("do", "enable", "influence")
OPEN_STATUSES = (ActionStatus.NOT_STARTED.value, ActionStatus.IN_PROGRESS.value, ActionStatus.ON_HOLD.value)
CONTENT = ("status", "progress_percent", "rag", "commentary", "impact", "milestones")

updates = records.EntitySpec(
    repository=ActionUpdateRepository,
    resource=Resource.action,
    references=(records.Reference("action_id", ActionRepository),),
)


# --- Who may ----------------------------------------------------------------------------------


async def _load_action(session: AsyncSession, actor: Actor, action_id: uuid.UUID) -> Action:
    try:
        return await ActionRepository(session).get(actor, action_id, lock=False)
    except NotFound:
        raise invalid("action_id", f"No action with id {action_id} in this organisation") from None


def _is_owner(actor: Actor, action: Action) -> bool:
    return actor.person_id is not None and actor.person_id == action.owner_id


async def _placement(session: AsyncSession, action: Action) -> Placement | None:
    return await placement_from(session, {"service_id": action.service_id})


def _require_submitter(actor: Actor, action: Action, where: Placement | None) -> None:
    """The action's owner, or whoever may change the action (its service's manager, its director, the
    performance team), gives its update."""
    if _is_owner(actor, action) or actor.holds(WRITERS[Resource.action], where):
        return
    raise PermissionDenied(
        detail=f"Updating {action.code} needs one of the roles {', '.join(sorted(WRITERS[Resource.action]))} "
        "over its service, or to be its owner"
    )


# --- The update's content and its check ---------------------------------------------------------


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def milestones_of(raw: Sequence[Mapping[str, Any]], field: str = "milestones") -> tuple[Milestone, ...]:
    """Milestones as given (or stored: dates as ISO text, older ones without a state), each checked;
    a broken one points at its place in ``field``."""
    found: list[Milestone] = []
    for index, item in enumerate(raw):
        completed_on = _day(item.get("completed_on"))
        due = _day(item["due_date"])
        assert due is not None
        try:
            found.append(
                Milestone(
                    str(item["title"]), due, stated_milestone_state(item.get("state"), completed_on), completed_on
                )
            )
        except DomainError as error:
            raise invalid(f"{field}.{index}.{error.field}", error.message) from None
    return tuple(found)


def milestone_status(milestone: Milestone, as_of: date) -> dict[str, Any]:
    return {
        "title": milestone.title,
        "due_date": milestone.due_date,
        "state": milestone.state.value,
        "completed_on": milestone.completed_on,
        "late": is_late(milestone, as_of),
    }


def _stored(status: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in status.items()}


def _content(
    action: Action, values: Mapping[str, Any], period: Period, as_of: date, start_month: int
) -> dict[str, Any]:
    """The update's content as stored, with its milestones' lateness and the RAG check's verdict, both
    as at the quarter's end (or today, while the quarter runs)."""
    judged_on = check_date(period, as_of, start_month)
    raw = values.get("milestones")
    milestones = milestones_of(action.milestones if raw is None else raw)
    statuses = [milestone_status(m, judged_on) for m in milestones]
    status = str(values.get("status") or action.status)
    rag = str(values["rag"])
    progress = int(values["progress_percent"])
    consistent: bool | None = None
    suggested: str | None = None
    reason = "The action has no start and due dates, so its RAG is not checked against them."
    if action.start_date is not None and action.due_date is not None:
        facts = RagFacts(ActionStatus(status), Rag(rag), action.start_date, action.due_date, Decimal(progress))
        check = check_action_rag(facts, judged_on)
        consistent, suggested, reason = check.consistent, check.suggested.value, check.reason
    return {
        "status": status,
        "progress_percent": progress,
        "rag": rag,
        "commentary": values["commentary"],
        "impact": values.get("impact"),
        "milestones": [_stored(s) for s in statuses],
        "late_milestones": sum(1 for s in statuses if s["late"]),
        "rag_consistent": consistent,
        "rag_suggested": suggested,
        "rag_reason": reason,
        "flagged": consistent is False,
    }


async def _start_month(session: AsyncSession, actor: Actor) -> int:
    return (await get_organisation(session, actor)).financial_year_start_month


def _period(update: ActionUpdate) -> Period:
    return quarter_of(update.financial_year, update.quarter)


# --- Use cases ----------------------------------------------------------------------------------


async def create_update(session: AsyncSession, actor: Actor, data: Mapping[str, Any], *, as_of: date) -> ActionUpdate:
    """Submit an action's update for a quarter that has started (one per action per quarter)."""
    require_read(actor)
    action = await _load_action(session, actor, data["action_id"])
    _require_submitter(actor, action, await _placement(session, action))
    if action.archived_at is not None:
        raise invalid("action_id", f"{action.code} is archived: restore it to give it an update")
    start_month = await _start_month(session, actor)
    period = quarter_of(data["financial_year"], data["quarter"])
    require_started(period, as_of, start_month)
    repository = ActionUpdateRepository(session)
    existing = await repository.of_quarter(action.id, data["financial_year"], data["quarter"])
    if existing is not None:
        raise Conflict(detail=f"{action.code} already has an update for {period} ({existing.state}): change that one")
    update = ActionUpdate(
        organisation_id=actor.organisation_id,
        action_id=action.id,
        financial_year=data["financial_year"],
        quarter=data["quarter"],
        state=ActionUpdateState.SUBMITTED.value,
        submitted_by=actor.subject,
        submitted_by_name=actor.name,
        **_content(action, data, period, as_of, start_month),
    )
    await records.guard_unique(
        session,
        lambda: audit.create(session, actor, update),
        f"{action.code} already has an update for {period}: change that one",
    )
    await _emit(session, update, action, "action_update.submitted")
    return update


async def _emit(session: AsyncSession, update: ActionUpdate, action: Action, event_type: str) -> None:
    """Tell subscribers (a portal, a report) where a quarter's update stands, with its flag."""
    await events.emit(
        session,
        organisation_id=update.organisation_id,
        event_type=event_type,
        subject={"action_update_id": update.id, "action_id": action.id},
        data={
            "action_code": action.code,
            "financial_year": update.financial_year,
            "quarter": update.quarter,
            "state": update.state,
            "rag": update.rag,
            "flagged": update.flagged,
            "delivery_role": action.delivery_role,
        },
    )


async def get_update(session: AsyncSession, actor: Actor, update_id: uuid.UUID) -> ActionUpdate:
    return await records.get(session, actor, updates, update_id)


async def list_updates(session: AsyncSession, actor: Actor, query: ListQuery) -> Page[ActionUpdate]:
    return await records.list_page(session, actor, updates, query)


async def change_update(
    session: AsyncSession,
    actor: Actor,
    update_id: uuid.UUID,
    changes: Mapping[str, Any],
    expected_version: int | None,
    *,
    as_of: date,
) -> ActionUpdate:
    """Change an update's content (not once accepted: 409); the RAG check runs again and whoever
    changes it becomes its submitter (four-eyes)."""
    update = await get_update(session, actor, update_id)
    action = await _load_action(session, actor, update.action_id)
    _require_submitter(actor, action, await _placement(session, action))
    require_editable(ActionUpdateState(update.state))
    current = {name: getattr(update, name) for name in CONTENT}
    merged = {**current, **{k: v for k, v in changes.items() if k in CONTENT}}
    content = _content(action, merged, _period(update), as_of, await _start_month(session, actor))
    await audit.update(
        session,
        actor,
        update,
        {**content, "submitted_by": actor.subject, "submitted_by_name": actor.name},
        expected_version,
    )
    return update


async def move_update(
    session: AsyncSession,
    actor: Actor,
    update_id: uuid.UUID,
    to: str,
    comment: str | None,
    expected_version: int | None,
    *,
    as_of: date,
) -> ActionUpdate:
    """Accept an update, return it asking for more (with a comment), or resubmit a returned one."""
    update = await get_update(session, actor, update_id)
    action = await _load_action(session, actor, update.action_id)
    where = await _placement(session, action)
    organisation = await get_organisation(session, actor)
    four_eyes = FourEyes.of(actor.subject, relaxed=not four_eyes_required(organisation), submitted=update.submitted_by)
    move = action_update_move(
        ActionUpdateState(update.state),
        ActionUpdateState(to),
        actor.roles_over(where),
        is_owner=_is_owner(actor, action),
        four_eyes=four_eyes,
        comment=comment,
    )
    changes: dict[str, Any] = {"state": move.state.value}
    if move.state is ActionUpdateState.RESUBMITTED:
        current = {name: getattr(update, name) for name in CONTENT}
        changes |= _content(action, current, _period(update), as_of, organisation.financial_year_start_month)
        changes |= {"submitted_by": actor.subject, "submitted_by_name": actor.name}
    else:
        changes |= {"reviewed_by": actor.subject, "review_comment": comment}
    note = "; ".join(part for part in (comment, move.note) if part) or None
    await audit.update(session, actor, update, changes, expected_version, action="transition", note=note)
    kind = {ActionUpdateState.RESUBMITTED: "submitted", ActionUpdateState.RETURNED: "returned"}.get(
        move.state, "accepted"
    )
    await _emit(session, update, action, f"action_update.{kind}")
    return update


# --- Summaries and milestones ----------------------------------------------------------------


def _counts(rows: Sequence[QuarterRow]) -> dict[str, int]:
    awaiting = {state.value for state in AWAITING_ACCEPTANCE}
    return {
        "actions": len(rows),
        "red": sum(1 for r in rows if r.rag == "red"),
        "amber": sum(1 for r in rows if r.rag == "amber"),
        "green": sum(1 for r in rows if r.rag == "green"),
        "missing": sum(1 for r in rows if r.state is None),
        "flagged": sum(1 for r in rows if r.flagged),
        "awaiting_acceptance": sum(1 for r in rows if r.state in awaiting),
        "returned": sum(1 for r in rows if r.state == ActionUpdateState.RETURNED.value),
        "accepted": sum(1 for r in rows if r.state == ActionUpdateState.ACCEPTED.value),
        "late_milestones": sum(r.late_milestones for r in rows),
    }


async def summary(
    session: AsyncSession,
    actor: Actor,
    financial_year: str,
    quarter: int,
    *,
    service_id: uuid.UUID | None = None,
    directorate_id: uuid.UUID | None = None,
    outcome_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """A quarter's updates counted by RAG, with Do / Enable / Influence always reported apart (seed
    000), and how many are flagged, awaiting acceptance, returned, accepted or missing (an open action
    started by the quarter's end with no update: those the reminders chase)."""
    require_read(actor)
    period = quarter_of(financial_year, quarter)
    rows = await ActionUpdateRepository(session).quarter_rows(
        actor.organisation_id,
        financial_year,
        quarter,
        # An action counts if it has an update, or was due one (as the reminders chase): open, and
        # started by the quarter's end; one completed or cancelled before it is not "missing".
        due_by=period.end_date(await _start_month(session, actor)),
        open_statuses=OPEN_STATUSES,
        service_id=service_id,
        directorate_id=directorate_id,
        outcome_id=outcome_id,
    )
    return {
        "financial_year": financial_year,
        "quarter": quarter,
        "by_delivery_role": [
            {"delivery_role": role, **_counts([r for r in rows if r.delivery_role == role])} for role in DELIVERY_ROLES
        ],
        "total": _counts(rows),
    }


async def action_milestones(
    session: AsyncSession, actor: Actor, action_id: uuid.UUID, *, as_of: date
) -> dict[str, Any]:
    """An action's milestones with their states, and which are late as of ``as_of``."""
    require_read(actor)
    action = await ActionRepository(session).get(actor, action_id, lock=False)
    statuses = [milestone_status(m, as_of) for m in milestones_of(action.milestones)]
    return {
        "action_id": action.id,
        "as_of": as_of,
        "late": sum(1 for s in statuses if s["late"]),
        "milestones": statuses,
    }


# --- For reminders (the notifier reads; no one is asked) ------------------------------------------


async def last_quarter(session: AsyncSession, actor: Actor, as_of: date) -> Period:
    """The quarter before the one ``as_of`` falls in: the one whose updates are now due."""
    start_month = await _start_month(session, actor)
    return period_of(as_of, Frequency.QUARTERLY, start_month).previous()


async def updates_missing(session: AsyncSession, actor: Actor, period: Period) -> list[MissingUpdate]:
    """Open actions with an owner and no update for ``period``."""
    start_month = await _start_month(session, actor)
    return await ActionUpdateRepository(session).updates_missing(
        actor.organisation_id, str(period.financial_year), period.index, period.end_date(start_month), OPEN_STATUSES
    )


async def updates_returned(session: AsyncSession, actor: Actor) -> list[ReturnedUpdate]:
    """Updates the performance team returned, waiting for their owner's resubmission."""
    return await ActionUpdateRepository(session).returned(actor.organisation_id, ActionUpdateState.RETURNED.value)
