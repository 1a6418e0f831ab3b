"""Request and response shapes of as-reported snapshots."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pmf_api.platform.http.paging import PageParams
from pmf_api.platform.schemas import PeriodText
from pmf_api.reporting.document import ReportDocument, ReportKind


class SnapshotCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: PeriodText = Field(
        description="A quarter ('2026/27 Q2', for the Corporate Performance Report) or a month ('2026/27 P5', "
        "for the board pack) that has ended",
        examples=["2026/27 Q2"],
    )


class SnapshotSummary(BaseModel):
    """A snapshot's metadata: which period, frozen by whom and when, and its content's hash."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    period: str = Field(examples=["2026/27 Q2"])
    frequency: Literal["monthly", "quarterly"]
    period_start: date
    period_end: date
    frozen_at: datetime
    frozen_by: str = Field(description="The subject of whoever froze it")
    frozen_by_name: str
    content_hash: str = Field(description="SHA-256 of the content's canonical JSON (keys sorted, no spaces)")


class Snapshot(SnapshotSummary):
    content: dict[str, Any] = Field(
        description="Everything the reports of the period show, as frozen: each KPI's status (as `GET "
        "/kpis/{id}/status` gave it) with its names, commentary and trend, actions with the quarter's "
        "updates, open risks, open KPI Intervention Forms, the quarter's scrutiny challenges, and contextual "
        "measures' latest values"
    )


class SnapshotList(PageParams):
    frequency: Literal["monthly", "quarterly"] | None = Field(
        None, description="Only months' (board pack) or quarters' (report) snapshots"
    )


class ReportParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ReportKind | None = Field(
        None,
        description="quarterly_report (from a quarter's snapshot) or board_pack (from a month's or a quarter's); "
        "default: the quarterly report of a quarter's snapshot, the board pack of a month's",
    )
    directorate_id: uuid.UUID | None = Field(None, description="A directorate's clinic pack (seed 004)")
    portfolio_id: uuid.UUID | None = Field(None, description="A portfolio holder's pack")


class ReportJson(ReportDocument):
    """The report document (``reporting.document``) as the JSON route documents it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "quarterly_report",
                    "council": "Northdale District Council",
                    "title": "Corporate Performance Report: Q2 2026/27",
                    "period": "2026/27 Q2",
                    "period_start": "2026-07-01",
                    "period_end": "2026-09-30",
                    "snapshot_id": "0b7e5b1c-0000-4000-8000-000000000077",
                    "frozen_at": "2026-10-20T09:30:00Z",
                    "frozen_by": "Pat Performance",
                    "scope": "Whole council",
                    "highlights": ["20 of 27 KPIs are Green (on or better than target)."],
                    "exceptions": ["1 of 27 KPIs is Red: WAS-01 Household waste recycled (41.2%, target 50.0%)."],
                }
            ]
        }
    )
