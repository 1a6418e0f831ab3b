"""Errors raised by services. They carry meaning, never an HTTP status: ``problems.py`` maps them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from pmf_api.domain.errors import DomainError


class Location(StrEnum):
    """Where in the request an input is: ``problems.py`` points at it accordingly (docs/problems.md)."""

    BODY = "body"  # a field of the body (JSON, a form field): ``#/tolerance/value``
    QUERY = "query"  # a query parameter: ``query:period``
    PATH = "path"  # a path parameter: ``path:period``
    HEADER = "header"  # a request header: ``header:If-Match``


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one input: ``field`` is a dotted path into the body such as
    ``tolerance.value`` (``""`` for the body as a whole), or a parameter's or header's name when
    ``location`` says so."""

    field: str
    message: str
    location: Location = Location.BODY

    @classmethod
    def query(cls, name: str, message: str) -> FieldProblem:
        return cls(name, message, Location.QUERY)

    @classmethod
    def path(cls, name: str, message: str) -> FieldProblem:
        return cls(name, message, Location.PATH)

    @classmethod
    def header(cls, name: str, message: str) -> FieldProblem:
        return cls(name, message, Location.HEADER)


@dataclass
class PMFError(Exception):
    detail: str
    problems: list[FieldProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return self.detail


class NotFound(PMFError):
    """The thing does not exist, or belongs to another organisation (which must look the same)."""


class PermissionDenied(PMFError):
    """The actor is known but may not do this, here."""


class NotAuthenticated(PMFError):
    """No credentials, or credentials that cannot be trusted."""


class MalformedRequest(PMFError):
    """The body cannot be read at all (not JSON where JSON was sent): nothing in it was looked at."""


class InvalidInput(PMFError):
    """The request is well-formed but breaks a rule; ``problems`` says which fields."""


class Conflict(PMFError):
    """The request clashes with the current state (a duplicate code, a record in use)."""


class UnsignedTemplate(Conflict):
    """A KPI's value is not published: the organisation requires its data quality template for the
    year to be signed first (seed 001_ec6bae7b38cacc6f.txt, B.1)."""


class PeriodClosed(Conflict):
    """The value's period is closed: only the performance team changes it, a published value through a
    revision with a reason, and the change is listed as a restatement (issue 13, item 2)."""


class RequestInProgress(Conflict):
    """The same request (by its Idempotency-Key) is still being processed: send it again shortly."""


class PreconditionFailed(PMFError):
    """The caller's copy is stale: someone else changed the record since it was read."""

    @classmethod
    def if_match(cls, detail: str) -> PreconditionFailed:
        """The request's ``If-Match`` names no current version: the problem points at that header."""
        return cls(detail=detail, problems=[FieldProblem.header("If-Match", detail)])


class PayloadTooLarge(PMFError):
    """The request body is bigger than the service accepts."""


EXCERPT_CHARS = 40


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """A value as a message may quote it: whole when short, else its start and its length (a bad value
    sent back in full could be as large as the request, and answered more than once)."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


def invalid(field_name: str, message: str, location: Location = Location.BODY) -> InvalidInput:
    """422 for one input: a body field unless ``location`` says it is a parameter or a header."""
    return InvalidInput(detail=message, problems=[FieldProblem(field_name, message, location)])


def field_problems(errors: Iterable[DomainError]) -> list[FieldProblem]:
    """The domain's broken rules as field problems (an error naming no field points at the body)."""
    return [FieldProblem(error.field or "", error.message) for error in errors]


def refuse(problems: list[FieldProblem], error: type[PMFError] = InvalidInput) -> None:
    """Raise ``error`` (InvalidInput unless said) listing ``problems``, when there are any."""
    if problems:
        raise error(detail="; ".join(p.message for p in problems), problems=problems)
