"""The report document: what every format of a report is rendered from.

A report is built from one snapshot (``reporting.snapshots``) and a filter (a directorate's clinic
pack, a portfolio holder's pack); the same snapshot and filter always give the same document, and
HTML, PDF, XLSX, CSV and JSON are renderings of it. Figures are strings as the council shows them
(at each KPI's decimal places); RAG is always given in words beside its colour name, never by
colour alone. ``history`` carries plain floats for charts only.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

ReportKind = Literal["quarterly_report", "board_pack"]
RagWord = Literal["green", "amber", "red", "missing", "not_rated"]


class RagCounts(BaseModel):
    """How many of a group's KPIs (or actions) are of each RAG."""

    label: str = Field(description="The group: a priority's, directorate's or service's name, or 'Council'")
    green: int = 0
    amber: int = 0
    red: int = 0
    missing: int = 0
    not_rated: int = Field(0, description="Not rated: awaiting validation, not yet due or without a target")

    @property
    def total(self) -> int:
        return self.green + self.amber + self.red + self.missing + self.not_rated


class HistoryPoint(BaseModel):
    """One period of a KPI's trend chart."""

    period: str = Field(description="The period's label, e.g. '2026/27 P5'")
    period_end: date
    value: float | None = Field(description="The counted value; null where none was counted")
    target: float | None = None


class ReportKpi(BaseModel):
    """A KPI as reported for the snapshot's period."""

    kpi_id: uuid.UUID
    code: str
    title: str
    unit: str
    polarity: str
    frequency: str
    period: str = Field(description="The period of the KPI's own frequency that this report shows")
    service: str | None = None
    directorate: str | None = None
    portfolio: str | None = None
    priority: str | None = None
    outcome: str | None = None
    owner: str | None = None
    value: str | None = Field(description="At the KPI's decimal places, with its unit where it has one")
    target: str | None = None
    intervention_level: str | None = None
    rag: RagWord
    rag_text: str = Field(description="The RAG in words: 'Green: on or better than target'")
    ytd_value: str | None = None
    ytd_target: str | None = None
    ytd_rag: RagWord | None = None
    direction_against_previous: str | None = None
    direction_against_last_year: str | None = None
    variation: str | None = Field(None, description="SPC variation icon as words, e.g. 'special cause: concern'")
    assurance: str | None = Field(None, description="SPC assurance icon as words, e.g. 'hit and miss'")
    forecast_outturn: str | None = None
    forecast_rag: RagWord | None = None
    needs_intervention: bool = False
    value_state: str = Field(description="counted, awaiting_validation, missing or not_yet_due")
    submission_state: str | None = None
    queried: bool = Field(False, description="The value has an open query")
    flags: list[str] = []
    commentary: str | None = Field(None, description="The owner's commentary on the period")
    history: list[HistoryPoint] = Field(default=[], description="Up to 36 periods, oldest first, for the chart")
    process_mean: float | None = None
    lower_process_limit: float | None = None
    upper_process_limit: float | None = None
    chart_alt: str = Field(description="The trend chart's text alternative, in words")
    # Its headline position among its comparators (seed 003_2a403038ecab8362.txt), when benchmarked
    benchmark: str | None = Field(None, description="e.g. '2nd of 16 nearest neighbours, top quartile'")
    benchmark_period: str | None = None
    benchmark_rank: int | None = None
    benchmark_compared: int | None = None
    benchmark_quartile: int | None = None
    benchmark_median: str | None = None
    benchmark_best_quartile: str | None = None
    benchmark_distance_to_best_quartile: str | None = None


class ReportMilestone(BaseModel):
    title: str
    due_date: date | None = None
    state: str
    late: bool = False


class ReportAction(BaseModel):
    """An action with its quarterly update (seed 001: Do, Enable, Influence reported apart)."""

    action_id: uuid.UUID
    reference: str | None = None
    title: str
    category: Literal["do", "enable", "influence"] | None = None
    service: str | None = None
    directorate: str | None = None
    priority: str | None = None
    outcome: str | None = None
    rag: RagWord
    rag_text: str
    progress: int | None = Field(None, description="Per cent complete at the update")
    status: str | None = None
    commentary: str | None = None
    update_state: str | None = Field(None, description="The quarter's update: submitted, accepted, ... or null")
    milestones: list[ReportMilestone] = []


class ReportIntervention(BaseModel):
    intervention_id: uuid.UUID
    kpi_code: str
    kpi_title: str
    state: str
    opened_on: date | None = None
    summary: str | None = None


class ReportRisk(BaseModel):
    risk_id: uuid.UUID
    reference: str | None = None
    title: str
    register_name: str = Field(description="strategic or operational")
    owner: str | None = None
    residual_score: int | None = None
    rag: RagWord
    rag_text: str
    trend: str | None = None
    next_review: date | None = None
    review_overdue: bool = False


class ReportContextual(BaseModel):
    kpi_id: uuid.UUID
    code: str
    title: str
    outcome: str | None = None
    period: str | None = None
    value: str | None = None
    direction: str | None = Field(None, description="improving, worsening, unchanged or not_comparable")
    source: str | None = None


class ReportChallenge(BaseModel):
    challenge_id: uuid.UUID
    subject: str = Field(description="What was challenged, in words: 'KPI WAS-01 Household waste recycled'")
    raised_by: str | None = None
    meeting: str | None = None
    raised_on: date | None = None
    state: str
    questions: list[ReportQuestion] = []


class ReportQuestion(BaseModel):
    question: str
    answer: str | None = None
    answered_by: str | None = None
    state: str


class ReportRestatement(BaseModel):
    """'Reported 45.2% Green on 15 July; restated 44.1% Amber on 2 September: source system corrected.'"""

    kpi_id: uuid.UUID
    kpi_code: str
    kpi_title: str
    period: str
    reported_value: str | None
    reported_rag: RagWord | None
    reported_on: date | None
    restated_value: str | None
    restated_rag: RagWord | None
    restated_on: date
    reason: str
    sentence: str = Field(description="The whole restatement in one plain-English sentence")


class FinanceRow(BaseModel):
    """Budget monitoring for a service (or a directorate's or the council's total), seed 003."""

    label: str
    budget: str | None = None
    actual_to_date: str | None = None
    forecast_outturn: str | None = None
    variance: str | None = None
    variance_percent: str | None = None
    variance_rag: RagWord | None = None
    variance_rag_text: str | None = None
    complaints: int | None = None


class ReportOutcome(BaseModel):
    outcome_id: uuid.UUID | None = Field(description="Null for the KPIs and actions linked to no outcome")
    title: str
    kpis: list[ReportKpi] = []
    actions: list[ReportAction] = []
    contextual: list[ReportContextual] = []


class ReportPriority(BaseModel):
    priority_id: uuid.UUID | None = Field(description="Null for the group of what is linked to no priority")
    title: str
    counts: RagCounts
    outcomes: list[ReportOutcome] = []


class ReportDocument(BaseModel):
    """One report, as every format renders it."""

    kind: ReportKind
    council: str
    title: str = Field(description="e.g. 'Corporate Performance Report: Q2 2026/27'")
    period: str
    period_start: date
    period_end: date
    snapshot_id: uuid.UUID
    frozen_at: datetime
    frozen_by: str | None = None
    scope: str = Field("Whole council", description="The filter in words: 'Directorate: Place'")
    highlights: list[str] = Field(default=[], description="Plain-English sentences: what went well")
    exceptions: list[str] = Field(default=[], description="Plain-English sentences: what needs attention")
    priorities: list[ReportPriority] = []
    counts_by_priority: list[RagCounts] = []
    counts_by_directorate: list[RagCounts] = []
    action_counts: list[RagCounts] = Field(default=[], description="Do, Enable and Influence apart")
    interventions: list[ReportIntervention] = []
    risks: list[ReportRisk] = []
    challenges: list[ReportChallenge] = []
    restatements: list[ReportRestatement] = []
    finance: list[FinanceRow] = []
    needing_intervention: list[ReportKpi] = Field(default=[], description="Board pack: KPIs needing intervention")
    missing_values: list[ReportKpi] = Field(default=[], description="Board pack: values missing")
    queried_values: list[ReportKpi] = Field(default=[], description="Board pack: values queried")
    unvalidated_at_close: list[str] = Field(
        default=[], description="KPIs whose values were not validated when the period closed, with the reason"
    )

    def all_kpis(self) -> list[ReportKpi]:
        return [kpi for priority in self.priorities for outcome in priority.outcomes for kpi in outcome.kpis]


ReportChallenge.model_rebuild()
