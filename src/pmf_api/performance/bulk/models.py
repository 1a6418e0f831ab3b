"""What a bulk push answered, kept for a day under its ``Idempotency-Key`` so a retry replays it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import Base, utcnow


class IdempotencyRecord(Base):
    """One request made under an ``Idempotency-Key`` in one organisation, and its answer."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("organisation_id", "key"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    # SHA-256 of what was asked (flags, format and payload): the same key with another request is refused
    request_hash: Mapped[str] = mapped_column(String(64))
    refused: Mapped[bool] = mapped_column(default=False)
    response: Mapped[dict[str, Any]] = mapped_column()
    actor_subject: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
