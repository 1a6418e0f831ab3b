"""Request and response shapes of as-reported snapshots."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pmf_api.platform.http.paging import PageParams
from pmf_api.platform.schemas import PeriodText
from pmf_api.reporting.document import ReportKind


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
    period: str
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

    kind: ReportKind = Field(
        description="quarterly_report (from a quarter's snapshot) or board_pack (from a month's or a quarter's)"
    )
    directorate_id: uuid.UUID | None = Field(None, description="A directorate's clinic pack (seed 004)")
    portfolio_id: uuid.UUID | None = Field(None, description="A portfolio holder's pack")
