"""Routes for actions (Corporate Plan actions, key activities, projects)."""

from __future__ import annotations

from fastapi import APIRouter

from pmf_api.access.record_routes import add_crud_routes
from pmf_api.framework.actions import schemas
from pmf_api.framework.actions import service as action_service

router = APIRouter(tags=["Actions"])
add_crud_routes(
    router,
    spec=action_service.actions,
    path="/actions",
    read_model=schemas.Action,
    create_model=schemas.ActionCreate,
    update_model=schemas.ActionUpdate,
    list_params=schemas.ActionList,
    create=action_service.create_action,
    update=action_service.update_action,
    fast_read=True,
)
