"""An organisation's choices, parsed once from what it stored: one typed value every rule reads.

Stored settings are JSON (``Organisation.settings``): sections ``collection``, ``escalation``,
``data_quality``, ``risk`` and ``finance``, validated when changed through the API. What is read back may hold keys
of older versions or values written outside the API; a value that is not one this version accepts is
ignored and the default applies, so a mistyped setting never stops the collection cycle or the scorecard.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import Any

from pmf_api.domain.calendar import DEFAULT_DUE_WORKING_DAYS, MAX_DUE_WORKING_DAYS
from pmf_api.domain.errors import DomainError
from pmf_api.domain.escalation import EscalationConfig
from pmf_api.domain.evaluation import EvaluationConfig
from pmf_api.domain.finance import FinanceConfig
from pmf_api.domain.periods import DEFAULT_START_MONTH
from pmf_api.domain.risk import ReviewCycle, RiskConfig, RiskMatrix


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
    # The risk matrix and review cycles (seeds 003_2a403038ecab8362.txt and 004_d92670c30a2dff9f.txt)
    risk: RiskConfig = field(default_factory=RiskConfig)
    # When a forecast overspend is Amber and Red (seed 003_2a403038ecab8362.txt, budget monitoring)
    finance: FinanceConfig = field(default_factory=FinanceConfig)

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
            risk=_risk(stored.get("risk")),
            finance=_finance(stored.get("finance")),
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


# A risk section's settings and the ranges they take (what the API validates; anything else keeps its default).
RISK_LIMITS: dict[str, tuple[int, int]] = {
    "max_likelihood": (2, 10),
    "max_impact": (2, 10),
    "amber_from": (1, 100),
    "red_from": (1, 100),
    "red_months": (1, 24),
    "amber_months": (1, 24),
    "green_months": (1, 36),
    "strategic_review_days": (7, 366),
}


def _risk(section: object) -> RiskConfig:
    if not isinstance(section, Mapping):
        return RiskConfig()
    chosen: dict[str, int] = {}
    for name, (low, high) in RISK_LIMITS.items():
        value = section.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            chosen[name] = value
    default_matrix, default_cycle = RiskMatrix(), ReviewCycle()
    try:
        matrix = RiskMatrix(
            max_likelihood=chosen.get("max_likelihood", default_matrix.max_likelihood),
            max_impact=chosen.get("max_impact", default_matrix.max_impact),
            amber_from=chosen.get("amber_from", default_matrix.amber_from),
            red_from=chosen.get("red_from", default_matrix.red_from),
        )
    except DomainError:  # Amber above Red (written outside the API): the default matrix holds
        matrix = default_matrix
    return RiskConfig(
        matrix=matrix,
        cycle=ReviewCycle(
            red_months=chosen.get("red_months", default_cycle.red_months),
            amber_months=chosen.get("amber_months", default_cycle.amber_months),
            green_months=chosen.get("green_months", default_cycle.green_months),
        ),
        strategic_review_days=chosen.get("strategic_review_days", RiskConfig().strategic_review_days),
    )


def _percent(section: Mapping[str, object], name: str, default: Decimal) -> Decimal:
    value = section.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 100:
        return Decimal(str(value))
    return default


def _finance(section: object) -> FinanceConfig:
    if not isinstance(section, Mapping):
        return FinanceConfig()
    defaults = FinanceConfig()
    try:
        return FinanceConfig(
            amber_from_percent=_percent(section, "amber_from_percent", defaults.amber_from_percent),
            red_from_percent=_percent(section, "red_from_percent", defaults.red_from_percent),
        )
    except DomainError:  # Amber above Red (written outside the API): the defaults hold
        return defaults
