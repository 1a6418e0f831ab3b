"""Routes for the organisation and its structure."""

from __future__ import annotations

from fastapi import APIRouter, Response

from pmf_api.access.deps import CurrentActor
from pmf_api.access.record_routes import add_crud_routes
from pmf_api.framework.organisations import schemas
from pmf_api.framework.organisations import service as organisation_service
from pmf_api.platform.http.deps import SessionDep
from pmf_api.platform.http.etag import IfMatch, expected_version, with_etag
from pmf_api.platform.http.problems import responses

router = APIRouter(tags=["Organisation"])


@router.get(
    "/organisation",
    summary="Read your organisation",
    response_model=schemas.Organisation,
    responses=responses(401, 403, 404),
)
async def get_organisation(response: Response, session: SessionDep, actor: CurrentActor) -> schemas.Organisation:
    organisation = await organisation_service.get_organisation(session, actor)
    with_etag(response, organisation)
    return schemas.Organisation.model_validate(organisation)


@router.patch(
    "/organisation",
    summary="Change your organisation's settings",
    response_model=schemas.Organisation,
    responses=responses(400, 401, 403, 404, 412, 413, 422),
)
async def update_organisation(
    body: schemas.OrganisationUpdate,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatch = None,
) -> schemas.Organisation:
    organisation = await organisation_service.update_organisation(
        session, actor, body.model_dump(exclude_unset=True), expected_version(if_match)
    )
    with_etag(response, organisation)
    return schemas.Organisation.model_validate(organisation)


structure = APIRouter(tags=["Structure"])
add_crud_routes(
    structure,
    spec=organisation_service.directorates,
    path="/directorates",
    read_model=schemas.Directorate,
    create_model=schemas.DirectorateCreate,
    update_model=schemas.DirectorateUpdate,
    list_params=schemas.DirectorateList,
    fast_read=True,
)
add_crud_routes(
    structure,
    spec=organisation_service.services,
    path="/services",
    read_model=schemas.Service,
    create_model=schemas.ServiceCreate,
    update_model=schemas.ServiceUpdate,
    list_params=schemas.ServiceList,
    fast_read=True,
)
add_crud_routes(
    structure,
    spec=organisation_service.portfolios,
    path="/portfolios",
    read_model=schemas.Portfolio,
    create_model=schemas.PortfolioCreate,
    update_model=schemas.PortfolioUpdate,
    list_params=schemas.PortfolioList,
    fast_read=True,
)
add_crud_routes(
    structure,
    spec=organisation_service.people,
    path="/people",
    read_model=schemas.Person,
    create_model=schemas.PersonCreate,
    update_model=schemas.PersonUpdate,
    list_params=schemas.PersonList,
    plural="people",
    fast_read=True,
)

routers = (router, structure)
