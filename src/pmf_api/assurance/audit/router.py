"""Route for reading the audit trail (performance team and internal audit)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from pmf_api.access.deps import CurrentActor
from pmf_api.assurance.audit import schemas
from pmf_api.assurance.audit import service as audit_service
from pmf_api.platform.http.deps import SessionDep
from pmf_api.platform.http.paging import PageOf, page_response
from pmf_api.platform.http.problems import responses

router = APIRouter(tags=["Audit"])


@router.get(
    "/audit",
    summary="Read the audit trail",
    response_model=PageOf[schemas.AuditEntry],
    responses=responses(401, 403, 422),
    description="Every write, newest first, with who made it and the record before and after.",
)
async def list_audit_entries(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    params: Annotated[schemas.AuditList, Query()],
) -> PageOf[schemas.AuditEntry]:
    filters = audit_service.AuditFilter(
        entity_type=params.entity_type,
        entity_id=params.entity_id,
        actor_subject=params.actor,
        action=params.action,
        since=params.since or params.updated_since,
        until=params.until,
    )
    page = await audit_service.list_entries(
        session, actor, filters, cursor=params.cursor, limit=params.limit, sort=params.sort
    )
    return page_response(request, response, page, schemas.AuditEntry.model_validate)
