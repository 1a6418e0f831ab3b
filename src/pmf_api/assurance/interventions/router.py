"""Routes of the KPI Intervention Form (seed 001, Appendix F): open, fill in, approve, progress, close."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from pmf_api.access.deps import CurrentActor
from pmf_api.assurance.interventions import reading, schemas
from pmf_api.assurance.interventions import service as intervention_service
from pmf_api.domain.workflow import INTERVENTION_MACHINE, InterventionState
from pmf_api.platform.http.deps import AsOf, SessionDep
from pmf_api.platform.http.etag import IfMatch, expected_version, with_etag
from pmf_api.platform.http.paging import PageOf, link_next_page
from pmf_api.platform.http.problems import responses
from pmf_api.platform.schemas import PeriodText

router = APIRouter(tags=["Interventions"])

Form = schemas.InterventionForm


async def _form(request_session: SessionDep, actor: CurrentActor, id: uuid.UUID, today: AsOf) -> Form:
    view = await reading.read_form(request_session, actor, id, as_of=today)
    return schemas.form_out(view)


@router.get(
    "/interventions",
    summary="List KPI Intervention Forms (open ones unless asked)",
    response_model=PageOf[schemas.Intervention],
    responses=responses(401, 403, 422),
    description="For a portal: forms by KPI, service, directorate, portfolio, stage (`stage`) and age in days "
    "(`min_days_open`, `max_days_open`, counted to `as_of`), newest first by default.",
)
async def list_interventions(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.InterventionList, Query()],
    today: AsOf,
) -> PageOf[schemas.Intervention]:
    as_of = params.as_of or today
    page = await reading.list_interventions(
        session, actor, params.filters(), as_of=as_of, sort=params.sort, cursor=params.cursor, limit=params.limit
    )
    link_next_page(request, response, page.next_cursor)
    return PageOf[schemas.Intervention](
        items=[schemas.summary(form, as_of) for form in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/interventions",
    summary="Open a KPI Intervention Form",
    status_code=status.HTTP_201_CREATED,
    response_model=Form,
    responses=responses(400, 401, 403, 409, 413, 422),
    description=(
        "Opens the form in `draft` for the KPI's month (default: its latest period that has ended), keeping "
        "the KPI, month, portfolio holder, KPI holder, target, intervention level and actual as they are. "
        "Without `reason`, the escalation rule must recommend an intervention (status's `needs_intervention`); "
        "otherwise 422 at `#/reason`. One form per KPI is open at a time (409). Needs the performance or "
        "service_manager role over the KPI's service."
    ),
)
async def open_intervention(
    body: schemas.InterventionOpen,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    today: AsOf,
) -> Form:
    record = await intervention_service.open_intervention(session, actor, body.model_dump(), as_of=today)
    form = await _form(session, actor, record.id, today)
    with_etag(response, record)
    response.headers["Location"] = str(request.url_for("get_intervention", id=record.id))
    return form


@router.get(
    "/interventions/{id}",
    summary="Read a KPI Intervention Form",
    name="get_intervention",
    response_model=Form,
    responses=responses(401, 403, 404),
    description="Progress rows show, for at least the three periods after opening, the target in force and the "
    "value as published (null until then) beside the team's note.",
)
async def get_intervention(
    id: uuid.UUID, response: Response, session: SessionDep, actor: CurrentActor, today: AsOf
) -> Form:
    view = await reading.read_form(session, actor, id, as_of=today)
    with_etag(response, view.form)
    return schemas.form_out(view)


@router.patch(
    "/interventions/{id}",
    summary="Change a form's cause and steps while it is a draft",
    response_model=Form,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
)
async def update_intervention(
    id: uuid.UUID,
    body: schemas.InterventionUpdate,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    today: AsOf,
    if_match: IfMatch = None,
) -> Form:
    record = await intervention_service.update_intervention(
        session, actor, id, body.model_dump(exclude_unset=True), expected_version(if_match, id)
    )
    with_etag(response, record)
    return await _form(session, actor, id, today)


@router.post(
    "/interventions/{id}/transition",
    summary="Submit, approve or send back a KPI Intervention Form",
    response_model=Form,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description=(
        "Approvals come in order, each by its role over the KPI's service, directorate or portfolio "
        "(seed 001, Appendix F); an approval out of turn is 409, one outside the approver's role or scope 403. "
        "The moves, and who may make each:\n\n"
        + INTERVENTION_MACHINE.describe()
        + "\n\nSending back (`to: draft`) needs a `comment`; the approvals then start again. Four-eyes: whoever "
        "opened or submitted the form, or gave an earlier approval, does not approve it (403, type `four-eyes`), "
        "unless the organisation relaxes it, when the audit entry says so. Closing is `POST .../close`."
    ),
)
async def transition_intervention(
    id: uuid.UUID,
    body: schemas.InterventionTransition,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    today: AsOf,
    if_match: IfMatch = None,
) -> Form:
    record = await intervention_service.transition_intervention(
        session, actor, id, InterventionState(body.to), expected_version(if_match, id), comment=body.comment
    )
    with_etag(response, record)
    return await _form(session, actor, id, today)


@router.post(
    "/interventions/{id}/close",
    summary="Close a KPI Intervention Form on recovery, or withdraw it",
    response_model=Form,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description="`recovered` is refused (409) while the closing rule says the KPI is not back within tolerance "
    "in its latest period that has ended (docs/rules.md, section 7); `withdrawn` needs a `reason`. Needs the "
    "performance or director role over the KPI.",
)
async def close_intervention(
    id: uuid.UUID,
    body: schemas.InterventionClose,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    today: AsOf,
    if_match: IfMatch = None,
) -> Form:
    record = await intervention_service.close_intervention(
        session, actor, id, body.outcome, body.reason, expected_version(if_match, id), as_of=today
    )
    with_etag(response, record)
    return await _form(session, actor, id, today)


@router.put(
    "/interventions/{id}/progress/{period:path}",
    summary="Record a period's progress on a KPI Intervention Form",
    response_model=Form,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description="The team's note and whether further intervention is required, for a period of the KPI's "
    "frequency within a year after opening; the target and actual come from the published values.",
)
async def record_intervention_progress(
    id: uuid.UUID,
    period: Annotated[
        PeriodText, Path(description="A period after opening, e.g. `2026/27 P7`; URL-encode the space as %20")
    ],
    body: schemas.InterventionProgressSave,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    today: AsOf,
    if_match: IfMatch = None,
) -> Form:
    record = await intervention_service.record_progress(
        session, actor, id, period, body.model_dump(exclude_unset=True), expected_version(if_match, id)
    )
    with_etag(response, record)
    return await _form(session, actor, id, today)
