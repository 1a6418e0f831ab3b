"""The scorecard's parameters and its pages: ``{items, next_cursor}`` with the period's context.

A scorecard is evaluated whole and kept (``service.SCORECARDS``) until its data changes; its pages
are slices of that kept result, so paging through it never evaluates a KPI twice. Items are ordered
by KPI code; the cursor names the last KPI of the page (its code and id), so a page boundary stays
put when KPIs are added or archived between requests.
"""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from pmf_api.domain import Frequency, Rag
from pmf_api.domain.reporting import ValueState
from pmf_api.performance.status.schemas import STATUS_EXAMPLE, KpiStatusItem, kept_status_item
from pmf_api.performance.status.service import KpiStatus, Scorecard, ScorecardFilters
from pmf_api.platform.db.pages import page_of_list
from pmf_api.platform.schemas import PeriodText

SCORECARD_FILTERS = {field.name for field in fields(ScorecardFilters)}
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class NotEvaluatedKpi(BaseModel):
    kpi_id: uuid.UUID
    kpi_code: str
    kpi_title: str
    reason: str = Field(description="Why the rules cannot judge its stored data (the domain's message)")


class ScorecardPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "period": "2025/26 P3",
                    "as_of": "2026-11-22",
                    "total": 1,
                    "not_evaluated": [],
                    "items": [STATUS_EXAMPLE],
                    "next_cursor": None,
                }
            ]
        }
    )

    period: str = Field(description="The period asked for, or the latest month that has ended")
    as_of: date = Field(description="The date the status was worked out on (decides what is due)")
    total: int = Field(description="KPIs on the whole scorecard (every page), after the filters")
    not_evaluated: list[NotEvaluatedKpi] = Field(
        default=[],
        description="KPIs passing the filters whose stored data the rules cannot judge (e.g. a target "
        "profile of the wrong length written outside the API), with the reason; empty normally. The same "
        "on every page",
    )
    items: list[KpiStatusItem] = Field(description="This page's KPIs, by KPI code")
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page"
    )


class ScorecardParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: PeriodText | None = Field(
        default=None,
        description="e.g. 2025/26 P6. Monthly KPIs report that month, quarterly KPIs the quarter containing "
        "it, annual KPIs the year; a quarter (2025/26 Q2) gives monthly KPIs its last month. Default: each "
        "KPI's latest period that has ended.",
        examples=["2025/26 P6"],
    )
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = None
    portfolio_id: uuid.UUID | None = None
    priority_id: uuid.UUID | None = None
    outcome_id: uuid.UUID | None = None
    statutory: bool | None = None
    frequency: Frequency | None = None
    rag: Rag | None = Field(
        default=None,
        description="Only KPIs of this RAG (after evaluation); `missing` never includes values awaiting validation",
    )
    value_state: ValueState | None = Field(
        default=None, description="Only KPIs whose value is in this state, e.g. `awaiting_validation`"
    )
    cursor: str | None = Field(default=None, description="Opaque cursor from the previous page's `next_cursor`")
    limit: int = Field(
        default=DEFAULT_LIMIT,
        ge=1,
        le=MAX_LIMIT,
        description=f"KPIs per page (1-{MAX_LIMIT}, default {DEFAULT_LIMIT}, as every list); follow `next_cursor` "
        "(or the `Link` header) for the rest",
    )

    def filters(self) -> ScorecardFilters:
        return ScorecardFilters(**self.model_dump(include=SCORECARD_FILTERS))


def _key(item: KpiStatus) -> str:
    """A KPI's place on the scorecard, ordered as the scorecard is: by code, then id."""
    return f"{item.kpi.code}\x00{item.kpi.id}"


def scorecard_page(result: Scorecard, cursor: str | None, limit: int) -> ScorecardPage:
    """One page of a (kept) scorecard."""
    page = page_of_list(result.items, _key, order="scorecard", cursor=cursor, limit=limit)
    return ScorecardPage.model_construct(
        period=str(result.period),
        as_of=result.as_of,
        total=len(result.items),
        not_evaluated=[
            NotEvaluatedKpi(kpi_id=n.kpi_id, kpi_code=n.code, kpi_title=n.title, reason=n.reason)
            for n in result.not_evaluated
        ],
        items=[kept_status_item(item) for item in page.items],
        next_cursor=page.next_cursor,
    )
