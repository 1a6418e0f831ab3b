"""The demo council loads, holds a complete and valid framework, and loads only once."""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.actions.models import Action
from pmf_api.auth.actor import ScopeType
from pmf_api.db.base import Base
from pmf_api.demo import DEMO_ORGANISATION_CODE, demo_grant, demo_people, load_demo
from pmf_api.domain.kpi import Aggregation, Polarity, ToleranceKind, Unit
from pmf_api.domain.rag import Tolerance, check_target
from pmf_api.domain.workflow import Role
from pmf_api.kpis.models import ContextualMeasure, Kpi
from pmf_api.organisations.models import Directorate, Organisation, Person, Portfolio, Service
from pmf_api.plans.models import CorporatePlan, Outcome, Priority, ServicePlan
from pmf_api.targets.models import Target, TargetRevision

COUNTED: list[type[Base]] = [
    Directorate,
    Portfolio,
    Service,
    Person,
    CorporatePlan,
    Priority,
    Outcome,
    ServicePlan,
    Kpi,
    ContextualMeasure,
    Action,
    Target,
    TargetRevision,
]


async def _counts(session: AsyncSession) -> dict[str, int]:
    counts = {}
    for model in COUNTED:
        counts[model.__name__] = (await session.execute(select(func.count()).select_from(model))).scalar_one()
    return counts


T = TypeVar("T", bound=Base)


async def _all(session: AsyncSession, model: type[T]) -> list[T]:
    return list((await session.execute(select(model))).scalars())


async def test_demo_council_has_a_complete_framework(session: AsyncSession) -> None:
    org = await load_demo(session)
    await session.commit()
    assert org.code == DEMO_ORGANISATION_CODE
    assert org.financial_year_start_month == 4

    directorates = await _all(session, Directorate)
    services = await _all(session, Service)
    assert len(directorates) == 3
    assert len(services) >= 6
    assert {s.directorate_id for s in services} == {d.id for d in directorates}
    assert all(d.director_id for d in directorates)
    assert all(s.head_of_service_id and s.portfolio_id for s in services)
    portfolios = await _all(session, Portfolio)
    assert len(portfolios) == 4 and all(p.holder_id for p in portfolios)

    priorities = await _all(session, Priority)
    outcomes = await _all(session, Outcome)
    assert len(priorities) >= 4
    per_priority = {p.id: sum(o.priority_id == p.id for o in outcomes) for p in priorities}
    assert all(2 <= n <= 3 for n in per_priority.values())
    assert any(o.lgof_outcome for o in outcomes) and any(o.best_value_themes for o in outcomes)

    people = {p.id: p for p in await _all(session, Person)}
    assert all(p.email.endswith("@example.gov.uk") for p in people.values())
    assert any(p.job_title == "Business Performance & Insights Officer" for p in people.values())

    kpis = await _all(session, Kpi)
    assert len(kpis) >= 25
    targets = {(t.kpi_id, t.financial_year): t for t in await _all(session, Target)}
    revisions = {r.target_id: r for r in await _all(session, TargetRevision)}
    for kpi in kpis:
        assert kpi.owner_id is not None and kpi.backup_owner_id is not None, kpi.code
        owner, backup = people[kpi.owner_id], people[kpi.backup_owner_id]
        assert owner.service_id == kpi.service_id and backup.service_id == kpi.service_id, kpi.code
        assert owner.id != backup.id, kpi.code
        assert kpi.outcome_id and kpi.portfolio_id, kpi.code
        if kpi.aggregation == "ratio":
            assert kpi.numerator_label and kpi.denominator_label, kpi.code
        for year in ("2024/25", "2025/26", "2026/27"):
            target = targets[(kpi.id, year)]
            assert target.state == "approved"
            _check_demo_target(kpi, target)
            revision = revisions[target.id]
            assert (revision.number, revision.effective_from, revision.created_by) == (
                1,
                f"{year} P1",
                "demo",
            )
            assert revision.annual_target == target.annual_target
            assert revision.intervention_level == target.intervention_level
    assert sum(t.tolerance_kind == "percentage" for t in targets.values()) >= 3
    assert sum(t.profile is not None and kpi_aggregation(kpis, t) == "sum" for t in targets.values()) >= 3

    measures = await _all(session, ContextualMeasure)
    assert 4 <= len(measures) <= 6
    assert all(m.frequency == "annual" and m.preferred_direction in {"higher_is_better", "lower_is_better"}
               for m in measures)  # fmt: skip

    actions = await _all(session, Action)
    assert 10 <= len(actions) <= 15
    assert {a.delivery_role for a in actions} == {"do", "enable", "influence"}
    for action in actions:
        assert action.owner_id in people and action.outcome_id
        assert action.start_date and action.due_date and action.start_date <= action.due_date
        assert 1 <= len(action.milestones) <= 3
        assert all(set(m) == {"title", "due_date", "completed_on"} for m in action.milestones)

    plans = await _all(session, ServicePlan)
    assert {p.service_id for p in plans} == {s.id for s in services}
    assert all(p.financial_year == "2026/27" for p in plans)
    assert {"draft", "quality_review", "approved", "published"} <= {p.status for p in plans}


def kpi_aggregation(kpis: list[Kpi], target: Target) -> str:
    return next(k.aggregation for k in kpis if k.id == target.kpi_id)


def _check_demo_target(kpi: Kpi, target: Target) -> None:
    polarity = Polarity(kpi.polarity)
    annual = target.annual_target
    level = target.intervention_level
    assert annual is not None and level is not None, kpi.code
    assert target.tolerance_kind is not None and target.tolerance_value is not None, kpi.code
    # The intervention level stored is the one the tolerance gives, and it lies on the worse side.
    tolerance = Tolerance(ToleranceKind(target.tolerance_kind), target.tolerance_value)
    assert tolerance.intervention_level(annual, polarity) == level, kpi.code
    if polarity is Polarity.HIGHER_IS_BETTER:
        assert level < annual, kpi.code
    else:
        assert level > annual, kpi.code
    profile = None if target.profile is None else [Decimal(p) for p in target.profile]
    problems = check_target(
        polarity=polarity,
        unit=Unit(kpi.unit),
        target=annual,
        tolerance=tolerance,
        aggregation=Aggregation(kpi.aggregation),
        profile=profile,
        decimal_places=kpi.decimal_places,
    )
    assert problems == [], (kpi.code, target.financial_year, problems)
    if kpi.unit == "percentage":
        assert Decimal(0) <= annual <= Decimal(100), kpi.code
    if profile is not None:
        assert len(profile) == 12, kpi.code
        if kpi.aggregation == "sum":
            assert sum(profile, Decimal(0)) == annual, kpi.code  # exactly, not just when rounded
    assert annual == annual.quantize(Decimal(1).scaleb(-kpi.decimal_places)), kpi.code


async def test_loading_twice_changes_nothing(session: AsyncSession) -> None:
    first = await load_demo(session)
    await session.commit()
    before = await _counts(session)
    second = await load_demo(session)
    await session.commit()
    assert second.id == first.id
    assert await _counts(session) == before
    organisations = await session.execute(
        select(func.count()).select_from(Organisation).where(Organisation.code == DEMO_ORGANISATION_CODE)
    )
    assert organisations.scalar_one() == 1


async def test_every_role_has_a_demo_person_to_act_as(session: AsyncSession) -> None:
    org = await load_demo(session)
    people = await demo_people(session, org.id)
    assert people["perf_officer"].job_title == "Business Performance & Insights Officer"
    for role in Role:
        person, grant = await demo_grant(session, org.id, role)
        assert person.organisation_id == org.id
        assert grant.role is role
        assert (grant.scope_id is None) == (grant.scope is ScopeType.ORGANISATION)
