"""Routes for the collection calendar: periods and their windows, tasks, completeness and timeliness."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from pmf_api.access.deps import CurrentActor
from pmf_api.domain import FinancialYear, Period
from pmf_api.performance.collection import schemas
from pmf_api.performance.collection import service as collection_service
from pmf_api.platform.db.pages import page_of_list
from pmf_api.platform.http.deps import AsOf, SessionDep
from pmf_api.platform.http.paging import link_next_page
from pmf_api.platform.http.problems import responses

router = APIRouter(tags=["Collection"])


@router.get(
    "/collection/periods",
    summary="Periods of a financial year with their collection windows",
    response_model=schemas.PeriodList,
    responses=responses(401, 403),
    description=(
        "Each period's window opens the day after it ends; values are due by the organisation's "
        "`settings.collection.due_working_days` working days after it ends (default 10), skipping weekends "
        "and England and Wales bank holidays."
    ),
)
async def list_collection_periods(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.PeriodsQuery, Query()],
    today: AsOf,
) -> schemas.PeriodList:
    as_of = params.as_of or today
    calendar = await collection_service.list_periods(
        session,
        actor,
        as_of=as_of,
        financial_year=FinancialYear.parse(params.financial_year) if params.financial_year else None,
        frequency=params.frequency,
    )
    page = page_of_list(
        calendar.periods, lambda p: str(p.window.period), order="period_end", cursor=params.cursor, limit=params.limit
    )
    link_next_page(request, response, page.next_cursor)
    return schemas.PeriodList(
        financial_year=str(calendar.financial_year),
        as_of=as_of,
        due_working_days=calendar.due_working_days,
        items=[schemas.PeriodWindow.of(p.window, state=p.state) for p in page.items],
        next_cursor=page.next_cursor,
    )


@router.get(
    "/collection/tasks",
    summary="What each KPI owes for a period: due, overdue, queried or complete",
    response_model=schemas.TaskList,
    responses=responses(401, 403),
    description=(
        "One row per active KPI whose frequency has the period (a month selects monthly KPIs, a quarter "
        "quarterly ones, a year annual ones), with its owner, backup, service, submission and status."
    ),
)
async def list_collection_tasks(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.TasksQuery, Query()],
    today: AsOf,
) -> schemas.TaskList:
    tasks = await collection_service.list_tasks(
        session,
        actor,
        Period.parse(params.period),
        as_of=params.as_of or today,
        filters=params.filters(params.status),
    )
    page = page_of_list(tasks.items, _task_key, order="kpi_code", cursor=params.cursor, limit=params.limit)
    link_next_page(request, response, page.next_cursor)
    return schemas.TaskList.of(
        tasks.window,
        as_of=tasks.as_of,
        items=[schemas.Task.of(row) for row in page.items],
        next_cursor=page.next_cursor,
    )


def _task_key(row: collection_service.TaskRow) -> str:
    """A task's place in the list (by KPI code) and identity, for its page's cursor."""
    return f"{row.kpi_code}\u0000{row.kpi_id}"


@router.get(
    "/collection/summary",
    summary="Completeness and timeliness of a period's collection, per service, person or directorate",
    response_model=schemas.CollectionSummary,
    responses=responses(401, 403),
    description=(
        "Per group: KPIs owed, submitted (complete), on time, late, queried, due, overdue, outstanding; "
        "completeness rate = submitted / owed and timeliness rate = on time / owed, as percentages to one "
        "decimal place (null when nothing is owed)."
    ),
)
async def get_collection_summary(
    session: SessionDep, actor: CurrentActor, params: Annotated[schemas.SummaryQuery, Query()], today: AsOf
) -> schemas.CollectionSummary:
    result = await collection_service.summarise(
        session,
        actor,
        Period.parse(params.period),
        as_of=params.as_of or today,
        group_by=params.group_by,
        filters=params.filters(),
    )
    return schemas.CollectionSummary.of_summary(result)
