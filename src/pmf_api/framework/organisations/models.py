"""The council and its structure: directorates contain services; portfolios group services."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import Archivable, Entity, OrganisationOwned


class Organisation(Entity):
    __tablename__ = "organisation"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Most councils start the financial year in April; kept per organisation so periods follow it.
    financial_year_start_month: Mapped[int] = mapped_column(default=4, server_default="4")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Its ONS area code (E07000011 for a district), by which published benchmarks name it.
    area_code: Mapped[str | None] = mapped_column(String(9), default=None)


class Directorate(OrganisationOwned, Archivable):
    __tablename__ = "directorate"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    director_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL", use_alter=True), default=None
    )


class Portfolio(OrganisationOwned, Archivable):
    """A cabinet member's remit."""

    __tablename__ = "portfolio"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    holder_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL", use_alter=True), default=None
    )


class Service(OrganisationOwned, Archivable):
    __tablename__ = "service"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    directorate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("directorate.id"), index=True)
    portfolio_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("portfolio.id"), default=None, index=True)
    head_of_service_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL", use_alter=True), default=None
    )


class Person(OrganisationOwned, Archivable):
    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("organisation_id", "email"),)

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    job_title: Mapped[str | None] = mapped_column(String(200), default=None)
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service.id"), default=None, index=True)
