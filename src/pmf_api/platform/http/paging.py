"""Pages of records: the list parameters every list takes, keyset pages with their ``Link``, JSON bodies."""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, Generic, TypeVar

from fastapi import Request, Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from pmf_api.platform.db.pages import ListQuery, Page
from pmf_api.platform.schemas import IsoDateTime, RefusesNul

T = TypeVar("T", bound=BaseModel)


class PageParams(RefusesNul):
    """The paging parameters every collection takes (``cursor``, ``limit``).

    Unknown query parameters are refused, so a misspelt filter never silently returns everything.
    """

    model_config = ConfigDict(extra="forbid")

    cursor: str | None = Field(default=None, description="Opaque cursor from the previous page's `next_cursor`")
    limit: int = Field(default=50, ge=1, le=500, description="Items per page (1-500)")


class ListParams(PageParams):
    """Paging and change-tracking parameters every list of records takes; features add their own filters."""

    updated_since: IsoDateTime | None = Field(
        default=None,
        description="Only records changed at or after this time (ISO 8601 with offset); for incremental refresh",
    )
    include_archived: bool = Field(default=False, description="Include archived records")


PAGING_FIELDS = frozenset(ListParams.model_fields) | {"sort"}


def list_query(params: ListParams) -> ListQuery:
    """A list's query parameters as the service takes them: every field beyond paging is a filter."""
    values = params.model_dump()
    return ListQuery(
        filters={name: value for name, value in values.items() if name not in PAGING_FIELDS},
        updated_since=params.updated_since,
        include_archived=params.include_archived,
        sort=values.get("sort"),
        cursor=params.cursor,
        limit=params.limit,
    )


NEXT_CURSOR = Field(default=None, description="Pass as `cursor` to get the next page; null on the last page")


class PageOf(BaseModel, Generic[T]):
    """A page of a list. ``PageOf[Kpi]`` is the class ``KpiPage``, so the spec (and every client
    generated from it) names the schema ``KpiPage`` rather than ``PageOf_Kpi_``."""

    items: list[T]
    next_cursor: str | None = NEXT_CURSOR

    def __class_getitem__(cls, params: Any) -> Any:
        page = super().__class_getitem__(params)
        if cls is PageOf and isinstance(params, type) and issubclass(params, BaseModel):
            return _named_page(page, params)
        return page


def link_next_page(request: Request, response: Response, next_cursor: str | None) -> None:
    """The ``Link: rel="next"`` header of a page that has a next one."""
    if next_cursor:
        response.headers["Link"] = next_page_link(request, next_cursor)


@cache
def _named_page(page: type[BaseModel], read_model: type[BaseModel]) -> type[BaseModel]:
    # A subclass named for the records: pydantic names a schema by its class, and a parametrised
    # generic's name by its parameters (``PageOf_Kpi_``).
    name = f"{read_model.__name__}Page"
    named: type[BaseModel] = types.new_class(name, (page,), exec_body=lambda ns: ns.update(__module__=__name__))
    return named


def next_page_link(request: Request, cursor: str) -> str:
    """The ``Link`` to the next page: absolute from ``PMF_PUBLIC_BASE_URL`` when set, else a reference
    relative to the request (RFC 8288 allows one). Never built from the request's ``Host`` header,
    which the caller chooses: a forged one would send the next request elsewhere."""
    settings = getattr(request.app.state, "settings", None)
    base: str = (getattr(settings, "public_base_url", None) or "").rstrip("/")
    url = request.url.include_query_params(cursor=cursor)
    return f'<{base}{url.path}?{url.query}>; rel="next"'


def page_response(
    request: Request,
    response: Response,
    page: Page[Any],
    convert: Callable[[Any], T],
) -> PageOf[T]:
    link_next_page(request, response, page.next_cursor)
    items: Sequence[T] = [convert(item) for item in page.items]
    return PageOf[T](items=list(items), next_cursor=page.next_cursor)


# Responses serialised once. A route that returns a model has FastAPI validate it again against its
# ``response_model`` before dumping it; these build the model once and send its JSON as the body.
# Routes keep ``response_model=`` for OpenAPI, and the bytes are the same (pydantic's JSON, by alias).


def json_response(model: BaseModel, response: Response, status_code: int = 200) -> Response:
    """``model`` as the JSON body, with the headers set on the route's ``response`` (ETag, Location)."""
    out = Response(content=model.model_dump_json(by_alias=True), status_code=status_code, media_type=JSON)
    out.headers.raw.extend(response.headers.raw)
    return out


JSON = "application/json"


@cache
def _items_adapter(read_model: type[T]) -> TypeAdapter[list[T]]:
    return TypeAdapter(list[read_model])  # type: ignore[valid-type]


@cache
def _page_model(read_model: type[T]) -> type[PageOf[T]]:
    return PageOf[read_model]  # type: ignore[valid-type]


def page_json_response(request: Request, response: Response, page: Page[Any], read_model: type[T]) -> Response:
    """A page of records as ``PageOf[read_model]``: every item validated from its row in one pass."""
    link_next_page(request, response, page.next_cursor)
    # A loaded row's attributes are in its __dict__: validating from those mappings skips an ORM
    # attribute descriptor per field per row (a large part of a page's cost). A read model with a
    # derived attribute (a property) is not satisfied by them and is validated from the objects.
    adapter = _items_adapter(read_model)
    try:
        items = adapter.validate_python([row if isinstance(row, dict) else row.__dict__ for row in page.items])
    except ValidationError:
        items = adapter.validate_python(page.items, from_attributes=True)
    body = _page_model(read_model).model_construct(items=items, next_cursor=page.next_cursor)
    return json_response(body, response)
