"""Routes for API keys: machine clients authenticate with `X-API-Key` instead of a bearer token."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from pmf_api.access.api_keys import schemas
from pmf_api.access.api_keys import service as key_service
from pmf_api.access.deps import CurrentActor, DirectoryDep
from pmf_api.platform.http.deps import SessionDep
from pmf_api.platform.http.etag import with_etag
from pmf_api.platform.http.paging import PageOf, page_response
from pmf_api.platform.http.problems import responses

router = APIRouter(tags=["API keys"])


@router.post(
    "/api-keys",
    summary="Create an API key for a machine client (shown once)",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ApiKeyCreated,
    responses=responses(400, 401, 403, 413, 422),
    description=(
        "Performance team only. The response is the only time the key is shown: only its SHA-256 is stored. "
        "The key acts with one role at a scope, like a person's grant."
    ),
)
async def create_api_key(
    body: schemas.ApiKeyCreate,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    directory: DirectoryDep,
) -> schemas.ApiKeyCreated:
    created = await key_service.create_key(
        session, actor, directory, name=body.name, role=body.role, scope=body.scope, scope_id=body.scope_id
    )
    with_etag(response, created.api_key)
    listed = schemas.ApiKey.model_validate(created.api_key)
    return schemas.ApiKeyCreated(**listed.model_dump(), key=created.secret)


@router.get(
    "/api-keys",
    summary="List API keys (never the keys themselves)",
    response_model=PageOf[schemas.ApiKey],
    responses=responses(401, 403),
)
async def list_api_keys(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.ApiKeyList, Query()],
) -> PageOf[schemas.ApiKey]:
    page = await key_service.list_keys(
        session, actor, include_revoked=params.include_revoked, cursor=params.cursor, limit=params.limit
    )
    return page_response(request, response, page, schemas.ApiKey.model_validate)


@router.post(
    "/api-keys/{id}/revoke",
    summary="Revoke an API key",
    response_model=schemas.ApiKey,
    responses=responses(401, 403, 404, 409),
    description="From the next request on, the key gets 401. Revoking cannot be undone: create a new key instead.",
)
async def revoke_api_key(id: uuid.UUID, response: Response, session: SessionDep, actor: CurrentActor) -> schemas.ApiKey:
    api_key = await key_service.revoke_key(session, actor, id)
    with_etag(response, api_key)
    return schemas.ApiKey.model_validate(api_key)
