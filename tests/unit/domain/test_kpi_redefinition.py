"""A KPI with targets or values keeps how it is judged: worked cases and a property."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain.kpi import REDEFINING_FIELDS, redefinition_problems


def test_worked_cases() -> None:
    turn = {"polarity": ("higher_is_better", "lower_is_better")}
    assert redefinition_problems("PI-07", turn, has_targets=False, has_values=False) == []
    [problem] = redefinition_problems("PI-07", turn, has_targets=True, has_values=False)
    assert problem.field == "polarity"
    assert problem.message.startswith("PI-07 has targets recorded as polarity higher_is_better")
    [problem] = redefinition_problems("PI-07", turn, has_targets=True, has_values=True)
    assert "has targets and values recorded" in problem.message
    same = {"frequency": ("monthly", "monthly"), "title": ("Old", "New")}
    assert redefinition_problems("PI-07", same, has_targets=True, has_values=True) == []


values = st.sampled_from(["a", "b"])


@given(
    changes=st.dictionaries(st.sampled_from([*REDEFINING_FIELDS, "title", "owner_id"]), st.tuples(values, values)),
    has_targets=st.booleans(),
    has_values=st.booleans(),
)
def test_refused_exactly_the_judging_fields_that_change_on_a_kpi_with_history(
    changes: dict[str, tuple[str, str]], has_targets: bool, has_values: bool
) -> None:
    fields = [p.field for p in redefinition_problems("X", changes, has_targets=has_targets, has_values=has_values)]
    changed = [f for f in REDEFINING_FIELDS if f in changes and changes[f][0] != changes[f][1]]
    assert fields == (changed if has_targets or has_values else [])
