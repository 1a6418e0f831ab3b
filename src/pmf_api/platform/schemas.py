"""Shared pieces of request and response schemas."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from pmf_api.domain.errors import DomainError
from pmf_api.domain.periods import FinancialYear


def _decimal_to_json(value: Decimal) -> int | float:
    """A JSON number whose text is the decimal's own (Power BI and front ends want numbers, not strings)."""
    return int(value) if value == value.to_integral_value() else float(value)


# An exact decimal in, a JSON number out. Up to 6 decimal places, never NaN or infinity.
Number = Annotated[
    Decimal,
    Field(max_digits=24, decimal_places=6, allow_inf_nan=False),
    PlainSerializer(_decimal_to_json, return_type=float, when_used="json"),
]

Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
]
# Names fit every name and title column (the shortest is 200 characters).
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]


def parse_financial_year(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("a financial year is text like '2025/26'")
    try:
        return str(FinancialYear.parse(value))
    except DomainError as exc:
        raise ValueError(exc.message) from None


class FinancialYearField(BaseModel):
    """Mixin validating a ``financial_year`` field such as ``2025/26``."""

    @field_validator("financial_year", mode="before", check_fields=False)
    @classmethod
    def _financial_year(cls, value: Any) -> str:
        return parse_financial_year(value)


class InputModel(BaseModel):
    """Requests refuse unknown fields, so a typo is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Increments on every change; the ETag carries it")


class ArchivableOutput(OutputModel):
    archived_at: datetime | None = None


class UpdateModel(InputModel):
    """A partial update: send only what changes. ``null`` clears a field only where it may be empty."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("may not be null; leave the field out to keep it as it is")
        return value
