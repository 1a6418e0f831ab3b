"""Request and response shapes of scrutiny challenges (seeds 000 and 001, Overview and Scrutiny Panels)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from pmf_api.assurance.scrutiny.reading import ChallengeView
from pmf_api.domain.scrutiny import (
    MAX_QUESTIONS,
    ChallengeKind,
    ChallengeState,
    QuestionState,
    SubjectType,
    is_overdue,
)
from pmf_api.platform.schemas import FinancialYearText, InputModel, IsoDate, Name, OutputModel, Text

QUESTION_STATES = (
    "`open` (waiting for the assigned officer's answer), `answered` (waiting for the panel's decision), "
    "`accepted`, or `followed_up` (a follow-up question was asked)"
)
CHALLENGE_STATES = (
    "Derived from its questions: `open` while a question waits for its answer, `answered` while an answer "
    "waits for the panel's decision, `closed` when every answer is accepted or followed up"
)


class QuestionAsk(InputModel):
    text: Text = Field(description="The question (not empty)")
    assigned_to_id: uuid.UUID = Field(description="The officer (a person of the council) who answers it")
    due_on: IsoDate = Field(description="When the answer is due: not before the day the challenge was raised")


class ChallengeRaise(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Why are missed bin collections rising?",
                    "panel": "Overview and Scrutiny (Performance and Growth)",
                    "member_name": "Cllr Pat Green",
                    "meeting": "Performance and Growth Panel, Q2 report",
                    "meeting_date": "2025-11-05",
                    "subject_type": "kpi",
                    "subject_id": "0b7e5b1c-0000-4000-8000-000000000009",
                    "questions": [
                        {
                            "text": "What is behind the rise since July, and when will it turn?",
                            "assigned_to_id": "0b7e5b1c-0000-4000-8000-000000000021",
                            "due_on": "2025-11-26",
                        }
                    ],
                }
            ]
        }
    )

    kind: ChallengeKind = Field(
        default=ChallengeKind.QUESTION,
        description="`question` (one question) or `task_and_finish` (a task and finish group's review: several)",
    )
    title: Name
    panel: Name = Field(description="The panel raising it, e.g. Overview and Scrutiny Committee")
    member_name: Name = Field(description="The member who raised it")
    member_person_id: uuid.UUID | None = Field(default=None, description="The member, if a person in the system")
    meeting: Name | None = Field(default=None, description="The meeting it was raised at")
    meeting_date: IsoDate | None = None
    raised_on: IsoDate | None = Field(default=None, description="Default today; not in the future")
    subject_type: SubjectType = Field(description="What is challenged: `kpi`, `action`, `risk` or `report`")
    subject_id: uuid.UUID | None = Field(
        default=None, description="The KPI, action or risk (of this council); none for a report"
    )
    report_financial_year: FinancialYearText | None = Field(
        default=None, description="A report's financial year, e.g. 2025/26"
    )
    report_quarter: int | None = Field(default=None, ge=1, le=4, description="A report's quarter, 1 to 4")
    report_title: Name | None = None
    questions: list[QuestionAsk] = Field(
        max_length=MAX_QUESTIONS, description="One for a `question`, one or more for a `task_and_finish` review"
    )


class AnswerGive(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"answer": "Two crews were off sick in August."}]})

    answer: Text = Field(description="The answer (not empty)")


class AnswerAccept(InputModel):
    comment: Text | None = Field(default=None, description="The panel's comment, if any")


class AnswerFollowUp(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "And the January figures?", "due_on": "2026-02-11"}]}
    )

    text: Text = Field(description="The follow-up question (not empty)")
    due_on: IsoDate = Field(description="When its answer is due: not before today")
    assigned_to_id: uuid.UUID | None = Field(
        default=None, description="Default: the officer the answered question was assigned to"
    )
    comment: Text | None = Field(default=None, description="Why the answer was not accepted")


class QuestionReassign(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"assigned_to_id": "0b7e5b1c-0000-4000-8000-000000000022", "reason": "Ola has left the council"}
            ]
        }
    )

    assigned_to_id: uuid.UUID | None = Field(default=None, description="Another officer (a person of the council)")
    due_on: IsoDate | None = Field(default=None, description="A new due date, not before today")
    reason: Text | None = Field(default=None, description="Why, for the audit trail")


class ScrutinyQuestion(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: int = Field(description="1, 2, ... in the order asked")
    follows_id: uuid.UUID | None = Field(description="The question this one follows up, if any")
    text: str
    assigned_to_id: uuid.UUID
    asked_on: date
    due_on: date
    state: QuestionState = Field(description=QUESTION_STATES)
    overdue: bool = Field(description="Open and due before today (or `as_of`)")
    answer: str | None
    answered_by: str | None
    answered_by_name: str | None
    answered_on: date | None
    answered_at: datetime | None
    decided_by: str | None
    decided_by_name: str | None
    decided_on: date | None
    decision_comment: str | None


CHALLENGE_EXAMPLE: JsonDict = {
    "id": "2a0c0000-0000-4000-8000-000000000001",
    "kind": "question",
    "title": "Why are missed bin collections rising?",
    "state": "open",
    "panel": "Overview and Scrutiny (Performance and Growth)",
    "member_name": "Cllr Pat Green",
    "member_person_id": None,
    "meeting": "Performance and Growth Panel, Q2 report",
    "meeting_date": "2025-11-05",
    "raised_on": "2025-11-05",
    "raised_by": "cllr.green@northdale.example.gov.uk",
    "raised_by_name": "Cllr Pat Green",
    "subject_type": "kpi",
    "subject_id": "0b7e5b1c-0000-4000-8000-000000000009",
    "report_financial_year": None,
    "report_quarter": None,
    "report_title": None,
    "closed_on": None,
    "overdue": False,
    "questions": [],
    "version": 1,
    "created_at": "2025-11-05T18:00:00Z",
    "updated_at": "2025-11-05T18:00:00Z",
}


class ScrutinyChallenge(OutputModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [CHALLENGE_EXAMPLE]})

    kind: ChallengeKind
    title: str
    state: ChallengeState = Field(description=CHALLENGE_STATES)
    panel: str
    member_name: str
    member_person_id: uuid.UUID | None
    meeting: str | None
    meeting_date: date | None
    raised_on: date
    raised_by: str
    raised_by_name: str
    subject_type: SubjectType
    subject_id: uuid.UUID | None
    report_financial_year: str | None
    report_quarter: int | None
    report_title: str | None
    closed_on: date | None
    overdue: bool = Field(description="A question is open past its due date")
    questions: list[ScrutinyQuestion] = Field(description="In the order asked; follow-ups name what they follow")


class ChallengeList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cursor: str | None = Field(default=None, description="Opaque cursor from the previous page's `next_cursor`")
    limit: int = Field(default=50, ge=1, le=500, description="Items per page (1-500)")
    sort: Literal["raised_on", "-raised_on", "updated_at", "-updated_at", "title", "-title"] = "-raised_on"
    state: ChallengeState | None = Field(default=None, description=CHALLENGE_STATES)
    kind: ChallengeKind | None = None
    subject_type: SubjectType | None = None
    subject_id: uuid.UUID | None = None
    panel: str | None = Field(default=None, max_length=200, description="The panel's name, exactly")
    raised_from: IsoDate | None = Field(default=None, description="Raised on or after")
    raised_to: IsoDate | None = Field(default=None, description="Raised on or before")
    financial_year: FinancialYearText | None = Field(
        default=None, description="With `quarter`: raised in that quarter of the financial year"
    )
    quarter: int | None = Field(default=None, ge=1, le=4)
    assigned_to_id: uuid.UUID | None = Field(default=None, description="A question is assigned to this officer")
    overdue: bool | None = Field(default=None, description="A question is open past its due date (or not)")
    as_of: IsoDate | None = Field(default=None, description="The day `overdue` is judged on (default today)")

    def filters(self) -> dict[str, object]:
        return self.model_dump(exclude={"cursor", "limit", "sort", "as_of"})


def challenge_out(view: ChallengeView) -> ScrutinyChallenge:
    record = view.record
    questions = [
        ScrutinyQuestion.model_validate(
            {
                **{column.key: getattr(q, column.key) for column in q.__table__.columns},
                "overdue": is_overdue(QuestionState(q.state), q.due_on, view.as_of),
            }
        )
        for q in view.questions
    ]
    return ScrutinyChallenge.model_validate(
        {
            **{column.key: getattr(record, column.key) for column in record.__table__.columns},
            "overdue": any(q.overdue for q in questions),
            "questions": questions,
        }
    )
