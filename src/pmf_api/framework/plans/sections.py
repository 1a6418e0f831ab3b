"""The sections of a service plan that have a shape (seed 001_ec6bae7b38cacc6f.txt, Appendix D.1, step 3):
core service information, planned projects and initiatives, and the optional SWOT. Validated here so no
section is a free-form dict; stored as JSON on the plan."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from pmf_api.platform.schemas import InputModel, IsoDate, Name, Text

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]

SwotItems = Annotated[list[ShortText], Field(max_length=50)]
ShortList = Annotated[list[ShortText], Field(max_length=50)]


class Swot(InputModel):
    """An optional SWOT analysis (seed 001_ec6bae7b38cacc6f.txt, Appendix D, step 3)."""

    strengths: SwotItems = []
    weaknesses: SwotItems = []
    opportunities: SwotItems = []
    threats: SwotItems = []


class CoreInformation(InputModel):
    """Core service information (seed 001_ec6bae7b38cacc6f.txt, Appendix D.1, step 3)."""

    purpose: Text | None = Field(default=None, description="Why the service exists")
    services: ShortList = Field(default=[], description="What the service does")
    customers: ShortList = Field(default=[], description="Who it serves")
    statutory_duties: ShortList = Field(default=[], description="Duties the law places on it")
    partners: ShortList = Field(default=[], description="Who it works with to deliver")


class PlannedProject(InputModel):
    """A planned project or initiative (seed 001, Appendix D.1, step 3). Actions that deliver the plan
    are linked to it by their `service_plan_id`."""

    title: Name
    description: Text | None = None
    outcome_id: uuid.UUID | None = Field(default=None, description="The Corporate Plan outcome it serves")
    start_date: IsoDate | None = None
    due_date: IsoDate | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> PlannedProject:
        if self.start_date and self.due_date and self.due_date < self.start_date:
            raise ValueError("due_date is before start_date")
        return self


Projects = Annotated[list[PlannedProject], Field(max_length=100)]
