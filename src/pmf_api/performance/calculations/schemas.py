"""Request and response shapes for a calculated KPI's formula."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from pmf_api.domain.formula import MAX_FORMULA_LENGTH, MissingInput, ZeroDivisor
from pmf_api.domain.kpi import Unit
from pmf_api.platform.schemas import InputModel

FORMULA_DESCRIPTION = (
    "Over other KPIs' values for the same period: numbers, KPIs by code in braces (`{HS-01}`), `+ - * /`, "
    "parentheses and `sum(...)`, `avg(...)`, `min(...)`, `max(...)`; a weighted average is written out, "
    "e.g. `({A} * 2 + {B}) / 3`. Never evaluated as code."
)


class KpiFormulaSet(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"formula": "{WS-01} / ({WS-01} + {WS-02}) * 100", "on_missing_input": "missing",
                 "on_zero_divisor": "missing"}
            ]
        }
    )  # fmt: skip

    formula: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_FORMULA_LENGTH)] = (
        Field(description=FORMULA_DESCRIPTION)
    )
    on_missing_input: MissingInput = Field(
        default=MissingInput.MISSING,
        description="An input with no value for the period: `missing` (no calculated value), `zero` (counts as "
        "0) or `skip` (left out of sum/avg/min/max; elsewhere the value is missing)",
    )
    on_zero_divisor: ZeroDivisor | None = Field(
        default=None,
        description="Required when the formula divides by an input: `missing` (no value) or `zero` (the value is "
        "0) when that input is zero",
    )


class FormulaInput(BaseModel):
    kpi_id: uuid.UUID
    kpi_code: str


class KpiFormula(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kpi_id": "0b7e5b1c-0000-4000-8000-000000000009",
                    "kpi_code": "WS-03",
                    "kpi_title": "Household waste recycled",
                    "unit": "percentage",
                    "calculated": True,
                    "formula": "{WS-01} / ({WS-01} + {WS-02}) * 100",
                    "inputs": [
                        {"kpi_id": "0b7e5b1c-0000-4000-8000-000000000007", "kpi_code": "WS-01"},
                        {"kpi_id": "0b7e5b1c-0000-4000-8000-000000000008", "kpi_code": "WS-02"},
                    ],
                    "on_missing_input": "missing",
                    "on_zero_divisor": "missing",
                    "periods_recomputed": 0,
                }
            ]
        }
    )

    kpi_id: uuid.UUID
    kpi_code: str
    kpi_title: str
    unit: Unit
    calculated: bool = Field(description="Whether the KPI's values are calculated (else they are entered)")
    formula: str | None = Field(description="The formula in its canonical form; null for a KPI entered by hand")
    inputs: list[FormulaInput] = Field(description="The KPIs the formula uses, in order of first use")
    on_missing_input: MissingInput | None
    on_zero_divisor: ZeroDivisor | None
    periods_recomputed: int = Field(
        default=0, description="When the formula was just set: how many periods' values it changed"
    )
