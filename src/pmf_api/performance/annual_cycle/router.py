"""Routes for the annual cycle: the roll-forward to next year, and the six-monthly stretch review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from pmf_api.access.deps import CurrentActor
from pmf_api.performance.annual_cycle import schemas
from pmf_api.performance.annual_cycle import service as cycle_service
from pmf_api.performance.targets.schemas import Target
from pmf_api.platform.http.deps import AsOf, SessionDep
from pmf_api.platform.http.paging import PageOf, page_response
from pmf_api.platform.http.problems import responses

router = APIRouter(tags=["Annual cycle"])


@router.get(
    "/roll-forward/proposals",
    summary="Preview the roll-forward of targets to a financial year",
    response_model=PageOf[schemas.RollForwardProposal],
    responses=responses(401, 403, 422),
    description=(
        "One proposal per KPI that continues (not archived), by code: next year's target from last year's "
        "outturn by its target type (growth: plus `growth_percentage`; maintain; reduction: minus "
        "`reduction_percentage`; seed 001, C.1.2), last year's tolerance carried over, and for sum KPIs a "
        "period profile from each period's share of up to three earlier years (seed 000: targets reflect "
        "seasonality), with the figures behind it. Nothing is written."
    ),
)
async def list_roll_forward_proposals(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.RollForwardParams, Query()],
    today: AsOf,
) -> PageOf[schemas.RollForwardProposal]:
    proposals = await cycle_service.roll_forward(
        session,
        actor,
        params.financial_year,
        growth_percentage=params.growth_percentage,
        reduction_percentage=params.reduction_percentage,
        as_of=today,
    )
    page = cycle_service.proposal_page(proposals, params.cursor, params.limit)
    return page_response(request, response, page, schemas.proposal_out)


@router.post(
    "/roll-forward",
    summary="Roll targets forward to a financial year as drafts",
    response_model=schemas.RollForwardResult,
    responses=responses(400, 401, 403, 409, 413, 422),
    description=(
        "Creates each proposal of the preview as a draft target through the usual target workflow: each is "
        "then proposed and approved (four-eyes applies). KPIs with a target for the year already, or nothing "
        "to propose from, are skipped and say why. Each KPI without a Data Quality Template for the year gets "
        "one drafted from last year's, for its service to review and sign (`draft_templates`). All or nothing."
    ),
)
async def apply_roll_forward(
    body: schemas.RollForwardApply, session: SessionDep, actor: CurrentActor, today: AsOf
) -> schemas.RollForwardResult:
    outcome = await cycle_service.apply_roll_forward(
        session,
        actor,
        body.financial_year,
        growth_percentage=body.growth_percentage,
        reduction_percentage=body.reduction_percentage,
        as_of=today,
        kpi_ids=body.kpi_ids,
        draft_templates=body.draft_templates,
    )
    return schemas.RollForwardResult(
        financial_year=body.financial_year,
        created=[Target.model_validate(t) for t in outcome.created],
        skipped=[
            schemas.RollForwardSkipped(kpi_id=p.kpi.id, kpi_code=p.kpi.code, kpi_title=p.kpi.title, reason=reason)
            for p, reason in outcome.skipped
        ],
        templates_drafted=[
            schemas.TemplateForReview(id=t.id, version_number=t.version_number, state=t.state)
            for t in outcome.templates
        ],
    )


@router.get(
    "/stretch-review",
    summary="The KPIs consistently beating their target, with a suggested stretch",
    response_model=PageOf[schemas.StretchCandidateOut],
    responses=responses(401, 403, 422),
    description=(
        "The six-monthly review (seed 001, C.1: targets are stretched, where possible, every six months): "
        "monthly KPIs whose last six months, and quarterly KPIs whose last two quarters, each have a counted "
        "value better than the target in force for that period, by code, with a suggested stretched annual "
        "target and the figures behind it. Stretch one by revising its target (`POST /targets/{id}/revisions`), "
        "which applies once approved."
    ),
)
async def list_stretch_candidates(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.StretchParams, Query()],
    today: AsOf,
) -> PageOf[schemas.StretchCandidateOut]:
    candidates = await cycle_service.stretch_review(session, actor, params.period, as_of=today)
    page = cycle_service.stretch_page(candidates, params.cursor, params.limit)
    return page_response(request, response, page, schemas.stretch_out)
