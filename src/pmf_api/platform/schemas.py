"""Shared pieces of request and response schemas."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, ClassVar, get_args

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from pmf_api.domain.errors import DomainError
from pmf_api.domain.periods import FinancialYear, Period


def _decimal_to_json(value: Decimal) -> int | float:
    """A JSON number whose text is the decimal's own (Power BI and front ends want numbers, not strings)."""
    return int(value) if value == value.to_integral_value() else float(value)


# The columns' precision (platform.db.base: Numeric(24, 6)): 18 digits before the point, 6 after.
DECIMAL_TEXT_PATTERN = r"^-?[0-9]{1,18}(\.[0-9]{1,6})?$"
NUMBER_JSON_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "number", "multipleOf": 0.000001, "exclusiveMinimum": -(10**18), "exclusiveMaximum": 10**18},
        {"type": "string", "pattern": DECIMAL_TEXT_PATTERN},
    ],
    "description": "An exact decimal: at most 18 digits before the point and 6 after, as a JSON number or text",
}

# An exact decimal in, a JSON number out. Up to 6 decimal places, never NaN or infinity.
Number = Annotated[
    Decimal,
    Field(max_digits=24, decimal_places=6, allow_inf_nan=False),
    PlainSerializer(_decimal_to_json, return_type=float, when_used="json"),
    WithJsonSchema(NUMBER_JSON_SCHEMA, mode="validation"),
]


def _financial_year_pattern() -> str:
    """Years 1900/01 to 9998/99 (``pmf_api.domain.periods``), the second part the year after the first."""
    pairs = [f"{y:02d}/{(y + 1) % 100:02d}" for y in range(100)]
    return rf"(?:(?:19|[2-8][0-9]|9[0-8])(?:{'|'.join(pairs)})|99(?:{'|'.join(pairs[:-1])}))"


_YEAR = _financial_year_pattern()
FINANCIAL_YEAR_PATTERN = rf"^{_YEAR}$"
"""A financial year as the API writes it, e.g. ``2025/26``: exactly what the server reads."""
PERIOD_PATTERN = rf"^{_YEAR}(?: (?:P(?:[1-9]|1[0-2])|Q[1-4]))?$"
"""A month (``2025/26 P6``), quarter (``2025/26 Q2``) or year (``2025/26``) as the API writes it."""


def _canonical(parse: Any) -> Any:
    """A validator reading text with the domain's ``parse``: its message when it cannot, and the
    spelling the pattern names (``2025/26 P6``, not ``2025/26 p06``), so the spec and server agree."""

    def check(value: str) -> str:
        try:
            written = str(parse(value))
        except DomainError as exc:
            raise ValueError(exc.message) from None
        if written != value:
            raise ValueError(f"write it as {written}")
        return value

    return check


# The pattern is for the spec (and its readers' tools); the domain says what is wrong in words.
FinancialYearText = Annotated[
    str,
    AfterValidator(_canonical(FinancialYear.parse)),
    WithJsonSchema({"type": "string", "pattern": FINANCIAL_YEAR_PATTERN}, mode="validation"),
]
PeriodText = Annotated[
    str,
    AfterValidator(_canonical(Period.parse)),
    WithJsonSchema({"type": "string", "pattern": PERIOD_PATTERN}, mode="validation"),
]


def _iso_date(value: Any) -> Any:
    # Pydantic reads a number (or numeric text) as seconds since 1970: as_of=0 would be 1970-01-01.
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value.strip())):
        return value
    raise ValueError("a date is written YYYY-MM-DD, e.g. 2026-10-05")


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATE.match(value.strip()[:10])):
        return value
    raise ValueError("a time is written in ISO 8601 with its offset, e.g. 2026-10-05T09:00:00Z")


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
"""A date as ISO 8601 text only (``2026-10-05``), never a number of seconds."""
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_datetime)]
"""A time as ISO 8601 text only, never a number of seconds."""

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


NUL = "\x00"
NUL_MESSAGE = "may not contain the NUL character (U+0000)"


def has_nul(value: Any) -> bool:
    """Whether ``value`` (text, or text inside lists and mappings, keys included) holds U+0000."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(has_nul(item) for item in value)
    return False


class RefusesNul(BaseModel):
    """Text holding U+0000 is refused in every field (a 422 pointing at it), before it reaches the
    database: PostgreSQL cannot store it in text or JSON, and SQLite would keep it silently.

    Nested models check their own fields, so the pointer names the innermost field."""

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        if has_nul(value):
            raise PydanticCustomError("nul_character", NUL_MESSAGE)
        return value


class InputModel(RefusesNul):
    """Requests refuse unknown fields, so a typo is an error rather than silently ignored, and a yes/no
    field takes true or false only: 0, 1 or "yes" in a JSON body is a mistake to point at, not a
    guess to make (query parameters, read from text, still take "true" and "false")."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _flags_are_true_or_false(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and not isinstance(value, bool) and info.field_name in _flags(cls):
            raise PydanticCustomError("bool_type", "Input should be true or false")
        return value


@cache
def _flags(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` that hold a yes/no (``bool`` or ``bool | None``)."""
    return frozenset(
        name
        for name, field in model.model_fields.items()
        if field.annotation is bool or set(get_args(field.annotation)) == {bool, type(None)}
    )


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

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        # The spec says what the server accepts: `null` only for the fields in `nullable`.
        schema = handler.resolve_ref_schema(handler(core_schema))
        for name, prop in schema.get("properties", {}).items():
            if name in cls.nullable or "anyOf" not in prop:
                continue
            kept = [branch for branch in prop["anyOf"] if branch != {"type": "null"}]
            prop.pop("default", None)
            if len(kept) == 1:
                del prop["anyOf"]
                prop.update({k: v for k, v in kept[0].items() if k not in prop})
            else:
                prop["anyOf"] = kept
        return schema

    @field_validator("*", mode="after")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("may not be null; leave the field out to keep it as it is")
        return value


AREA_CODE_PATTERN = r"^[EWSN][0-9]{8}$"
# An ONS (GSS) area code: a letter for the nation and eight digits, e.g. E07000011 (a district council)
AreaCode = Annotated[
    str,
    StringConstraints(pattern=AREA_CODE_PATTERN),
    Field(description="An ONS area code, e.g. E07000011", examples=["E07000011"]),
]
