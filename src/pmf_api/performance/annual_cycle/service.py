"""Use cases of the annual cycle: preview and apply the roll-forward to a financial year, and the
six-monthly stretch review.

Roll forward (seed 001_ec6bae7b38cacc6f.txt, C.1.2; seed 000_a1d4643dc9bd64fe.txt on seasonality): for
each KPI that continues (not archived), next year's target from last year's outturn by its target
type, with a period profile from the share of each period in earlier years' values, and the figures
behind both. Applying it creates draft targets through the targets service, so each still needs its
proposal and approval (four-eyes included).

Stretch review (seed 001, C.1: "targets are assessed and stretched, where possible, every six
months"): the KPIs whose last six months (two quarters) all beat the target in force for each.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_read, require_write
from pmf_api.domain import DomainError, FinancialYear, Frequency, Period
from pmf_api.domain.annual_cycle import (
    PeriodAgainstTarget,
    StretchSuggestion,
    profile_from_shares,
    proposed_annual_target,
    seasonal_shares,
    stretch_suggestion,
)
from pmf_api.domain.kpi import Aggregation, Polarity, TargetType, ToleranceKind, Unit
from pmf_api.domain.periods import financial_year_of, period_of
from pmf_api.domain.rag import round_half_up
from pmf_api.domain.ytd import period_target, year_to_date_of
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.performance import mapping
from pmf_api.performance.data_quality import service as data_quality_service
from pmf_api.performance.data_quality.repository import DataQualityTemplateRepository
from pmf_api.performance.kpis.repository import KpiRepository
from pmf_api.performance.submissions.repository import SubmissionRepository
from pmf_api.performance.targets import service as target_service
from pmf_api.performance.targets.repository import KpiTargets, TargetRepository
from pmf_api.platform.db.base import DECIMAL_SCALE
from pmf_api.platform.db.pages import Page, page_of_list
from pmf_api.platform.errors import Location, invalid

if TYPE_CHECKING:
    from pmf_api.performance.data_quality.models import DataQualityTemplate
    from pmf_api.performance.kpis.models import Kpi
    from pmf_api.performance.targets.models import Target

HISTORY_YEARS = 3  # the seasonal profile learns from up to three earlier years
STRETCH_PERIODS = {Frequency.MONTHLY: 6, Frequency.QUARTERLY: 2}


@dataclass(frozen=True)
class YearValues:
    financial_year: str
    values: list[Decimal | None]


@dataclass(frozen=True)
class Proposal:
    kpi: Kpi
    financial_year: str
    target_type: TargetType
    percentage: Decimal
    last_year_target: Decimal | None
    last_year_outturn: Decimal | None
    periods_reported: int
    proposed_annual_target: Decimal | None
    tolerance: dict[str, Any] | None
    profile: tuple[Decimal, ...] | None
    seasonal_shares: tuple[Decimal, ...] | None
    history: list[YearValues]
    existing_target_id: uuid.UUID | None
    note: str
    # The KPI's Data Quality Template for the year, for review (seed 001, B.1): in force, else the draft.
    data_quality_template: DataQualityTemplate | None = None


def _periods_of(year: FinancialYear, frequency: Frequency) -> tuple[Period, ...]:
    if frequency is Frequency.MONTHLY:
        return year.months()
    if frequency is Frequency.QUARTERLY:
        return year.quarters()
    return (year.annual(),)


def _year(text: str, field_name: str, location: Location) -> FinancialYear:
    try:
        return FinancialYear.parse(text)
    except DomainError as exc:
        raise invalid(field_name, exc.message, location) from None


async def roll_forward(
    session: AsyncSession,
    actor: Actor,
    financial_year: str | None,
    *,
    growth_percentage: Decimal,
    reduction_percentage: Decimal,
    as_of: date,
    location: Location = Location.QUERY,
) -> list[Proposal]:
    """The proposals for ``financial_year`` (default: the year after the one ``as_of`` is in), one
    per KPI that continues, by code."""
    require_read(actor)
    if financial_year is None:
        organisation = await get_organisation(session, actor)
        year = financial_year_of(as_of, organisation.financial_year_start_month).next()
    else:
        year = _year(financial_year, "financial_year", location)
    previous = year.previous()
    history_years = [previous]
    for _ in range(HISTORY_YEARS - 1):
        history_years.append(history_years[-1].previous())
    kpis = await KpiRepository(session).active(actor)
    ids = [k.id for k in kpis]
    targets = await TargetRepository(session).of_kpis(ids, years={str(year), str(previous)})
    counted = await SubmissionRepository(session).counted_in_years(ids, [str(y) for y in history_years])
    by_kpi: dict[uuid.UUID, dict[str, Any]] = {}
    for submission in counted:
        by_kpi.setdefault(submission.kpi_id, {})[submission.period] = submission
    percentages = {
        TargetType.GROWTH: growth_percentage,
        TargetType.MAINTAIN: Decimal(0),
        TargetType.REDUCTION: reduction_percentage,
    }
    templates = await DataQualityTemplateRepository(session).of_kpis(ids, str(year))
    return [
        replace(
            _proposal(kpi, year, history_years, targets.get(kpi.id, KpiTargets()), by_kpi.get(kpi.id, {}), percentages),
            data_quality_template=templates.get(kpi.id),
        )
        for kpi in kpis
    ]


def _proposal(
    kpi: Kpi,
    year: FinancialYear,
    history_years: Sequence[FinancialYear],
    targets: KpiTargets,
    submissions: dict[str, Any],
    percentages: dict[TargetType, Decimal],
) -> Proposal:
    frequency, aggregation = Frequency(kpi.frequency), Aggregation(kpi.aggregation)
    definition = mapping.definition_of(kpi)
    previous = history_years[0]
    last = next((t for t in targets.targets if t.financial_year == str(previous)), None)
    existing = next((t for t in targets.targets if t.financial_year == str(year)), None)
    history = [
        YearValues(str(y), [getattr(submissions.get(str(p)), "value", None) for p in _periods_of(y, frequency)])
        for y in history_years
    ]
    observations = [
        mapping.observation_of(submissions[str(p)]) for p in _periods_of(previous, frequency) if str(p) in submissions
    ]
    periods = len(_periods_of(previous, frequency))
    outturn = year_to_date_of(observations, periods, aggregation, definition.scale)
    # As stored figures are: to six decimal places (an average or a ratio need not end).
    outturn_value = None if outturn.value is None else round_half_up(outturn.value, DECIMAL_SCALE)
    target_type = TargetType(last.target_type) if last is not None else TargetType.MAINTAIN
    percentage = percentages[target_type]
    notes: list[str] = []
    if last is None:
        notes.append(f"No target in {previous}: proposed to maintain last year's outturn")
    proposed: Decimal | None = None
    if Polarity(kpi.polarity) is Polarity.WITHIN_BAND:
        notes.append("Kept within a band: set next year's band by hand")
    elif outturn_value is None:
        notes.append(f"No counted values in {previous}: nothing to propose from")
    else:
        proposed = proposed_annual_target(
            target_type, outturn_value, percentage, unit=Unit(kpi.unit), decimal_places=kpi.decimal_places
        )
        shown, by = f"{outturn_value.normalize():f}", f"{percentage.normalize():f}%"
        notes.append(
            {
                TargetType.GROWTH: f"Growth: {previous} outturn {shown} plus {by}",
                TargetType.MAINTAIN: f"Maintain: {previous} outturn {shown}",
                TargetType.REDUCTION: f"Reduction: {previous} outturn {shown} minus {by}",
            }[target_type]
        )
    shares = profile = None
    if aggregation is Aggregation.SUM and periods > 1:
        shares = seasonal_shares({h.financial_year: h.values for h in history}, periods)
        if proposed is not None:
            profile = profile_from_shares(proposed, shares, periods, kpi.decimal_places)
            notes.append(
                "Profile by each period's share of earlier years"
                if shares
                else "Profile even: no complete earlier year"
            )
    if existing is not None:
        notes.append(f"Already has a target for {year} ({existing.state})")
    return Proposal(
        kpi=kpi,
        financial_year=str(year),
        target_type=target_type,
        percentage=percentage,
        last_year_target=None if last is None else last.annual_target,
        last_year_outturn=outturn_value,
        periods_reported=outturn.periods_reported,
        proposed_annual_target=proposed,
        tolerance=_tolerance(last, proposed),
        profile=profile,
        seasonal_shares=shares,
        history=history,
        existing_target_id=None if existing is None else existing.id,
        note="; ".join(notes),
    )


def _tolerance(last: Any, proposed: Decimal | None) -> dict[str, Any] | None:
    """Last year's tolerance, carried over: a distance (absolute or percentage) as it was; an
    intervention level as its distance from last year's target."""
    if last is None or proposed is None or last.tolerance_kind is None or last.tolerance_value is None:
        return None
    kind = ToleranceKind(last.tolerance_kind)
    if kind is not ToleranceKind.INTERVENTION_LEVEL:
        return {"kind": kind, "value": last.tolerance_value}
    if last.annual_target is None:
        return None
    return {"kind": ToleranceKind.ABSOLUTE, "value": abs(last.annual_target - last.tolerance_value)}


def proposal_page(proposals: Sequence[Proposal], cursor: str | None, limit: int) -> Page[Proposal]:
    return page_of_list(proposals, lambda p: p.kpi.code, order="code", cursor=cursor, limit=limit)


@dataclass
class RollForwardOutcome:
    created: list[Target] = field(default_factory=list)
    skipped: list[tuple[Proposal, str]] = field(default_factory=list)
    templates: list[DataQualityTemplate] = field(default_factory=list)


async def apply_roll_forward(
    session: AsyncSession,
    actor: Actor,
    financial_year: str,
    *,
    growth_percentage: Decimal,
    reduction_percentage: Decimal,
    as_of: date,
    kpi_ids: Sequence[uuid.UUID] | None = None,
    draft_templates: bool = True,
) -> RollForwardOutcome:
    """Create the proposed targets as drafts through the targets service (each then goes through its
    proposal and approval); a KPI with a target for the year already, or nothing to propose, is
    skipped and says why. All or nothing: a target the rules refuse refuses the whole request. Rolling
    the council's targets forward is the performance team's work: it needs target rights organisation-wide.

    With ``draft_templates``, each KPI without a Data Quality Template for the year gets one drafted from
    last year's, for its service to review and its service manager to sign before the year starts
    (seed 001_ec6bae7b38cacc6f.txt, B.1)."""
    require_write(actor, Resource.target)
    proposals = await roll_forward(
        session,
        actor,
        financial_year,
        growth_percentage=growth_percentage,
        reduction_percentage=reduction_percentage,
        as_of=as_of,
        location=Location.BODY,
    )
    if kpi_ids is not None:
        known = {p.kpi.id for p in proposals}
        unknown = [str(i) for i in kpi_ids if i not in known]
        if unknown:
            raise invalid("kpi_ids", f"No KPI that continues with id {unknown[0]} in this organisation")
        wanted = set(kpi_ids)
        proposals = [p for p in proposals if p.kpi.id in wanted]
    outcome = RollForwardOutcome()
    for proposal in proposals:
        if proposal.existing_target_id is not None:
            outcome.skipped.append((proposal, f"Already has a target for {proposal.financial_year}"))
            continue
        if proposal.proposed_annual_target is None:
            outcome.skipped.append((proposal, proposal.note))
            continue
        target = await target_service.create_target(
            session,
            actor,
            {
                "kpi_id": proposal.kpi.id,
                "financial_year": proposal.financial_year,
                "target_type": proposal.target_type.value,
                "annual_target": proposal.proposed_annual_target,
                "tolerance": proposal.tolerance,
                "profile": list(proposal.profile) if proposal.profile is not None else None,
                "reason": f"Rolled forward: {proposal.note}",
            },
        )
        outcome.created.append(target)
    if draft_templates:
        for proposal in proposals:
            if proposal.data_quality_template is None:
                template = await data_quality_service.create_template(
                    session, actor, {"kpi_id": proposal.kpi.id, "financial_year": proposal.financial_year}
                )
                outcome.templates.append(template)
    return outcome


@dataclass(frozen=True)
class StretchCandidate:
    kpi: Kpi
    financial_year: str
    target_id: uuid.UUID | None
    annual_target: Decimal | None
    suggestion: StretchSuggestion
    periods: list[PeriodAgainstTarget]


def _last_ended(frequency: Frequency, last_month: Period) -> Period:
    period = last_month.within(frequency)
    return period if period.last_month_index == last_month.last_month_index else period.shift(-1)


async def stretch_review(
    session: AsyncSession, actor: Actor, period_text: str | None, *, as_of: date
) -> list[StretchCandidate]:
    """The KPIs that beat their target in each of the six months (two quarters) up to ``period_text``
    (default: the last month that has ended), with a suggested stretch; by code."""
    require_read(actor)
    organisation = await get_organisation(session, actor)
    start_month = organisation.financial_year_start_month
    if period_text is None:
        last_month = period_of(as_of, Frequency.MONTHLY, start_month).shift(-1)
    else:
        try:
            last_month = Period.parse(period_text)
        except DomainError as exc:
            raise invalid("period", exc.message, Location.QUERY) from None
        if last_month.frequency is not Frequency.MONTHLY:
            raise invalid("period", "Give the last month of the review, e.g. 2026/27 P6", Location.QUERY)
    kpis = [k for k in await KpiRepository(session).active(actor) if Frequency(k.frequency) in STRETCH_PERIODS]
    ids = [k.id for k in kpis]
    reviewed: dict[uuid.UUID, list[Period]] = {}
    for kpi in kpis:
        frequency = Frequency(kpi.frequency)
        last = _last_ended(frequency, last_month)
        reviewed[kpi.id] = [last.shift(-k) for k in reversed(range(STRETCH_PERIODS[frequency]))]
    wanted = {str(p) for periods in reviewed.values() for p in periods}
    counted = {
        (s.kpi_id, s.period): s
        for s in await SubmissionRepository(session).of_periods(ids, wanted)
        if s.state in mapping.COUNTED_STATES and s.period in wanted
    }
    targets = await TargetRepository(session).of_kpis(ids)
    found: list[StretchCandidate] = []
    for kpi in kpis:
        aggregation = Aggregation(kpi.aggregation)
        kpi_targets = targets.get(kpi.id, KpiTargets())
        rows: list[PeriodAgainstTarget] = []
        for period in reviewed[kpi.id]:
            in_force = kpi_targets.in_force(period).get(period.financial_year)
            submission = counted.get((kpi.id, str(period)))
            rows.append(
                PeriodAgainstTarget(
                    str(period),
                    None if submission is None else submission.value,
                    None if in_force is None else period_target(in_force, period, aggregation),
                )
            )
        last = reviewed[kpi.id][-1]
        current = kpi_targets.in_force(last).get(last.financial_year)
        suggestion = stretch_suggestion(
            rows,
            polarity=Polarity(kpi.polarity),
            annual_target=None if current is None else current.annual_target,
            cumulative=aggregation is Aggregation.SUM,
            unit=Unit(kpi.unit),
            decimal_places=kpi.decimal_places,
            required=len(rows),
        )
        if not suggestion.beaten:
            continue
        target_row = next((t for t in kpi_targets.targets if t.financial_year == str(last.financial_year)), None)
        found.append(
            StretchCandidate(
                kpi=kpi,
                financial_year=str(last.financial_year),
                target_id=None if target_row is None else target_row.id,
                annual_target=None if current is None else current.annual_target,
                suggestion=suggestion,
                periods=rows,
            )
        )
    return found


def stretch_page(candidates: Sequence[StretchCandidate], cursor: str | None, limit: int) -> Page[StretchCandidate]:
    return page_of_list(candidates, lambda c: c.kpi.code, order="code", cursor=cursor, limit=limit)
