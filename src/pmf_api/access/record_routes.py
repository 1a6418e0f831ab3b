"""Builds the standard routes (list, create, read, update, archive, restore) for a record type.

Routers stay thin: parse, call the feature's service, shape the response. This module is
deliberately without ``from __future__ import annotations``: FastAPI reads the annotations of
the functions defined here, and they refer to the models passed in.
"""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel

from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.access.deps import CurrentActor
from pmf_api.platform.db.pages import ListQuery, Page
from pmf_api.platform.db.rows import DriverConnection
from pmf_api.platform.http import fast_reads
from pmf_api.platform.http.deps import SessionDep
from pmf_api.platform.http.etag import NOT_MODIFIED, IfMatch, IfNoneMatch, expected_version, not_modified, with_etag
from pmf_api.platform.http.paging import ListParams, PageOf, json_response, list_query, page_json_response
from pmf_api.platform.http.problems import responses

Create = Callable[[Any, Actor, dict[str, Any]], Awaitable[Any]]
Update = Callable[[Any, Actor, uuid.UUID, dict[str, Any], int | None], Awaitable[Any]]


def add_crud_routes(
    router: APIRouter,
    *,
    spec: records.EntitySpec[Any],
    path: str,
    read_model: type[BaseModel],
    create_model: type[BaseModel],
    update_model: type[BaseModel],
    list_params: type[ListParams],
    create: Create | None = None,
    update: Update | None = None,
    plural: str | None = None,
    fast_read: bool = False,
) -> None:
    """The standard routes of a record type. ``fast_read``: its plain reads and lists are also
    answered ahead of FastAPI's routing (``platform.http.fast_reads``), with the same functions."""
    what = spec.what
    plural = plural or f"{what}s"
    table = spec.model.__tablename__  # singular: `kpi`, `corporate_plan`; with the verb, the route's name

    async def do_create(session: Any, actor: Actor, data: dict[str, Any]) -> Any:
        if create is not None:
            return await create(session, actor, data)
        return await records.create(session, actor, spec, data)

    async def do_update(session: Any, actor: Actor, id: uuid.UUID, changes: dict[str, Any], version: int | None) -> Any:
        if update is not None:
            return await update(session, actor, id, changes, version)
        return await records.update(session, actor, spec, id, changes, version)

    @router.get(
        path,
        summary=f"List {plural}",
        name="list_" + "_".join(plural.lower().split()),
        response_model=PageOf[read_model],  # type: ignore[valid-type]
        responses=responses(401, 403, 422),
        description=(
            f"Pages of {plural} in your organisation, newest cursor in `next_cursor` and the `Link` header. "
            "Filters combine with AND; `updated_since` supports incremental refresh."
        ),
    )
    async def list_items(
        request: Request,
        response: Response,
        session: SessionDep,
        actor: CurrentActor,
        params: Annotated[list_params, Query()],  # type: ignore[valid-type]
    ) -> Any:
        page = await records.list_page(session, actor, spec, list_query(params))
        return page_json_response(request, response, page, read_model)

    @router.post(
        path,
        summary=f"Create {with_article(what)}",
        name=f"create_{table}",
        status_code=status.HTTP_201_CREATED,
        response_model=read_model,
        responses=responses(400, 401, 403, 409, 413, 422),
    )
    async def create_item(
        request: Request,
        response: Response,
        session: SessionDep,
        actor: CurrentActor,
        body: create_model,  # type: ignore[valid-type]
    ) -> Any:
        entity = await do_create(session, actor, body.model_dump())  # type: ignore[attr-defined]
        with_etag(response, entity)
        response.headers["Location"] = str(request.url_for(f"get_{table}", id=entity.id))
        return read_model.model_validate(entity)

    @router.get(
        path + "/{id}",
        summary=f"Read {with_article(what)}",
        name=f"get_{table}",
        response_model=read_model,
        responses={**responses(401, 403, 404), **NOT_MODIFIED},
    )
    async def get_item(
        id: uuid.UUID, response: Response, session: SessionDep, actor: CurrentActor, if_none_match: IfNoneMatch = None
    ) -> Any:
        entity = await records.get(session, actor, spec, id)
        if (unchanged := not_modified(response, entity, if_none_match)) is not None:
            return unchanged
        return json_response(read_model.model_validate(entity), response)

    @router.patch(
        path + "/{id}",
        summary=f"Change {with_article(what)}",
        name=f"update_{table}",
        response_model=read_model,
        responses=responses(400, 401, 403, 404, 409, 412, 413, 422),
        description="Send only the fields to change. Send `If-Match` with the ETag you read to refuse stale writes.",
    )
    async def update_item(
        id: uuid.UUID,
        response: Response,
        session: SessionDep,
        actor: CurrentActor,
        body: update_model,  # type: ignore[valid-type]
        if_match: IfMatch = None,
    ) -> Any:
        changes = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        entity = await do_update(session, actor, id, changes, expected_version(if_match, id))
        with_etag(response, entity)
        return read_model.model_validate(entity)

    if fast_read:
        register_fast_reads(path, spec, read_model, list_params, one=True)

    for archived, verb in ((True, "archive"), (False, "restore")):
        _add_archive_route(router, spec, path, read_model, archived, verb)


def with_article(noun: str) -> str:
    """``an outcome``, ``a KPI``: the article by the sound of the noun's first letter."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def register_fast_reads(
    path: str,
    spec: records.EntitySpec[Any],
    read_model: type[BaseModel],
    list_params: type[ListParams],
    *,
    one: bool,
) -> None:
    """Opt ``path`` into the fast read path: one record (when ``one``) and pages, read by the very
    functions the full routes call (``records.get_values``, ``records.list_values``)."""

    async def read_one(connection: DriverConnection, actor: Actor, id: uuid.UUID) -> dict[str, Any]:
        return await records.get_values(connection, actor, spec, id)

    async def read_page(connection: DriverConnection, actor: Actor, query: ListQuery) -> Page[dict[str, Any]]:
        return await records.list_values(connection, actor, spec, query)

    fast_reads.register(
        path,
        spec.repository,
        read_model,
        one=read_one if one else None,
        page=read_page,
        list_params=list_params,
    )


def _add_archive_route(
    router: APIRouter,
    spec: records.EntitySpec[Any],
    path: str,
    read_model: type[BaseModel],
    archived: bool,
    verb: str,
) -> None:
    what = spec.what

    @router.post(
        path + "/{id}/" + verb,
        summary=f"{verb.capitalize()} {with_article(what)}",
        name=f"{verb}_{spec.model.__tablename__}",
        response_model=read_model,
        responses=responses(401, 403, 404, 412),
        description=(
            f"Archived {what}s keep their data and history and drop out of lists unless `include_archived=true`."
            if archived
            else f"Bring an archived {what} back into lists."
        ),
    )
    async def set_archived(
        id: uuid.UUID, response: Response, session: SessionDep, actor: CurrentActor, if_match: IfMatch = None
    ) -> Any:
        entity = await records.set_archived(session, actor, spec, id, archived, expected_version(if_match, id))
        with_etag(response, entity)
        return read_model.model_validate(entity)
