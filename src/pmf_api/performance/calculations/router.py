"""Routes for calculated KPIs: set and read a KPI's formula."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from pmf_api.access.deps import CurrentActor
from pmf_api.performance.calculations import schemas
from pmf_api.performance.calculations import service as calculation_service
from pmf_api.platform.http.deps import SessionDep
from pmf_api.platform.http.etag import IfMatch, expected_version, with_etag
from pmf_api.platform.http.problems import responses

router = APIRouter(tags=["Calculated KPIs"])


def _view(view: calculation_service.FormulaView) -> schemas.KpiFormula:
    kpi = view.kpi
    return schemas.KpiFormula(
        kpi_id=kpi.id,
        kpi_code=kpi.code,
        kpi_title=kpi.title,
        unit=kpi.unit,
        calculated=kpi.formula is not None,
        formula=kpi.formula,
        inputs=[schemas.FormulaInput(kpi_id=i, kpi_code=code) for i, code in view.inputs],
        on_missing_input=kpi.on_missing_input,
        on_zero_divisor=kpi.on_zero_divisor,
        periods_recomputed=view.periods_recomputed,
    )


@router.get(
    "/kpis/{id}/formula",
    summary="Read how a KPI is calculated (or that it is entered by hand)",
    response_model=schemas.KpiFormula,
    responses=responses(401, 403, 404),
)
async def get_kpi_formula(
    id: uuid.UUID, response: Response, session: SessionDep, actor: CurrentActor
) -> schemas.KpiFormula:
    view = await calculation_service.get_formula(session, actor, id)
    with_etag(response, view.kpi)
    return _view(view)


@router.put(
    "/kpis/{id}/formula",
    summary="Make a KPI calculated, or change its formula",
    response_model=schemas.KpiFormula,
    responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
    description=(
        schemas.FORMULA_DESCRIPTION
        + "\n\nRefused (422 at `#/formula`, saying the position) when it refers to the KPI itself or through "
        "other KPIs back to it, to a KPI not in this organisation, to a KPI reported at another frequency, "
        "mixes units (a percentage added to a count), or divides by an input without `on_zero_divisor`. "
        "The KPI's values are then computed for every period its inputs have values for, and follow them: "
        "they are never entered by hand (409). `If-Match` takes the KPI's ETag."
    ),
)
async def set_kpi_formula(
    id: uuid.UUID,
    body: schemas.KpiFormulaSet,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatch = None,
) -> schemas.KpiFormula:
    view = await calculation_service.set_formula(
        session, actor, id, body.model_dump(mode="json"), expected_version(if_match, id)
    )
    with_etag(response, view.kpi)
    return _view(view)
