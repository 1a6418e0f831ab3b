"""Request and response shapes of the KPI Intervention Form (seed 001, Appendix F)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from pmf_api.assurance.interventions.reading import FormView
from pmf_api.domain.interventions import (
    APPROVAL_STEPS,
    InterventionApproval,
    InterventionBasis,
    InterventionOutcome,
    awaiting,
)
from pmf_api.domain.rag import Rag
from pmf_api.domain.workflow import InterventionState
from pmf_api.performance.interventions.models import Intervention as InterventionRecord
from pmf_api.platform.schemas import InputModel, IsoDate, Number, OutputModel, PeriodText, Text, UpdateModel

STATE_DESCRIPTION = (
    "The form's stage: `draft` (being filled in, or sent back), `submitted` (awaiting the Head of Service), "
    "`head_of_service_approved` (awaiting the Director), `director_approved` (awaiting the Portfolio Holder), "
    "`approved`, then `closed` (recovered) or `withdrawn`"
)


class InterventionOpen(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"kpi_id": "0b7e5b1c-0000-4000-8000-000000000009", "period": "2025/26 P6"},
                {
                    "kpi_id": "0b7e5b1c-0000-4000-8000-000000000009",
                    "reason": "Complaints doubled in a month: the board judges it is not a temporary lapse",
                },
            ]
        }
    )

    kpi_id: uuid.UUID
    period: PeriodText | None = Field(
        default=None, description="The month the form is for (default: the KPI's latest period that has ended)"
    )
    reason: Text | None = Field(
        default=None,
        description="Required when the escalation rule does not recommend an intervention (opened on judgement)",
    )
    cause: Text | None = Field(default=None, description="What has caused the KPI to exceed the tolerance level")
    steps: Text | None = Field(default=None, description="The steps that will return the KPI to acceptable levels")


class InterventionUpdate(UpdateModel):
    nullable = frozenset({"cause", "steps"})

    cause: Text | None = Field(default=None, description="What has caused the KPI to exceed the tolerance level")
    steps: Text | None = Field(default=None, description="The steps that will return the KPI to acceptable levels")


class InterventionTransition(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"to": "head_of_service_approved"}, {"to": "draft", "comment": "Say why"}]}
    )

    to: Literal["submitted", "head_of_service_approved", "director_approved", "approved", "draft"] = Field(
        description="`submitted`, the next approval, or `draft` to send it back (with a comment)"
    )
    comment: Text | None = Field(default=None, description="Required when sending the form back")


class InterventionClose(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"outcome": "recovered"}, {"outcome": "withdrawn", "reason": "A temporary lapse after all"}]
        }
    )

    outcome: InterventionOutcome = Field(
        description="`recovered` (refused while the closing rule says not yet) or `withdrawn`"
    )
    reason: Text | None = Field(default=None, description="Required to withdraw")


class InterventionProgressSave(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"note": "Second crew started; backlog down by a third", "further_intervention_required": False}
            ]
        }
    )

    note: Text | None = Field(default=None, description="The team's account of the period")
    further_intervention_required: bool | None = Field(default=None, description="Appendix F's last column")


class InterventionApprovalOut(BaseModel):
    approval: InterventionApproval
    role: str = Field(description="The role that gives it, over the KPI's service, directorate or portfolio")
    name: str | None = Field(description="Who approved (null while not given)")
    subject: str | None
    approved_at: datetime | None


class InterventionProgressOut(BaseModel):
    period: str
    target: Number | None = Field(description="The target in force in the period (null before it has ended)")
    actual: Number | None = Field(description="The published value (null until published)")
    rag: Rag | None
    published: bool
    note: str | None
    further_intervention_required: bool | None
    recorded_by: str | None
    recorded_at: datetime | None


SUMMARY_EXAMPLE: JsonDict = {
    "id": "1f0c0000-0000-4000-8000-000000000001",
    "kpi_id": "0b7e5b1c-0000-4000-8000-000000000009",
    "kpi_code": "WAS-01",
    "kpi_title": "Household waste recycled",
    "state": "submitted",
    "is_open": True,
    "service_id": "0b7e5b1c-0000-4000-8000-000000000003",
    "directorate_id": "0b7e5b1c-0000-4000-8000-000000000001",
    "portfolio_id": "0b7e5b1c-0000-4000-8000-000000000002",
    "period": "2025/26 P6",
    "opened_on": "2025-10-20",
    "days_open": 12,
    "awaiting": "head_of_service",
    "version": 3,
    "created_at": "2025-10-20T09:00:00Z",
    "updated_at": "2025-10-24T15:30:00Z",
}
FORM_EXAMPLE: JsonDict = {
    **SUMMARY_EXAMPLE,
    "portfolio_holder_name": "Cllr Pat Green",
    "kpi_holder_name": "Ola Owner",
    "target": 50,
    "intervention_level": 45,
    "actual": 38,
    "rag": "red",
    "basis": "escalation",
    "opening_reasons": ["Red (beyond the intervention level) for 3 periods in a row; the threshold is 2."],
    "opening_reason": None,
    "opened_by": "perf.officer@northdale.example.gov.uk",
    "cause": "Contamination rejected loads at the MRF",
    "steps": "Crew training and a leaflet drop to every household in October",
    "submitted_by": "perf.officer@northdale.example.gov.uk",
    "submitted_at": "2025-10-24T15:30:00Z",
    "approvals": [
        {"approval": "head_of_service", "role": "service_manager", "name": None, "subject": None, "approved_at": None},
        {"approval": "director", "role": "director", "name": None, "subject": None, "approved_at": None},
        {
            "approval": "portfolio_holder",
            "role": "portfolio_holder",
            "name": None,
            "subject": None,
            "approved_at": None,
        },
    ],
    "sent_back_comment": None,
    "progress": [
        {
            "period": "2025/26 P7",
            "target": 50,
            "actual": 44,
            "rag": "red",
            "published": True,
            "note": "Training done; contamination down",
            "further_intervention_required": True,
            "recorded_by": "perf.officer@northdale.example.gov.uk",
            "recorded_at": "2025-11-20T10:00:00Z",
        }
    ],
    "outcome": None,
    "closing_reason": None,
    "closed_by": None,
    "closed_at": None,
}


class Intervention(OutputModel):
    """A KPI Intervention Form as a list shows it."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [SUMMARY_EXAMPLE]})

    kpi_id: uuid.UUID
    kpi_code: str = Field(description="As at opening")
    kpi_title: str = Field(description="As at opening")
    state: InterventionState = Field(description=STATE_DESCRIPTION)
    is_open: bool
    service_id: uuid.UUID
    directorate_id: uuid.UUID | None
    portfolio_id: uuid.UUID | None
    period: str = Field(description="The month the form is for")
    opened_on: date
    days_open: int = Field(description="Days from opening to `as_of` (today unless asked)")
    awaiting: InterventionApproval | None = Field(description="The approval it waits for, if any")


class InterventionForm(Intervention):
    """The whole form (Appendix F): as at opening, the team's answers, progress and approvals."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [FORM_EXAMPLE]})

    portfolio_holder_name: str | None = Field(description="The Portfolio Holder at opening")
    kpi_holder_name: str | None = Field(description="The KPI's owner at opening")
    target: Number | None = Field(description="The target at opening")
    intervention_level: Number | None = Field(description="The tolerance: beyond this level the KPI is Red")
    actual: Number | None = Field(description="The value at opening")
    rag: Rag | None = Field(description="The RAG at opening")
    basis: InterventionBasis = Field(
        description="`escalation` (the rule recommended it) or `judgement` (with a reason)"
    )
    opening_reasons: list[str] = Field(description="The escalation rule's reasons at opening")
    opening_reason: str | None = Field(description="The team's reason, when opened on judgement")
    opened_by: str
    cause: str | None
    steps: str | None
    submitted_by: str | None
    submitted_at: datetime | None
    approvals: list[InterventionApprovalOut] = Field(
        description="Head of Service, Director, Portfolio Holder, in order"
    )
    sent_back_comment: str | None = Field(description="Why it was last sent back")
    progress: list[InterventionProgressOut] = Field(description="At least the three periods after opening")
    outcome: InterventionOutcome | None
    closing_reason: str | None
    closed_by: str | None
    closed_at: datetime | None


class InterventionList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cursor: str | None = Field(default=None, description="Opaque cursor from the previous page's `next_cursor`")
    limit: int = Field(default=50, ge=1, le=500, description="Items per page (1-500)")
    sort: Literal["opened_on", "-opened_on", "updated_at", "-updated_at"] = "-opened_on"
    open: bool | None = Field(default=True, description="Open forms (default), closed ones (false)")
    kpi_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    directorate_id: uuid.UUID | None = None
    portfolio_id: uuid.UUID | None = None
    stage: InterventionState | None = Field(default=None, description=STATE_DESCRIPTION)
    min_days_open: int | None = Field(default=None, ge=0, le=36500, description="Open at least this many days")
    max_days_open: int | None = Field(default=None, ge=0, le=36500, description="Open at most this many days")
    as_of: IsoDate | None = Field(default=None, description="The day ages are counted to (default today)")

    def filters(self) -> dict[str, object]:
        chosen = self.model_dump(exclude={"cursor", "limit", "sort", "as_of", "stage"})
        return {**chosen, "state": self.stage}


def _summary(form: InterventionRecord, as_of: date) -> dict[str, object]:
    step = awaiting(InterventionState(form.state))
    return {
        **{column.key: getattr(form, column.key) for column in InterventionRecord.__table__.columns},
        "days_open": max(0, ((form.closed_at.date() if form.closed_at else as_of) - form.opened_on).days),
        "awaiting": None if step is None else step.approval,
    }


def summary(form: InterventionRecord, as_of: date) -> Intervention:
    return Intervention.model_validate(_summary(form, as_of))


def form_out(view: FormView) -> InterventionForm:
    form = view.form
    return InterventionForm.model_validate(
        {
            **_summary(form, view.as_of),
            "portfolio_holder_name": form.portfolio_holder,
            "kpi_holder_name": form.kpi_holder,
            "approvals": [
                {
                    "approval": step.approval,
                    "role": step.role.value,
                    "name": getattr(form, f"{step.approval.value}_name"),
                    "subject": getattr(form, f"{step.approval.value}_by"),
                    "approved_at": getattr(form, f"{step.approval.value}_at"),
                }
                for step in APPROVAL_STEPS
            ],
            "progress": [row.__dict__ for row in view.progress],
        }
    )
