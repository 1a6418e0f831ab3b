"""An organisation's choices, parsed once from what it stored: one typed value every rule reads.

Stored settings are JSON (``Organisation.settings``): sections ``collection``, ``escalation`` and ``data_quality``,
validated when changed through the API. What is read back may hold keys of older versions or values
written outside the API; a value that is not one this version accepts is ignored and the default
applies, so a mistyped setting never stops the collection cycle or the scorecard.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from pmf_api.domain.calendar import DEFAULT_DUE_WORKING_DAYS, MAX_DUE_WORKING_DAYS
from pmf_api.domain.errors import DomainError
from pmf_api.domain.escalation import EscalationConfig
from pmf_api.domain.evaluation import EvaluationConfig
from pmf_api.domain.periods import DEFAULT_START_MONTH


@dataclass(frozen=True, slots=True)
class OrganisationSettings:
    """What an organisation has chosen, over the defaults councils usually take."""

    # Values are due this many working days after a period ends (seed 001_ec6bae7b38cacc6f.txt, E.1)
    due_working_days: int = DEFAULT_DUE_WORKING_DAYS
    # When a KPI needs an intervention (seed 001, Appendix F)
    escalation: EscalationConfig = field(default_factory=EscalationConfig)
    # A KPI's values for a year are published only once its Data Quality Template for that year is
    # signed (seed 001_ec6bae7b38cacc6f.txt, B.1). Off unless chosen: see DEFAULT_REQUIRE_SIGNED_TEMPLATE.
    require_signed_template_to_publish: bool = False
    # A value shown Amber or Red is not submitted without a commentary (seed 001_ec6bae7b38cacc6f.txt,
    # E.1: "add a comment explaining what has happened and why")
    commentary_required: bool = True

    @classmethod
    def parse(cls, stored: Mapping[str, object] | None) -> OrganisationSettings:
        """The settings ``stored`` holds; anything unknown or out of range keeps its default."""
        stored = stored or {}
        return cls(
            due_working_days=_due_working_days(stored.get("collection")),
            escalation=_escalation(stored.get("escalation")),
            require_signed_template_to_publish=_switch(
                stored.get("data_quality"), "require_signed_template_to_publish", DEFAULT_REQUIRE_SIGNED_TEMPLATE
            ),
            commentary_required=_switch(stored.get("collection"), "commentary_required", True),
        )

    def evaluation_config(self, start_month: int = DEFAULT_START_MONTH) -> EvaluationConfig:
        """The evaluation's configuration for an organisation whose year starts in ``start_month``."""
        return EvaluationConfig(
            escalation=self.escalation, start_month=start_month, due_working_days=self.due_working_days
        )


# Seed 001 (B.1) has templates completed before each year of reporting, but says nothing of holding
# values back without one; four of the five seed councils keep no templates at all, and a council
# upgrading mid-year has none yet, so turning the gate on by default would stop every publication.
# A council that runs the seed 001 discipline turns it on; the list of KPIs without a signed template
# shows the gap either way.
DEFAULT_REQUIRE_SIGNED_TEMPLATE = False


def _switch(section: object, name: str, default: bool) -> bool:
    value = section.get(name) if isinstance(section, Mapping) else None
    return value if isinstance(value, bool) else default


def _due_working_days(section: object) -> int:
    configured = section.get("due_working_days") if isinstance(section, Mapping) else None
    if isinstance(configured, int) and not isinstance(configured, bool) and 1 <= configured <= MAX_DUE_WORKING_DAYS:
        return configured
    return DEFAULT_DUE_WORKING_DAYS


def _escalation(section: object) -> EscalationConfig:
    if not isinstance(section, Mapping):
        return EscalationConfig()
    defaults = EscalationConfig()
    chosen: dict[str, Any] = {}
    for each in fields(EscalationConfig):
        value = section.get(each.name)
        # A switch takes true or false; a threshold a whole number (never a bool, which is an int too).
        if isinstance(getattr(defaults, each.name), bool):
            if isinstance(value, bool):
                chosen[each.name] = value
        elif isinstance(value, int) and not isinstance(value, bool):
            chosen[each.name] = value
    try:
        return replace(defaults, **chosen)
    except DomainError:  # a threshold out of range (written outside the API): the defaults hold
        return defaults
