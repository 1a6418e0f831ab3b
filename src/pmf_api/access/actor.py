"""Who is asking: the actor every service call receives, and what its grants allow."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from pmf_api.domain.workflow import Role


class ScopeType(StrEnum):
    ORGANISATION = "organisation"
    DIRECTORATE = "directorate"
    SERVICE = "service"
    PORTFOLIO = "portfolio"


@dataclass(frozen=True)
class Grant:
    """A role held over part of the organisation (``scope_id`` is None at organisation scope)."""

    role: Role
    scope: ScopeType = ScopeType.ORGANISATION
    scope_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Placement:
    """Where a record sits in the organisation, for deciding whether a grant reaches it."""

    directorate_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    portfolio_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Actor:
    organisation_id: uuid.UUID
    subject: str
    name: str
    grants: tuple[Grant, ...]
    person_id: uuid.UUID | None = None
    request_id: str | None = None
    roles: frozenset[Role] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(g.role for g in self.grants))

    def holds(self, roles: set[Role] | frozenset[Role], where: Placement | None = None) -> bool:
        """Whether the actor holds one of ``roles`` over ``where`` (None means organisation-wide)."""
        return any(g.role in roles and reaches(g, where) for g in self.grants)

    def roles_over(self, where: Placement | None) -> frozenset[Role]:
        """The roles whose scope reaches ``where``: what a workflow may let this actor do there."""
        return frozenset(g.role for g in self.grants if reaches(g, where))


def reaches(grant: Grant, where: Placement | None) -> bool:
    if grant.scope is ScopeType.ORGANISATION:
        return True
    if where is None:
        return False
    match grant.scope:
        case ScopeType.DIRECTORATE:
            return where.directorate_id is not None and where.directorate_id == grant.scope_id
        case ScopeType.SERVICE:
            return where.service_id is not None and where.service_id == grant.scope_id
        case ScopeType.PORTFOLIO:
            return where.portfolio_id is not None and where.portfolio_id == grant.scope_id
    return False
