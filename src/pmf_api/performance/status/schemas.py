"""Response shapes of KPI status and the scorecard: flat enough for Power BI.

Each item is one KPI in one period. The fields a dashboard filters and colours by (``rag``,
``forecast_rag``, ``variation``, ``assurance``, ``needs_intervention``, ``review_category``,
``submission_state``, ``missing``) sit at the top level; the detail behind them (forecast interval,
SPC limits, reasons, flags) is nested. Figures are JSON numbers rounded to 6 decimal places;
``display`` gives the main ones as strings at the KPI's ``decimal_places``, rounded half up as the
RAG rounds them before comparing: what a client shows is what was judged.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, overload

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from pmf_api.domain import Assurance, Direction, ForecastMethod, Frequency, Rag, ReviewCategory, Variation
from pmf_api.domain.rag import round_half_up
from pmf_api.domain.reporting import ValueState
from pmf_api.domain.spc import SpecialCause
from pmf_api.domain.workflow import InterventionState, SubmissionState
from pmf_api.performance.benchmarks.schemas import BenchmarkHeadline
from pmf_api.performance.status.service import KpiStatus
from pmf_api.performance.submissions.schemas import Flag
from pmf_api.platform.cache import Kept
from pmf_api.platform.schemas import Number, PeriodText

_SIX_PLACES = Decimal("0.000001")


@overload
def figure(value: Decimal) -> Decimal: ...
@overload
def figure(value: Decimal | None) -> Decimal | None: ...
def figure(value: Decimal | None) -> Decimal | None:
    """A computed figure (a ratio, a forecast, a limit) rounded to the 6 places a Number carries."""
    return None if value is None else value.quantize(_SIX_PLACES, rounding=ROUND_HALF_UP)


def shown(value: Decimal | None, decimal_places: int) -> str | None:
    """``value`` as the council shows it: at ``decimal_places``, half up, as the RAG compares it."""
    return None if value is None else format(round_half_up(value, decimal_places), "f")


class Forecast(BaseModel):
    method: ForecastMethod = Field(description="actual (at year end), run_rate, seasonal_profile or trend")
    outturn: Number = Field(description="The computed year-end outturn")
    lower: Number | None = Field(description="Lower end of the 80% interval")
    upper: Number | None = Field(description="Upper end of the 80% interval")
    rag: Rag | None = Field(description="The outturn's RAG against the annual target")
    owner_forecast: Number | None = Field(description="The owner's year-end forecast with the period's value")
    owner_outside_interval: bool = Field(description="The owner's forecast lies outside the 80% interval")
    explanation: str


class Spc(BaseModel):
    """XmR chart of the counted values (NHS "Making Data Count"); icons need 12 points."""

    points: int = Field(description="Counted values on the chart")
    mean: Number = Field(description="Centre line of the latest phase")
    lower_process_limit: Number
    upper_process_limit: Number
    special_causes: list[SpecialCause] = Field(description="Special-cause signals at the latest point")
    sufficient_data: bool
    notes: list[str]


class Escalation(BaseModel):
    needs_intervention: bool = Field(description="A KPI Intervention Form is recommended (seed 001, Appendix F)")
    reasons: list[str]
    review_category: ReviewCategory = Field(
        description="exception, highlight or none (seed 002); a KPI with an open intervention is an exception"
    )
    review_reasons: list[str]
    may_close: bool | None = Field(
        default=None,
        description="With an open intervention: whether the KPI is back within tolerance by the closing rule "
        "(docs/rules.md, section 7); null without one",
    )
    close_reasons: list[str] = Field(default=[], description="Why it may or may not close yet")


class OpenIntervention(BaseModel):
    """The KPI's open KPI Intervention Form (``GET /interventions/{id}``)."""

    id: uuid.UUID
    state: InterventionState = Field(description="Its stage: draft, submitted, or the approvals given so far")
    period: str = Field(description="The month it was opened for")
    opened_on: date


VALUE_STATE_DESCRIPTION = (
    "`counted` (validated or published: rated), `awaiting_validation` (submitted, queried or resubmitted: "
    "not rated yet, so `rag` is null), `missing` (not submitted and `missing_from` has come: `rag` is "
    "`missing` when there is a target) or `not_yet_due` (not submitted, before `missing_from`)"
)
DUE_ON_DESCRIPTION = (
    "The collection due date: values are due by the end of this day, the organisation's "
    "`due_working_days` working days after the period ends (the same date as the collection task's `due_on`)"
)
MISSING_FROM_DESCRIPTION = (
    "The first day on which a value not submitted counts as Missing: 15 calendar days after the period "
    "ends have passed (docs/rules.md, Due dates)"
)


class Completeness(BaseModel):
    submission_id: uuid.UUID | None = None
    state: SubmissionState | None = Field(description="The period's submission state; null when none was started")
    revision: int | None = None
    submitted: bool = Field(description="Sent to the performance team (any state after draft)")
    counted: bool = Field(description="Validated or published, so it counts for RAG and forecasts")
    value_state: ValueState = Field(description=VALUE_STATE_DESCRIPTION)
    due_on: date = Field(description=DUE_ON_DESCRIPTION)
    missing_from: date = Field(description=MISSING_FROM_DESCRIPTION)
    missing: bool = Field(description="`missing_from` has come and nothing is submitted")


class Display(BaseModel):
    """Figures as the council shows them: strings at the KPI's ``decimal_places``, rounded half up
    (0.05 -> 0.1), trailing zeros kept. RAG compares exactly these: ``value`` (``ytd_value`` when
    ``rag_basis`` is ``ytd``) against ``target`` and ``intervention_level`` (docs/rules.md, section 2)."""

    value: str | None = Field(description="`value` at the KPI's decimal places", examples=["87.4"])
    target: str | None = Field(description="The target RAG judged against (YTD or the period's)", examples=["85.0"])
    intervention_level: str | None
    ytd_value: str | None
    ytd_target: str | None
    annual_target: str | None


STATUS_EXAMPLE: JsonDict = {
    "kpi_id": "0b7e5b1c-0000-4000-8000-000000000009",
    "kpi_code": "WAS-01",
    "kpi_title": "Household waste recycled",
    "unit": "percentage",
    "polarity": "higher_is_better",
    "frequency": "monthly",
    "aggregation": "ratio",
    "decimal_places": 1,
    "statutory": False,
    "service_id": "0b7e5b1c-0000-4000-8000-000000000003",
    "directorate_id": "0b7e5b1c-0000-4000-8000-000000000001",
    "portfolio_id": "0b7e5b1c-0000-4000-8000-000000000002",
    "outcome_id": None,
    "priority_id": None,
    "owner_id": "0b7e5b1c-0000-4000-8000-000000000005",
    "period": "2025/26 P3",
    "financial_year": "2025/26",
    "value": 48.5,
    "numerator": 485,
    "denominator": 1000,
    "rag": "amber",
    "rag_basis": "period",
    "target": 50,
    "intervention_level": 45,
    "ytd_value": 49.2,
    "ytd_target": 50,
    "ytd_rag": "amber",
    "ytd_periods_reported": 3,
    "ytd_periods_missing": 0,
    "annual_target": 50,
    "direction_against_previous": "worsening",
    "direction_against_last_year": "improving",
    "forecast_rag": "amber",
    "variation": "common_cause",
    "assurance": "hit_and_miss",
    "needs_intervention": False,
    "review_category": "none",
    "submission_state": "validated",
    "missing": False,
    "value_state": "counted",
    "display": {
        "value": "48.5",
        "target": "50.0",
        "intervention_level": "45.0",
        "ytd_value": "49.2",
        "ytd_target": "50.0",
        "annual_target": "50.0",
    },
    "forecast": {
        "method": "trend",
        "outturn": 49.1,
        "lower": 47.2,
        "upper": 51,
        "rag": "amber",
        "owner_forecast": 50,
        "owner_outside_interval": False,
        "explanation": "A straight line through the last 15 months, projected to March.",
    },
    "spc": {
        "points": 15,
        "mean": 48.7,
        "lower_process_limit": 44.1,
        "upper_process_limit": 53.3,
        "special_causes": [],
        "sufficient_data": True,
        "notes": [],
    },
    "escalation": {
        "needs_intervention": False,
        "reasons": [],
        "review_category": "none",
        "review_reasons": [],
        "may_close": None,
        "close_reasons": [],
    },
    "open_intervention": None,
    "flags": [],
    "completeness": {
        "submission_id": "0b7e5b1c-0000-4000-8000-000000000042",
        "state": "validated",
        "revision": 1,
        "submitted": True,
        "counted": True,
        "value_state": "counted",
        "due_on": "2025-07-14",
        "missing_from": "2025-07-16",
        "missing": False,
    },
}


class KpiStatusItem(BaseModel):
    """One KPI's status in one period, from its validated and published values."""

    model_config = ConfigDict(json_schema_extra={"examples": [STATUS_EXAMPLE]})

    kpi_id: uuid.UUID
    kpi_code: str
    kpi_title: str
    unit: str
    polarity: str
    frequency: Frequency
    aggregation: str
    decimal_places: int = Field(description="Places the council shows figures to (RAG compares at them)")
    statutory: bool
    service_id: uuid.UUID
    directorate_id: uuid.UUID | None
    portfolio_id: uuid.UUID | None
    outcome_id: uuid.UUID | None
    priority_id: uuid.UUID | None
    owner_id: uuid.UUID | None
    period: str = Field(description="The period this KPI reports, of its own frequency")
    financial_year: str
    value: Number | None = Field(description="The period's counted value (validated or published)")
    numerator: Number | None
    denominator: Number | None
    rag: Rag | None = Field(
        description="green, amber, red or missing (not submitted by `missing_from`); null when there is no "
        "target, the value is not due yet, or it awaits validation (see `value_state`)"
    )
    rag_basis: Literal["ytd", "period"] = Field(description="Whether RAG judges the YTD figure or the period's")
    target: Number | None = Field(description="The target RAG judged against (YTD or the period's)")
    intervention_level: Number | None = Field(description="Beyond it the KPI is Red (Performing Red)")
    ytd_value: Number | None = Field(description="Year to date: sum, average, latest, or sum/sum for a ratio")
    ytd_target: Number | None = Field(description="The profiled target to date")
    ytd_rag: Rag | None
    ytd_periods_reported: int = Field(description="Periods of the year so far with a counted value")
    ytd_periods_missing: int = Field(
        description="Periods of the year so far without a counted value: not submitted, or awaiting validation"
    )
    annual_target: Number | None = Field(description="The year's target at the revision in force in the period")
    direction_against_previous: Direction
    direction_against_last_year: Direction
    forecast_rag: Rag | None
    variation: Variation | None = Field(description="SPC variation icon (null with fewer than 12 points)")
    assurance: Assurance | None = Field(description="SPC assurance icon (null with fewer than 12 points)")
    needs_intervention: bool
    review_category: ReviewCategory
    submission_state: SubmissionState | None = Field(description="The period's submission, counted or not")
    missing: bool = Field(description="Not submitted, and `completeness.missing_from` has come")
    value_state: ValueState = Field(description=VALUE_STATE_DESCRIPTION)
    display: Display
    forecast: Forecast | None
    spc: Spc | None = Field(description="Null with fewer than two counted values")
    escalation: Escalation
    open_intervention: OpenIntervention | None = Field(
        default=None, description="The KPI's open KPI Intervention Form (seed 001, Appendix F); null when none is open"
    )
    flags: list[Flag] = Field(description="Sense-check flags of the period's submission's latest save")
    completeness: Completeness
    benchmark: BenchmarkHeadline | None = Field(
        default=None,
        description="Its headline position among its comparator groups; null when it is not mapped to a "
        "benchmarked metric or has no position",
    )


class StatusParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: PeriodText | None = Field(
        default=None,
        description="e.g. 2025/26 P6 (a longer or shorter period maps to the KPI's frequency as on the "
        "scorecard). Default: the KPI's latest period that has ended.",
        examples=["2025/26 P6"],
    )


def status_item(status: KpiStatus) -> KpiStatusItem:
    kpi = status.kpi
    evaluation = status.evaluation
    forecast = evaluation.forecast
    spc = evaluation.spc
    limits = None if spc is None else spc.limits
    observation = status.observation
    submission = status.submission
    done = status.completeness
    ytd = evaluation.year_to_date
    places = kpi.decimal_places
    return KpiStatusItem(
        kpi_id=kpi.id,
        kpi_code=kpi.code,
        kpi_title=kpi.title,
        unit=kpi.unit,
        polarity=kpi.polarity,
        frequency=Frequency(kpi.frequency),
        aggregation=kpi.aggregation,
        decimal_places=kpi.decimal_places,
        statutory=kpi.statutory,
        service_id=kpi.service_id,
        directorate_id=status.directorate_id,
        portfolio_id=kpi.portfolio_id,
        outcome_id=kpi.outcome_id,
        priority_id=status.priority_id,
        owner_id=kpi.owner_id,
        period=str(status.period),
        financial_year=str(status.period.financial_year),
        value=figure(evaluation.value),
        numerator=None if observation is None else figure(observation.numerator),
        denominator=None if observation is None else figure(observation.denominator),
        rag=evaluation.rag,
        rag_basis="ytd" if status.rated_on_ytd else "period",
        target=figure(evaluation.status.target),
        intervention_level=figure(evaluation.status.intervention_level),
        ytd_value=figure(ytd.value),
        ytd_target=figure(status.year_to_date.target),
        ytd_rag=status.year_to_date.rag,
        ytd_periods_reported=ytd.periods_reported,
        ytd_periods_missing=ytd.periods_missing,
        annual_target=figure(status.annual_target),
        direction_against_previous=evaluation.direction.against_previous,
        direction_against_last_year=evaluation.direction.against_last_year,
        forecast_rag=None if forecast is None else forecast.rag,
        variation=None if spc is None else spc.variation,
        assurance=None if spc is None else spc.assurance,
        needs_intervention=evaluation.escalation.required,
        review_category=evaluation.review.category,
        submission_state=None if submission is None else submission.state,
        missing=done.missing,
        value_state=done.value_state,
        display=Display(
            value=shown(evaluation.value, places),
            target=shown(evaluation.status.target, places),
            intervention_level=shown(evaluation.status.intervention_level, places),
            ytd_value=shown(ytd.value, places),
            ytd_target=shown(status.year_to_date.target, places),
            annual_target=shown(status.annual_target, places),
        ),
        forecast=None
        if forecast is None
        else Forecast(
            method=forecast.method,
            outturn=figure(forecast.outturn),
            lower=figure(forecast.lower),
            upper=figure(forecast.upper),
            rag=forecast.rag,
            owner_forecast=figure(forecast.owner_forecast),
            owner_outside_interval=forecast.owner_outside_interval,
            explanation=forecast.explanation,
        ),
        spc=None
        if spc is None or limits is None
        else Spc(
            points=len(spc.points),
            mean=figure(limits.mean),
            lower_process_limit=figure(limits.lower_process_limit),
            upper_process_limit=figure(limits.upper_process_limit),
            special_causes=list(spc.points[-1].special_causes) if spc.points else [],
            sufficient_data=spc.sufficient_data,
            notes=list(spc.notes),
        ),
        escalation=Escalation(
            needs_intervention=evaluation.escalation.required,
            reasons=list(evaluation.escalation.reasons),
            review_category=evaluation.review.category,
            review_reasons=list(evaluation.review.reasons),
            may_close=None if evaluation.closure is None else evaluation.closure.required,
            close_reasons=[] if evaluation.closure is None else list(evaluation.closure.reasons),
        ),
        open_intervention=None
        if (opened := status.intervention) is None
        else OpenIntervention(id=opened.id, state=opened.state, period=opened.period, opened_on=opened.opened_on),
        flags=[] if submission is None else [Flag.model_validate(flag) for flag in submission.flags],
        benchmark=None if (headline := status.benchmark) is None else BenchmarkHeadline(**vars(headline)),
        completeness=Completeness(
            submission_id=None if submission is None else submission.id,
            state=done.state,
            revision=None if submission is None else submission.revision,
            submitted=done.submitted,
            counted=done.counted,
            value_state=done.value_state,
            due_on=done.due_on,
            missing_from=done.missing_from,
            missing=done.missing,
        ),
    )


ITEMS: Kept[KpiStatusItem] = Kept(4096)


def kept_status_item(status: KpiStatus) -> KpiStatusItem:
    """``status_item``, reused while every input of the status is the same (``KpiStatus.cache_key``)."""
    key = status.cache_key
    return ITEMS.get(key) or ITEMS.put(key, status_item(status))
