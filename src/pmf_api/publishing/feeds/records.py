"""Record feeds: the council's actions and their quarterly updates, and contextual measures'
published values, as flat rows for Power BI (the risk register and intervention forms:
``assurance_records``): names beside ids (an owner's name, a service's), dates, states and ``updated_at``.

Each reads through its repository's read rule (``read_rule()`` with ``read_params(actor)``), so a
feed shows a reader what the records' own lists show them. The models are reached through their
repositories (``ActionRepository.model``), as every other feature reaches another's tables.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Integer, Select, String, case, cast, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from pmf_api.framework.action_updates.repository import ActionUpdateRepository
from pmf_api.framework.actions.repository import ActionRepository
from pmf_api.framework.organisations.repository import PersonRepository, ServiceRepository
from pmf_api.framework.plans.repository import OutcomeRepository
from pmf_api.performance.contextual_values.repository import ContextualValueRepository
from pmf_api.performance.kpis.repository import ContextualMeasureRepository
from pmf_api.publishing.feeds.definitions import ColumnKind, Feed, FeedColumn, register

Action = ActionRepository.model
ActionUpdate = ActionUpdateRepository.model
ContextualValue = ContextualValueRepository.model
ContextualMeasure = ContextualMeasureRepository.model
Person = PersonRepository.model
Service = ServiceRepository.model
Outcome = OutcomeRepository.model

S, INT, B, D, DT, U, N = (
    ColumnKind.STRING,
    ColumnKind.INTEGER,
    ColumnKind.BOOLEAN,
    ColumnKind.DATE,
    ColumnKind.DATETIME,
    ColumnKind.UUID,
    ColumnKind.DECIMAL,
)


def column(name: str, kind: ColumnKind, description: str, nullable: bool = True) -> FeedColumn:
    return FeedColumn(name, kind, description, nullable)


class QuarterEnd(FunctionElement[Any]):
    """The last day of quarter ``quarter`` (1 to 4) of financial year ``financial_year`` ("2026/27"):
    30 June, 30 September, 31 December, 31 March (of the year after). A date on PostgreSQL, and the
    ISO text SQLite stores dates as, so a range compares as it does on any date column."""

    type = Date()
    inherit_cache = True
    name = "quarter_end"


def _quarter_end_text(financial_year: Any, quarter: Any) -> ColumnElement[Any]:
    start = cast(func.substr(financial_year, 1, 4), Integer)
    year = case((quarter == 4, start + 1), else_=start)
    month_day = case((quarter == 1, "-06-30"), (quarter == 2, "-09-30"), (quarter == 3, "-12-31"), else_="-03-31")
    return cast(year, String) + month_day


@compiles(QuarterEnd)
def _quarter_end(element: QuarterEnd, compiler: Any, **kw: Any) -> str:
    financial_year, quarter = list(element.clauses)
    return str(compiler.process(cast(_quarter_end_text(financial_year, quarter), Date), **kw))


@compiles(QuarterEnd, "sqlite")
def _quarter_end_sqlite(element: QuarterEnd, compiler: Any, **kw: Any) -> str:
    financial_year, quarter = list(element.clauses)
    return str(compiler.process(_quarter_end_text(financial_year, quarter), **kw))


def select_columns(columns: list[Any]) -> Select[Any]:
    """A statement of labelled columns (one per FeedColumn, in order)."""
    return select(*columns)


# ---- actions -------------------------------------------------------------------------------------

ACTION_COLUMNS = (
    column("action_id", U, "The action's id", False),
    column("code", S, "The action's code (CPA-01)", False),
    column("title", S, "What the action delivers", False),
    column("kind", S, "corporate_plan_action, key_activity or project", False),
    column("delivery_role", S, "The council's role: do, enable or influence", False),
    column("status", S, "not_started, in_progress, completed, on_hold or cancelled", False),
    column("service_id", U, "The service that delivers it", False),
    column("service_name", S, "The service's name", False),
    column("owner_id", U, "The person who owns it"),
    column("owner_name", S, "The owner's name"),
    column("outcome_code", S, "The Corporate Plan outcome it serves"),
    column("outcome_title", S, "The outcome's title"),
    column("start_date", D, "When it starts"),
    column("due_date", D, "When it is due"),
    column("archived", B, "Archived: no longer part of the plan", False),
    column("updated_at", DT, "When the action last changed (UTC)", False),
)


def _actions() -> Select[Any]:
    owner = Person.__table__.alias("action_owner")
    return (
        select_columns(
            [
                Action.id.label("action_id"),
                Action.code.label("code"),
                Action.title.label("title"),
                Action.kind.label("kind"),
                Action.delivery_role.label("delivery_role"),
                Action.status.label("status"),
                Action.service_id.label("service_id"),
                Service.name.label("service_name"),
                Action.owner_id.label("owner_id"),
                owner.c.name.label("owner_name"),
                Outcome.code.label("outcome_code"),
                Outcome.title.label("outcome_title"),
                Action.start_date.label("start_date"),
                Action.due_date.label("due_date"),
                Action.archived_at.is_not(None).label("archived"),
                Action.updated_at.label("updated_at"),
            ]
        )
        .join(Service, Service.id == Action.service_id)
        .outerjoin(owner, owner.c.id == Action.owner_id)
        .outerjoin(Outcome, Outcome.id == Action.outcome_id)
        .where(ActionRepository.read_rule())
    )


ACTIONS = register(
    Feed(
        name="actions",
        entity_set="Actions",
        entity_type="Action",
        title="Actions",
        description="Corporate Plan actions, key activities and projects: status, owner, service and dates",
        columns=ACTION_COLUMNS,
        key=("action_id",),
        build=_actions,
        params=ActionRepository.read_params,
        period_end=None,
    )
)

# ---- action updates ------------------------------------------------------------------------------

ACTION_UPDATE_COLUMNS = (
    column("action_update_id", U, "The update's id", False),
    column("action_id", U, "The action it reports on", False),
    column("action_code", S, "The action's code", False),
    column("action_title", S, "The action's title", False),
    column("service_name", S, "The service that delivers the action", False),
    column("financial_year", S, "The financial year (2026/27)", False),
    column("quarter", INT, "The quarter, 1 (April to June) to 4 (January to March)", False),
    column("period_end", D, "The quarter's last day", False),
    column("state", S, "submitted, accepted or returned", False),
    column("status", S, "The action's status at the quarter", False),
    column("progress_percent", INT, "Progress, 0 to 100", False),
    column("rag", S, "The RAG the owner gave: green, amber or red", False),
    column("rag_suggested", S, "The RAG the milestones suggest, when it differs"),
    column("flagged", B, "Flagged for review: the RAG does not match the milestones", False),
    column("late_milestones", INT, "Milestones past due and not done", False),
    column("commentary", S, "The owner's commentary", False),
    column("submitted_by_name", S, "Who submitted it", False),
    column("updated_at", DT, "When the update last changed (UTC)", False),
)


def _action_updates() -> Select[Any]:
    return (
        select_columns(
            [
                ActionUpdate.id.label("action_update_id"),
                ActionUpdate.action_id.label("action_id"),
                Action.code.label("action_code"),
                Action.title.label("action_title"),
                Service.name.label("service_name"),
                ActionUpdate.financial_year.label("financial_year"),
                ActionUpdate.quarter.label("quarter"),
                QuarterEnd(ActionUpdate.financial_year, ActionUpdate.quarter).label("period_end"),
                ActionUpdate.state.label("state"),
                ActionUpdate.status.label("status"),
                ActionUpdate.progress_percent.label("progress_percent"),
                ActionUpdate.rag.label("rag"),
                ActionUpdate.rag_suggested.label("rag_suggested"),
                ActionUpdate.flagged.label("flagged"),
                ActionUpdate.late_milestones.label("late_milestones"),
                ActionUpdate.commentary.label("commentary"),
                ActionUpdate.submitted_by_name.label("submitted_by_name"),
                ActionUpdate.updated_at.label("updated_at"),
            ]
        )
        .join(Action, Action.id == ActionUpdate.action_id)
        .join(Service, Service.id == Action.service_id)
        .where(ActionUpdateRepository.read_rule())
    )


ACTION_UPDATES = register(
    Feed(
        name="action-updates",
        entity_set="ActionUpdates",
        entity_type="ActionUpdate",
        title="Action updates",
        description="Each action's quarterly update: progress, RAG, commentary and whether it was accepted",
        columns=ACTION_UPDATE_COLUMNS,
        key=("action_update_id",),
        build=_action_updates,
        params=ActionUpdateRepository.read_params,
        period_end="period_end",
    )
)

# ---- contextual values ---------------------------------------------------------------------------

CONTEXTUAL_COLUMNS = (
    column("contextual_value_id", U, "The value's id", False),
    column("measure_id", U, "The contextual measure", False),
    column("measure_code", S, "The measure's code", False),
    column("measure_title", S, "The measure's title", False),
    column("period", S, "The period the value is for, as its source names it", False),
    column("period_end", D, "The period's last day", False),
    column("value", N, "The published value", False),
    column("source", S, "Who published it", False),
    column("published_on", D, "When it was published", False),
    column("note", S, "A note on the value"),
    column("updated_at", DT, "When the value last changed (UTC)", False),
)


def _contextual_values() -> Select[Any]:
    return (
        select_columns(
            [
                ContextualValue.id.label("contextual_value_id"),
                ContextualValue.measure_id.label("measure_id"),
                ContextualMeasure.code.label("measure_code"),
                ContextualMeasure.title.label("measure_title"),
                ContextualValue.period.label("period"),
                ContextualValue.period_end.label("period_end"),
                ContextualValue.value.label("value"),
                ContextualValue.source.label("source"),
                ContextualValue.published_on.label("published_on"),
                ContextualValue.note.label("note"),
                ContextualValue.updated_at.label("updated_at"),
            ]
        )
        .join(ContextualMeasure, ContextualMeasure.id == ContextualValue.measure_id)
        .where(ContextualValueRepository.read_rule())
    )


CONTEXTUAL_VALUES = register(
    Feed(
        name="contextual-values",
        entity_set="ContextualValues",
        entity_type="ContextualValue",
        title="Contextual measures' values",
        description="Contextual outcome measures' published values (from ONS, DLUHC and the like) by period",
        columns=CONTEXTUAL_COLUMNS,
        key=("contextual_value_id",),
        build=_contextual_values,
        params=ContextualValueRepository.read_params,
        period_end="period_end",
    )
)

__all__ = ["ACTIONS", "ACTION_UPDATES", "CONTEXTUAL_VALUES"]
