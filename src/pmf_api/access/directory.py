"""What access needs to know of the council's structure, asked through a port the app wires.

Grants and API keys are scoped to a directorate, service or portfolio, and tokens may speak for a
person; those records belong to the council's framework (``pmf_api.framework.organisations``),
which sits above this layer. Access asks this protocol instead of importing it, and ``create_app``
gives the framework's implementation (``app.state.directory``).
"""

from __future__ import annotations

import uuid
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import ScopeType


class Directory(Protocol):
    async def scope_id_of(
        self, session: AsyncSession, organisation_id: uuid.UUID, scope: ScopeType, code: str
    ) -> uuid.UUID | None:
        """The id of the directorate, service or portfolio with ``code`` in the organisation, or None."""
        ...

    async def scope_exists(
        self, session: AsyncSession, organisation_id: uuid.UUID, scope: ScopeType, scope_id: uuid.UUID
    ) -> bool:
        """Whether ``scope_id`` names a directorate, service or portfolio (as ``scope`` says) of the organisation."""
        ...

    async def person_is_current(self, session: AsyncSession, organisation_id: uuid.UUID, person_id: uuid.UUID) -> bool:
        """Whether ``person_id`` names a person of the organisation who is not archived (tokens speak
        for people; an archived person's tokens are refused)."""
        ...
