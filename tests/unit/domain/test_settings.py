"""An organisation's stored settings parsed into one typed value: worked cases and properties."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmf_api.domain.escalation import EscalationConfig
from pmf_api.domain.settings import OrganisationSettings


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (None, 10),
        ({}, 10),
        ({"collection": {"due_working_days": 7}}, 7),
        ({"collection": {"due_working_days": 60}}, 60),
        ({"collection": {"due_working_days": 61}}, 10),
        ({"collection": {"due_working_days": 0}}, 10),
        ({"collection": {"due_working_days": "7"}}, 10),
        ({"collection": {"due_working_days": True}}, 10),
        ({"collection": "10"}, 10),
    ],
)
def test_due_working_days(stored: dict[str, Any] | None, expected: int) -> None:
    assert OrganisationSettings.parse(stored).due_working_days == expected


@pytest.mark.parametrize(
    ("escalation", "expected"),
    [
        ({}, EscalationConfig()),
        ({"consecutive_red_periods": 3}, EscalationConfig(consecutive_red_periods=3)),
        ({"forecast_red_escalates": False}, EscalationConfig(forecast_red_escalates=False)),
        # A switch given a number, or a threshold given a switch or text, keeps its default
        ({"forecast_red_escalates": 0}, EscalationConfig()),
        ({"consecutive_red_periods": True}, EscalationConfig()),
        ({"consecutive_red_periods": "3"}, EscalationConfig()),
        # Out of range (only written outside the API): the defaults hold
        ({"forecast_red_from_month": 13}, EscalationConfig()),
        ({"an_old_setting": 4, "periods_in_tolerance_to_close": 2}, EscalationConfig(periods_in_tolerance_to_close=2)),
    ],
)
def test_escalation(escalation: dict[str, Any], expected: EscalationConfig) -> None:
    assert OrganisationSettings.parse({"escalation": escalation}).escalation == expected


def test_the_evaluation_takes_the_escalation_and_the_year_start() -> None:
    settings = OrganisationSettings.parse({"escalation": {"consecutive_red_periods": 4}})
    config = settings.evaluation_config(start_month=1)
    assert config.escalation.consecutive_red_periods == 4
    assert config.start_month == 1


scalars = st.none() | st.booleans() | st.integers(-100, 100) | st.text(max_size=3)
names = st.sampled_from(
    ["due_working_days", "consecutive_red_periods", "forecast_red_from_month", "forecast_red_escalates", "other"]
)
sections = scalars | st.dictionaries(names, scalars, max_size=4)


@settings(suppress_health_check=[HealthCheck.too_slow])  # generation is slow on a loaded machine, not wrong
@given(st.dictionaries(st.sampled_from(["collection", "escalation", "other"]), sections, max_size=3))
def test_whatever_is_stored_parses_into_settings_within_their_ranges(stored: dict[str, Any]) -> None:
    settings = OrganisationSettings.parse(stored)
    assert 1 <= settings.due_working_days <= 60
    assert settings.escalation.consecutive_red_periods >= 1
    assert 1 <= settings.escalation.forecast_red_from_month <= 12


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (None, False),
        ({}, False),
        ({"data_quality": {"require_signed_template_to_publish": True}}, True),
        ({"data_quality": {"require_signed_template_to_publish": False}}, False),
        # Anything but a boolean keeps the default (off: see DEFAULT_REQUIRE_SIGNED_TEMPLATE)
        ({"data_quality": {"require_signed_template_to_publish": 1}}, False),
        ({"data_quality": {"require_signed_template_to_publish": "yes"}}, False),
        ({"data_quality": True}, False),
    ],
)
def test_the_data_quality_gate(stored: dict[str, Any] | None, expected: bool) -> None:
    assert OrganisationSettings.parse(stored).require_signed_template_to_publish is expected


@pytest.mark.parametrize(
    ("stored", "required"),
    [
        (None, True),
        ({"collection": {"commentary_required": False}}, False),
        ({"collection": {"commentary_required": True}}, True),
        ({"collection": {"commentary_required": "no"}}, True),
        ({"collection": "not a section"}, True),
    ],
)
def test_an_amber_or_red_value_needs_a_commentary_unless_turned_off(stored: Any, required: bool) -> None:
    """Seed 001_ec6bae7b38cacc6f.txt, E.1: on by default; anything but false keeps it on."""
    assert OrganisationSettings.parse(stored).commentary_required is required
