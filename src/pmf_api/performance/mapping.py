"""Turns stored rows into the domain's values, so every rule runs in ``pmf_api.domain``.

Services load rows (KPIs, targets and their revisions, submissions) and call these converters;
nothing here queries the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from pmf_api.domain import (
    Aggregation,
    EvaluationConfig,
    FinancialYear,
    Frequency,
    KpiDefinition,
    KpiTarget,
    Observation,
    Period,
    Polarity,
    TargetType,
    Tolerance,
    ToleranceKind,
    Unit,
)
from pmf_api.domain.escalation import EscalationConfig
from pmf_api.domain.rag import revision_in_force
from pmf_api.domain.workflow import COUNTED_SUBMISSION_STATES, COUNTED_TARGET_STATES
from pmf_api.framework.organisations.models import Organisation
from pmf_api.performance.kpis.models import Kpi
from pmf_api.performance.submissions.models import Submission
from pmf_api.performance.targets.models import Target, TargetRevision

# Submissions whose values count (``domain.workflow.COUNTED_SUBMISSION_STATES``), as stored
COUNTED_STATES = frozenset(state.value for state in COUNTED_SUBMISSION_STATES)


def definition_of(kpi: Kpi) -> KpiDefinition:
    return KpiDefinition(
        code=kpi.code,
        polarity=Polarity(kpi.polarity),
        unit=Unit(kpi.unit),
        frequency=Frequency(kpi.frequency),
        aggregation=Aggregation(kpi.aggregation),
        decimal_places=kpi.decimal_places,
        title=kpi.title,
    )


def observation_of(submission: Submission) -> Observation:
    return observation_from(
        submission.period,
        submission.value,
        submission.numerator,
        submission.denominator,
        submission.commentary,
        submission.owner_forecast,
    )


def observation_from(
    period: str,
    value: Decimal | None,
    numerator: Decimal | None,
    denominator: Decimal | None,
    commentary: str | None,
    owner_forecast: Decimal | None,
) -> Observation:
    """A stored submission's figures (in the order of its columns) as the domain's observation."""
    return Observation(
        period=Period.parse(period),
        value=value,
        numerator=numerator,
        denominator=denominator,
        comment=commentary or "",
        owner_forecast=owner_forecast,
    )


def observations_of(submissions: Iterable[Submission], states: frozenset[str] = COUNTED_STATES) -> list[Observation]:
    return [observation_of(s) for s in submissions if s.state in states]


def _kpi_target(values: Target | TargetRevision, target_type: str | None) -> KpiTarget:
    tolerance = (
        Tolerance(ToleranceKind(values.tolerance_kind), values.tolerance_value)
        if values.tolerance_kind is not None and values.tolerance_value is not None
        else None
    )
    profile = tuple(Decimal(v) for v in values.profile) if values.profile is not None else None
    return KpiTarget(
        annual_target=values.annual_target,
        tolerance=tolerance,
        band_lower=values.band_lower,
        band_upper=values.band_upper,
        profile=profile,
        target_type=TargetType(target_type) if target_type else None,
    )


def targets_for(
    targets: Iterable[Target], revisions: Mapping[Any, Sequence[TargetRevision]], period: Period
) -> dict[FinancialYear, KpiTarget]:
    """Each year's target as the domain needs it, when its state counts
    (``domain.workflow.COUNTED_TARGET_STATES``: approved): the year of ``period`` at the revision in
    force then (``domain.rag.revision_in_force``); other years at their latest."""
    out: dict[FinancialYear, KpiTarget] = {}
    for target in targets:
        if target.state not in COUNTED_TARGET_STATES:
            continue
        year = FinancialYear.parse(target.financial_year)
        values: Target | TargetRevision = target
        if year == period.financial_year:
            values = revision_in_force(revisions.get(target.id, ()), period) or target
        out[year] = _kpi_target(values, target.target_type)
    return out


def evaluation_config(organisation: Organisation) -> EvaluationConfig:
    """The organisation's choices (``settings.escalation`` and the year's start month) over the defaults."""
    settings = organisation.settings or {}
    escalation = settings.get("escalation") or {}
    known = {k: v for k, v in escalation.items() if k in EscalationConfig.__dataclass_fields__}
    return EvaluationConfig(
        escalation=EscalationConfig(**known) if known else EscalationConfig(),
        start_month=organisation.financial_year_start_month,
    )
