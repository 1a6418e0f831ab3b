"""Request bodies: a yes/no field takes true or false, nothing that merely looks like one."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from pmf_api.assurance.interventions.schemas import InterventionProgressSave
from pmf_api.performance.annual_cycle.schemas import RollForwardApply
from pmf_api.performance.kpis.schemas import KpiUpdate
from pmf_api.performance.submissions.schemas import SubmissionSave


@pytest.mark.parametrize("given", [0, 1, "true", "false", "yes", 1.0, [], {}])
@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (SubmissionSave, {"value": 1}, "submit"),
        (RollForwardApply, {"financial_year": "2027/28"}, "draft_templates"),
        (KpiUpdate, {}, "statutory"),
    ],
)
def test_a_flag_in_a_body_is_true_or_false(model: Any, body: dict[str, Any], field: str, given: object) -> None:
    with pytest.raises(ValidationError) as raised:
        model.model_validate({**body, field: given})
    assert [error["loc"] for error in raised.value.errors()] == [(field,)]
    for flag in (True, False):
        assert getattr(model.model_validate({**body, field: flag}), field) is flag


def test_an_optional_flag_may_be_left_out_or_null() -> None:
    assert KpiUpdate.model_validate({}).statutory is None
    progress = InterventionProgressSave.model_validate({"note": "On track", "further_intervention_required": None})
    assert progress.further_intervention_required is None
