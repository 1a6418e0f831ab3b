"""Declarative base, naming convention and portable column types shared by every model."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, MetaData, Numeric, String, TypeDecorator, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

PortableJSON = JSON().with_variant(JSONB(), "postgresql")

# Measured values and targets carry up to six decimal places: enough for any rate a council reports.
DECIMAL_SCALE = 6
# Numbers are stored as NUMERIC(24, 6): every magnitude below this fits.
LARGEST_STORED = Decimal(10) ** (24 - DECIMAL_SCALE)
_QUANTUM = Decimal(1).scaleb(-DECIMAL_SCALE)


def normalise_decimal(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation (100, not 1E+2)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


class ExactDecimal(TypeDecorator[Decimal]):
    """An exact decimal on every database.

    PostgreSQL stores ``NUMERIC(24, 6)``. SQLite has no decimal type and would round-trip
    through a binary float, so there the value is stored as its canonical text; both
    databases therefore give back exactly what was written.
    """

    impl = Numeric(24, DECIMAL_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(24, DECIMAL_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        quantised = Decimal(value).quantize(_QUANTUM)
        return str(quantised) if dialect.name == "sqlite" else quantised

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return normalise_decimal(Decimal(str(value)))


# Types a column value is given to JSON as it is (checked by exact type first: the commonest case).
JSON_AS_IS = frozenset({str, int, float, bool, list, dict, type(None)})


def json_value(value: Any) -> Any:
    """A column value as JSON data: decimals, ids and dates as text (decimals without trailing zeros)."""
    if type(value) in JSON_AS_IS or isinstance(value, str | int | float | list | dict):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(normalise_decimal(value))
    return str(value)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        """What a keyset cursor decodes its last value to (a page sorted by ``updated_at``)."""
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC datetime is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        Decimal: ExactDecimal(),
        dict[str, Any]: PortableJSON,
        list[str]: PortableJSON,
        list[dict[str, Any]]: PortableJSON,
    }


class Entity(Base):
    """Columns every editable record has: id, owning organisation, timestamps and a version.

    ``version`` drives optimistic concurrency: it is the ETag on reads and SQLAlchemy refuses
    an UPDATE whose row has moved on since it was read.
    """

    __abstract__ = True

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


class OrganisationOwned(Entity):
    """An entity inside one council's data: every query filters on ``organisation_id``."""

    __abstract__ = True

    @declared_attr
    def organisation_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)


class Archivable:
    """Records that have data are archived rather than deleted."""

    archived_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
