"""Request and response shapes of report jobs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from pmf_api.platform.schemas import InputModel, OutputModel
from pmf_api.reporting.jobs.models import JobState

KindName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class ReportJobCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"kind": "report", "parameters": {"period": "2025/26 Q2", "format": "pdf"}}]}
    )

    kind: KindName = Field(description="What to make: a kind the service registers (`report`, `snapshot`)")
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="What the kind needs, checked by the kind (bad ones at #/parameters/...)"
    )


class JobFile(BaseModel):
    name: str = Field(description="The file's name, as Content-Disposition gives it")
    media_type: str
    size: int = Field(description="Bytes")
    sha256: str = Field(description="The file's SHA-256, in hex: the same request of a snapshot gives the same file")


class JobLinks(BaseModel):
    self: str
    file: str | None = Field(default=None, description="Where the file is, once the job has succeeded with one")


_JOB_ID = "0b7d3c1e-5a8f-4f63-9c1d-2f4e6a8b9c0d"
_JOB_EXAMPLE: dict[str, Any] = {
    "id": _JOB_ID,
    "created_at": "2025-10-15T09:00:00Z",
    "updated_at": "2025-10-15T09:00:07Z",
    "version": 4,
    "kind": "report",
    "parameters": {"period": "2025/26 Q2", "format": "pdf"},
    "state": "succeeded",
    "progress": 100,
    "progress_message": "Charts drawn",
    "requested_by": "performance.team@northdale.gov.uk",
    "requested_at": "2025-10-15T09:00:00Z",
    "started_at": "2025-10-15T09:00:01Z",
    "finished_at": "2025-10-15T09:00:07Z",
    "error": None,
    "attempts": 1,
    "scheduled": False,
    "file": {
        "name": "Northdale Corporate Performance Report 2025-26 Q2.pdf",
        "media_type": "application/pdf",
        "size": 1843200,
        "sha256": "9f2c6d0b8e7a4c3f1d5e6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f70819",
    },
    "links": {"self": f"/api/v1/report-jobs/{_JOB_ID}", "file": f"/api/v1/report-jobs/{_JOB_ID}/file"},
}


class ReportJob(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_JOB_EXAMPLE]})

    kind: str
    parameters: dict[str, Any]
    state: JobState = Field(description="queued, running, succeeded, failed or cancelled")
    progress: int = Field(ge=0, le=100, description="How far it has got, in percent")
    progress_message: str | None = Field(default=None, description="What it is doing")
    requested_by: str
    requested_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = Field(default=None, description="Why it failed, when it did")
    attempts: int = Field(description="Runs so far (a job whose worker stopped is run again)")
    scheduled: bool = Field(description="Made by the month-end and quarter-end schedule rather than asked for")
    file: JobFile | None = None
    links: JobLinks


JobId = uuid.UUID
