"""``GET /problems``: the problem types, served by the service itself (no authentication), so that a
client can look up any problem's ``type`` by its last segment (``/problems/invalid-input``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from pmf_api.platform.errors import Location, NotFound, invalid
from pmf_api.platform.http import problem_types
from pmf_api.platform.http.paging import PageOf, next_page_link
from pmf_api.platform.http.problem_types import PROBLEM_TYPES
from pmf_api.platform.http.problems import responses, type_uri

router = APIRouter(tags=["Problems"])


class ProblemType(BaseModel):
    """A problem type: what problems carrying its `type` mean (docs/problems.md)."""

    type: str = Field(description="The URI problems of this type carry as `type`")
    slug: str = Field(description="The type's last segment", examples=["invalid-input"])
    status: int = Field(description="The HTTP status problems of this type are sent with", examples=[422])
    title: str = Field(description="The one title problems of this type carry")
    meaning: str
    action: str = Field(description="What a client should do about it")


def _info(kind: problem_types.ProblemType) -> ProblemType:
    return ProblemType(
        type=type_uri(kind.slug),
        slug=kind.slug,
        status=kind.status,
        title=kind.title,
        meaning=kind.meaning,
        action=kind.action,
    )


ORDERED = sorted(PROBLEM_TYPES.values(), key=lambda kind: (kind.status, kind.slug))


@router.get(
    "/problems",
    summary="List the problem types",
    operation_id="listProblemTypes",
    response_model=PageOf[ProblemType],
    responses=responses(),
    description="Every `type` an error response (`application/problem+json`) may carry, with its status, its "
    "title, what it means and what to do; no authentication. A problem whose status has no type of its own "
    "says `about:blank`. The pointer convention of `errors` is in docs/problems.md.",
)
async def list_problem_types(
    request: Request,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=500, description="Items per page (1-500)")] = 50,
    cursor: Annotated[str | None, Query(description="Opaque cursor from the previous page's `next_cursor`")] = None,
) -> PageOf[ProblemType]:
    start = 0
    if cursor is not None:
        start = next((i + 1 for i, kind in enumerate(ORDERED) if kind.slug == cursor), -1)
        if start < 0:
            raise invalid("cursor", "The cursor is not one this service issued", Location.QUERY)
    kinds = ORDERED[start : start + limit]
    next_cursor = kinds[-1].slug if kinds and start + limit < len(ORDERED) else None
    if next_cursor is not None:
        response.headers["Link"] = next_page_link(request, next_cursor)
    return PageOf[ProblemType](items=[_info(kind) for kind in kinds], next_cursor=next_cursor)


@router.get(
    "/problems/{slug}",
    summary="Read a problem type",
    operation_id="getProblemType",
    response_model=ProblemType,
    responses=responses(404),
    description="The problem type whose `type` ends in `slug` (e.g. `invalid-input`); no authentication.",
)
async def get_problem_type(slug: str) -> ProblemType:
    kind = PROBLEM_TYPES.get(slug)
    if kind is None:
        raise NotFound(detail=f"No problem type {slug!r}; GET /problems lists them")
    return _info(kind)
