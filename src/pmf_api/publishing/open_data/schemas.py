"""The open data's JSON: councils, KPIs and published values, each answer carrying its licence."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pmf_api.platform.schemas import Number
from pmf_api.publishing.open_data.service import LICENCE_NAME, LICENCE_URL

_COUNCIL: dict[str, Any] = {"code": "NORTHDALE", "name": "Northdale District Council"}
_LICENCE: dict[str, Any] = {
    "name": LICENCE_NAME,
    "url": LICENCE_URL,
    "attribution": "Contains public sector information published by Northdale District Council, "
    f"licensed under the {LICENCE_NAME}.",
}
_KPI: dict[str, Any] = {
    "code": "ENV01",
    "title": "Household waste recycled",
    "definition": "Tonnes reused, recycled or composted over tonnes collected",
    "why_it_matters": None,
    "unit": "percentage",
    "polarity": "higher_is_better",
    "frequency": "monthly",
    "decimal_places": 1,
    "statutory": True,
    "source": "WasteDataFlow",
}
_VALUE: dict[str, Any] = {
    "kpi_code": "ENV01",
    "kpi_title": "Household waste recycled",
    "unit": "percentage",
    "period": "2026/27 P6",
    "financial_year": "2026/27",
    "period_end": "2026-09-30",
    "value": 52.2,
    "numerator": 412,
    "denominator": 789.3,
    "revision": 1,
    "published_at": "2026-10-15T12:00:00Z",
    "commentary": None,
    "target": 50,
    "judged_value": 52.2,
    "rag": "green",
    "rag_text": "Green: on or better than target",
}


class Licence(BaseModel):
    name: str
    url: str
    attribution: str = Field(description="The statement the licence asks re-users to give")


class Council(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(description="Names the council in the open-data paths")
    name: str


class OpenCouncil(Council):
    kpis: str = Field(description="Path of its public KPIs")
    values_json: str
    values_csv: str
    page: str = Field(description="Its open-data page for people")


class CouncilList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "councils": [
                        {
                            **_COUNCIL,
                            "kpis": "/api/v1/open-data/NORTHDALE/kpis",
                            "values_json": "/api/v1/open-data/NORTHDALE/values.json",
                            "values_csv": "/api/v1/open-data/NORTHDALE/values.csv",
                            "page": "/open-data/NORTHDALE",
                        }
                    ],
                    "licence": {**_LICENCE, "attribution": f"Licensed under the {LICENCE_NAME}."},
                }
            ]
        }
    )

    councils: list[OpenCouncil] = Field(description="Every council that publishes (a handful: not paged)")
    licence: Licence


class OpenKpi(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    title: str
    definition: str | None
    why_it_matters: str | None
    unit: str
    polarity: str
    frequency: str
    decimal_places: int
    statutory: bool
    source: str | None


class OpenValue(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kpi_code: str
    kpi_title: str
    unit: str
    period: str
    financial_year: str
    period_end: date
    value: Number | None
    numerator: Number | None
    denominator: Number | None
    revision: int = Field(description="Which publication of the period's value this is (1, then 2 if revised)")
    published_at: datetime
    commentary: str | None = Field(description="Only where the council chose to publish it")
    target: Number | None = Field(
        description="The approved target the value was judged against (year to date for a KPI that adds up)"
    )
    judged_value: Number | None = Field(
        description="The figure compared with the target: the value, or the year to date of the published values"
    )
    rag: Literal["green", "amber", "red"] | None = Field(description="Null without an approved target")
    rag_text: str = Field(description="The status in words, e.g. 'Green: on or better than target'")


class KpiList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"council": _COUNCIL, "kpis": [_KPI], "licence": _LICENCE}]}
    )

    council: Council
    kpis: list[OpenKpi] = Field(description="Every public KPI of the council, whole (not paged)")
    licence: Licence


class ValueList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "council": _COUNCIL,
                    "last_published_at": "2026-10-15T12:00:00Z",
                    "values": [_VALUE],
                    "licence": _LICENCE,
                }
            ]
        }
    )

    council: Council
    last_published_at: datetime | None
    values: list[OpenValue] = Field(description="The council's published values, whole (the CSV's rows)")
    licence: Licence


class KpiValues(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"council": _COUNCIL, "kpi": _KPI, "values": [_VALUE], "licence": _LICENCE}]}
    )

    council: Council
    kpi: OpenKpi
    values: list[OpenValue]
    licence: Licence
