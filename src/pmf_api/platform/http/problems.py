"""The one place where errors become HTTP: RFC 9457 ``application/problem+json`` responses."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from pmf_api.domain.errors import DomainError, FourEyesRefused, TransitionNotAllowed
from pmf_api.platform import errors
from pmf_api.platform.db.session import DatabaseUnavailable, describe, is_unavailable
from pmf_api.platform.errors import FieldProblem, Location
from pmf_api.platform.http.problem_types import GENERIC_TYPES, problem_type
from pmf_api.platform.observability import current_request_id, note_failure

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://pmf-api.org/problems/"
logger = logging.getLogger("pmf_api.platform.errors")


class ProblemFieldError(BaseModel):
    pointer: str = Field(
        description="Where the bad input is: `#/a/b/0` for a body field (a JSON Pointer, RFC 6901, as a URI "
        "fragment; `#` for the whole body), `#/rows/{i}/{column}` for a bulk row's cell, `query:{name}`, "
        "`path:{name}` or `header:{Name}` for a parameter (docs/problems.md)",
        examples=["#/tolerance/value", "query:period", "header:If-Match"],
    )
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(
        description="The problem type: one of those `GET /problems` and docs/problems.md list, by its last segment",
        examples=[PROBLEM_BASE + "invalid-input"],
    )
    title: str = Field(description="The type's title: one per type", examples=["The request is not valid"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["The intervention level must be below the target for a higher-is-better KPI"])
    instance: str | None = None
    request_id: str | None = None
    errors: list[ProblemFieldError] = Field(description="Each bad field or parameter; empty when none is at fault")


# The problem type of each service error (problem_types.py gives its status and title)
_TYPES: dict[type[errors.PMFError], str] = {
    errors.NotFound: "not-found",
    errors.PermissionDenied: "forbidden",
    errors.NotAuthenticated: "unauthenticated",
    errors.MalformedRequest: "malformed-request",
    errors.InvalidInput: "invalid-input",
    errors.RequestInProgress: "request-in-progress",
    errors.UnsignedTemplate: "data-quality-template-unsigned",
    errors.PeriodClosed: "period-closed",
    errors.Conflict: "conflict",
    errors.PreconditionFailed: "precondition-failed",
    errors.PayloadTooLarge: "payload-too-large",
}


def type_uri(slug: str) -> str:
    return PROBLEM_BASE + slug


def json_pointer(parts: Iterable[object]) -> str:
    """``("tolerance", "value")`` -> ``#/tolerance/value``: a JSON Pointer (RFC 6901) into the body, as a
    URI fragment; ``#`` is the body as a whole."""
    return "#" + "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def field_pointer(field: str) -> str:
    """``tolerance.value`` -> ``#/tolerance/value`` (JSON Pointer into the request body)."""
    return json_pointer(field.split(".") if field else ())


# Header names as RFC 9110 spells them where capitalising each word is not enough
_HEADER_WORDS = {"api": "API", "etag": "ETag", "id": "ID"}


def header_name(name: str) -> str:
    """``if_match``, ``if-match`` -> ``If-Match``; ``x-api-key`` -> ``X-API-Key``."""
    words = name.replace("_", "-").split("-")
    return "-".join(_HEADER_WORDS.get(word.lower(), word[:1].upper() + word[1:].lower()) for word in words)


def parameter_pointer(location: Location | str, name: str) -> str:
    """``query:period``, ``path:kpi_id``, ``header:If-Match`` (docs/problems.md)."""
    return f"{location}:{header_name(name) if location == Location.HEADER else name}"


def pointer(problem: FieldProblem) -> str:
    if problem.location is Location.BODY:
        return field_pointer(problem.field)
    return parameter_pointer(problem.location, problem.field)


def problem_response(
    request: Request | None,
    slug: str,
    detail: str,
    field_errors: list[ProblemFieldError] | None = None,
    headers: Mapping[str, str] | None = None,
    members: Mapping[str, Any] | None = None,
) -> JSONResponse:
    """A problem+json response of the type ``slug`` (problem_types.py: its status and title);
    ``members`` are extension members (RFC 9457, section 3.2)."""
    kind = problem_type(slug)
    return _response(request, kind.status, type_uri(slug), kind.title, detail, field_errors, headers, members)


def _response(
    request: Request | None,
    status: int,
    type: str,
    title: str,
    detail: str,
    field_errors: list[ProblemFieldError] | None = None,
    headers: Mapping[str, str] | None = None,
    members: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body = Problem(
        type=type,
        title=title,
        status=status,
        detail=detail,
        instance=str(request.url.path) if request is not None else None,
        request_id=current_request_id(),
        errors=field_errors or [],
    )
    return JSONResponse(
        {**body.model_dump(exclude_none=True), **(members or {})},
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


async def _pmf_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.PMFError)
    slug = next(v for k, v in _TYPES.items() if isinstance(exc, k))
    headers = {"WWW-Authenticate": 'Bearer realm="pmf-api"'} if isinstance(exc, errors.NotAuthenticated) else None
    if isinstance(exc, errors.RequestInProgress):
        headers = RETRY_AFTER
    field_errors = [ProblemFieldError(pointer=pointer(p), detail=p.message) for p in exc.problems]
    return problem_response(request, slug, exc.detail, field_errors, headers)


def rows_rejected_response(
    request: Request, detail: str, report: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A batch refused whole because rows were rejected (an atomic bulk push): the batch's report as
    the problem's own members, and each row's errors as the problem's (the first 100), pointing at the
    row and column as the rows' own do (``#/rows/{i}/{column}``, ``#/rows/{i}`` for the row as a whole).
    Answered, not raised: the request's transaction still commits what it keeps of a refusal (an
    Idempotency-Key's answer)."""
    field_errors = [
        ProblemFieldError(pointer=error["pointer"], detail=error["detail"])
        for row in report.get("rows", [])
        for error in row["errors"]
    ][:100]
    return problem_response(request, "bulk-rejected", detail, field_errors, headers, members=report)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    if isinstance(exc, FourEyesRefused):
        # Your own work: someone else must check it, whatever roles you hold.
        return problem_response(request, "four-eyes", exc.message)
    if isinstance(exc, TransitionNotAllowed):
        # Not your role: 403. Not possible from this state: 409 (the record's state, not the input, is at fault).
        if exc.allowed_roles:
            return problem_response(request, "forbidden", exc.message)
        return problem_response(request, "transition-not-allowed", exc.message)
    # The domain names the body field at fault; a service re-raises what came from elsewhere with its location.
    field_errors = [ProblemFieldError(pointer=field_pointer(exc.field), detail=exc.message)] if exc.field else []
    return problem_response(request, "invalid-input", exc.message, field_errors)


def _location_pointer(loc: tuple[Any, ...]) -> str:
    """Pydantic's location of an error as a pointer: into the body, or naming the parameter."""
    if not loc:
        return "#"
    where, *rest = loc
    if where == "body":
        return json_pointer(rest)
    if rest:  # query, path, header or cookie: the parameter's name (a list's index is not pointed at)
        return parameter_pointer(str(where), str(rest[0]))
    return str(where)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    malformed = next((err for err in exc.errors() if err.get("type") == "json_invalid"), None)
    if malformed is not None:
        # Not JSON at all: nothing in the body was looked at (RFC 9110: 400, not 422).
        reason = (malformed.get("ctx") or {}).get("error", "not valid JSON")
        detail = f"The body is not valid JSON ({reason}); send application/json"
        return problem_response(request, "malformed-request", detail)
    field_errors = []
    for err in exc.errors():
        message = str(err.get("msg", "invalid"))
        if err.get("type") == "extra_forbidden":
            message = "Unknown field"
        field_errors.append(ProblemFieldError(pointer=_location_pointer(tuple(err.get("loc", ()))), detail=message))
    count = len(field_errors)
    detail = f"{count} field{'s' if count != 1 else ''} of the request {'are' if count != 1 else 'is'} invalid"
    return problem_response(request, "invalid-input", detail, field_errors)


_PHRASES = {status.value: status.phrase for status in HTTPStatus}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = exc.headers
    if exc.status_code == 405:
        # Starlette names the methods of the first route whose path matched; say every one the path has.
        headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
    kind = GENERIC_TYPES.get(exc.status_code)
    if kind is not None:
        return problem_response(request, kind.slug, str(exc.detail), headers=headers)
    # A status with no type of its own: "about:blank", titled by the status (RFC 9457, section 4.2.1).
    title = _PHRASES.get(exc.status_code, "Error")
    return _response(request, exc.status_code, "about:blank", title, str(exc.detail), headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method of the request's path (for a 405's Allow).

    As in OpenAPI, a concrete path wins over a templated one: `/submissions/bulk` is not `/submissions/{id}`.
    """
    path = request.url.path
    matching: list[tuple[str, set[str]]] = []
    for route in iter_route_contexts(request.app.routes):
        if route.path and compile_path(route.path)[0].match(path):
            matching.append((route.path, set(route.methods or ())))
    fewest = min((template.count("{") for template, _ in matching), default=0)
    return sorted({m for template, methods in matching if template.count("{") == fewest for m in methods})


async def _stale(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(
        request, "precondition-failed", "Someone else saved this record first; read it again and reapply your change"
    )


async def _integrity(request: Request, exc: Exception) -> JSONResponse:
    logger.info("integrity error: %s", exc)
    return problem_response(
        request, "conflict", "The change conflicts with existing data (a duplicate or a reference that does not hold)"
    )


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    # Validation keeps values within their columns; this is the backstop that keeps a miss off 500.
    logger.warning("database refused a value: %s", exc)
    return problem_response(request, "invalid-input", "A value does not fit the field it is stored in")


RETRY_AFTER = {"Retry-After": "1"}


def unavailable_response(request: Request | None, exc: BaseException) -> JSONResponse:
    """503: the database is out of reach (refused, down, or the connection died mid-request).

    A refused connection leaves nothing in the pool and a lost one makes SQLAlchemy discard the
    pool's connections, so the first request after the database is back gets a fresh connection:
    recovery needs no restart. One log line, the request's own.
    """
    note_failure(f"database unavailable ({describe(exc)})")
    if isinstance(exc, DatabaseUnavailable):
        detail = "The service could not reach its database; nothing was changed. Retry the request"
    else:
        # Lost while committing, the change may have been made: a retry with If-Match or an
        # Idempotency-Key says so rather than repeating it.
        detail = "The connection to the database was lost before the request completed. Retry the request"
    return problem_response(request, "database-unavailable", detail, headers=RETRY_AFTER)


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    return unavailable_response(request, exc)


async def _pool_timeout(request: Request, exc: Exception) -> JSONResponse:
    # Every pooled connection stayed busy for the pool's whole timeout.
    note_failure(f"database busy (no free connection: {describe(exc)})")
    return _busy(request)


def _busy(request: Request) -> JSONResponse:
    return problem_response(
        request,
        "database-busy",
        "Other changes held the records this request needed; nothing was changed. Retry the request",
        headers=RETRY_AFTER,
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    if is_unavailable(exc):
        return unavailable_response(request, exc)
    if _contention(exc):
        # Writers queue (db.session.unit_of_work); one that waited past the database's limit, or
        # was picked to break a deadlock, was rolled back whole and can simply be sent again.
        note_failure(f"database contention ({describe(exc)})")
        return _busy(request)
    logger.error("unhandled database error", exc_info=exc)
    return await unexpected_error(request, exc)


# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available
_CONTENTION_STATES = frozenset({"40001", "40P01", "55P03"})


def _contention(exc: DBAPIError) -> bool:
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if state in _CONTENTION_STATES:
        return True
    message = str(exc.orig).lower()
    return isinstance(exc, OperationalError) and ("database is locked" in message or "database is busy" in message)


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """The answer to an error nothing else answered (logged by ``RequestContextMiddleware``)."""
    return problem_response(
        request, "internal-error", "Something went wrong on our side; quote the request id when you report it"
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.PMFError, _pmf_error)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StaleDataError, _stale)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(DatabaseUnavailable, _unavailable)
    app.add_exception_handler(PoolTimeout, _pool_timeout)
    _document_problems(app)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting a route's problem responses.

    422 is always listed: every route validates its parameters, and this replaces FastAPI's own
    validation-error schema with the problem+json one the service actually sends. So are 429 (any
    request may pass a rate limit) and 503 (any request may find the database gone or, for a
    write, too busy; nothing is changed); with both, ``Retry-After`` says when to send it again. A
    route that takes a body (and so lists 413) also lists 408: its body must arrive within the
    configured time (``platform.http.body``).
    """
    statuses = tuple(sorted({*statuses, 422, 429, 503, *((408,) if 413 in statuses else ())}))
    descriptions = {
        400: "Malformed request",
        401: "Missing, expired or invalid credentials",
        403: "Outside the caller's role or scope",
        404: "No such record in the caller's organisation",
        408: "The request body did not arrive in time (`PMF_BODY_TIMEOUT_SECONDS`); nothing was changed",
        409: "Conflicts with existing data",
        412: "The If-Match ETag is stale; nothing was changed",
        413: "Request body too large",
        422: "Invalid input; `errors` points at each bad field",
        429: "Too many requests from this address or credential, or too many refused credentials; nothing was "
        "done. Retry after `Retry-After` seconds",
        503: "The database is unreachable or busy; nothing was changed. Retry after `Retry-After` seconds",
    }
    return {s: {"description": descriptions[s], "content": PROBLEM_CONTENT} for s in statuses}


# Error responses name the Problem schema under their own media type (a ``model=`` would put it
# under application/json, which the service never sends for an error); ``install`` adds the schema.
PROBLEM_CONTENT: dict[str, Any] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _document_problems(app: FastAPI) -> None:
    """Put ``Problem`` and its entries in the spec's components, where every error response points."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
            schemas.update(problem.pop("$defs", {}), Problem=problem)
            spec["components"]["schemas"] = dict(sorted(schemas.items()))
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
