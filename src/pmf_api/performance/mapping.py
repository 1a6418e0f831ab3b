"""The one place stored rows become the domain's values, so every rule runs in ``pmf_api.domain``.

Repositories and services load rows (KPIs, targets and their revisions, submissions) and call these
converters; nothing here queries the database, and nothing here knows a feature's model: a row is
anything with the columns named in the protocols below (an ORM object, a driver row, a namespace).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

from pmf_api.domain import (
    Aggregation,
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
from pmf_api.domain.rag import revision_in_force
from pmf_api.domain.workflow import COUNTED_SUBMISSION_STATES, COUNTED_TARGET_STATES

# Submissions whose values count (``domain.workflow.COUNTED_SUBMISSION_STATES``), as stored
COUNTED_STATES = frozenset(state.value for state in COUNTED_SUBMISSION_STATES)


class KpiRow(Protocol):
    @property
    def id(self) -> Any: ...
    @property
    def code(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def polarity(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def frequency(self) -> str: ...
    @property
    def aggregation(self) -> str: ...
    @property
    def decimal_places(self) -> int: ...


class FiguresRow(Protocol):
    """A submission's figures as stored (a submission, or a published value)."""

    @property
    def value(self) -> Decimal | None: ...
    @property
    def numerator(self) -> Decimal | None: ...
    @property
    def denominator(self) -> Decimal | None: ...
    @property
    def commentary(self) -> str | None: ...
    @property
    def owner_forecast(self) -> Decimal | None: ...


class SubmissionRow(FiguresRow, Protocol):
    @property
    def period(self) -> str: ...
    @property
    def state(self) -> str: ...


class TargetValuesRow(Protocol):
    """A target's values as stored (a target, or one of its revisions)."""

    @property
    def annual_target(self) -> Decimal | None: ...
    @property
    def band_lower(self) -> Decimal | None: ...
    @property
    def band_upper(self) -> Decimal | None: ...
    @property
    def tolerance_kind(self) -> str | None: ...
    @property
    def tolerance_value(self) -> Decimal | None: ...
    @property
    def profile(self) -> list[str] | None: ...


class RevisionRow(TargetValuesRow, Protocol):
    @property
    def number(self) -> int: ...
    @property
    def effective_from(self) -> str: ...


class TargetRow(TargetValuesRow, Protocol):
    @property
    def id(self) -> Any: ...
    @property
    def state(self) -> str: ...
    @property
    def financial_year(self) -> str: ...
    @property
    def target_type(self) -> str: ...


def definition_of(kpi: KpiRow) -> KpiDefinition:
    return KpiDefinition(
        code=kpi.code,
        polarity=Polarity(kpi.polarity),
        unit=Unit(kpi.unit),
        frequency=Frequency(kpi.frequency),
        aggregation=Aggregation(kpi.aggregation),
        decimal_places=kpi.decimal_places,
        title=kpi.title,
    )


class Definitions:
    """Each KPI's definition, worked out once however many of its values are handled (a bulk push)."""

    def __init__(self) -> None:
        self._by_kpi: dict[Any, KpiDefinition] = {}

    def of(self, kpi: KpiRow) -> KpiDefinition:
        found = self._by_kpi.get(kpi.id)
        if found is None:
            found = self._by_kpi[kpi.id] = definition_of(kpi)
        return found


def observation_of(submission: SubmissionRow) -> Observation:
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


def observations_of(submissions: Iterable[SubmissionRow], states: frozenset[str] = COUNTED_STATES) -> list[Observation]:
    return [observation_of(s) for s in submissions if s.state in states]


def kpi_target_of(values: TargetValuesRow, target_type: str | None) -> KpiTarget:
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
    targets: Iterable[TargetRow], revisions: Mapping[Any, Sequence[RevisionRow]], period: Period
) -> dict[FinancialYear, KpiTarget]:
    """Each year's target as the domain needs it, when its state counts
    (``domain.workflow.COUNTED_TARGET_STATES``: approved): the year of ``period`` at the revision in
    force then (``domain.rag.revision_in_force``); other years at their latest."""
    out: dict[FinancialYear, KpiTarget] = {}
    for target in targets:
        if target.state not in COUNTED_TARGET_STATES:
            continue
        year = FinancialYear.parse(target.financial_year)
        values: TargetValuesRow = target
        if year == period.financial_year:
            values = revision_in_force(revisions.get(target.id, ()), period) or target
        out[year] = kpi_target_of(values, target.target_type)
    return out
