"""API keys: a machine client's credential, scoped like a person's grant."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.db.base import OrganisationOwned


class ApiKey(OrganisationOwned):
    """Only the SHA-256 of the key is stored; the key itself is shown once, when it is created.

    ``prefix`` (the key's first characters) finds the row and lets people tell keys apart in a
    list without revealing them.
    """

    __tablename__ = "api_key"

    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(20), default="organisation")
    scope_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    created_by: Mapped[str] = mapped_column(String(200))
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by: Mapped[str | None] = mapped_column(String(200), default=None)
