"""The demo council loads, holds a complete and valid framework, and loads only once."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import ScopeType
from pmf_api.demo import DEMO_ORGANISATION_CODE, demo_grant, demo_people, load_demo
from pmf_api.demo.history import DEMO_TODAY
from pmf_api.domain import Direction, KpiEvaluation, Period, Rag, Variation, evaluate_kpi
from pmf_api.domain.kpi import Aggregation, Polarity, ToleranceKind, Unit
from pmf_api.domain.rag import Tolerance, check_target
from pmf_api.domain.workflow import Role
from pmf_api.framework.actions.models import Action
from pmf_api.framework.organisations.models import Directorate, Organisation, Person, Portfolio, Service
from pmf_api.framework.organisations.service import evaluation_config
from pmf_api.framework.plans.models import CorporatePlan, Outcome, Priority, ServicePlan
from pmf_api.performance import mapping
from pmf_api.performance.data_quality.models import DataQualityReview, DataQualityTemplate
from pmf_api.performance.kpis.models import ContextualMeasure, Kpi
from pmf_api.performance.submissions.models import PublishedValue, Submission, SubmissionMessage
from pmf_api.performance.targets.models import Target, TargetRevision
from pmf_api.platform.db.base import Base

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
    Submission,
    SubmissionMessage,
    PublishedValue,
    DataQualityTemplate,
    DataQualityReview,
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


async def test_every_kpi_has_data_quality_templates_signed_before_each_year(session: AsyncSession) -> None:
    """Seed 001, B.1: a template is completed before each year of reporting; two of this year's wait."""
    await load_demo(session)
    kpis = {k.id: k.code for k in await _all(session, Kpi)}
    templates = await _all(session, DataQualityTemplate)
    by_year = {(kpis[t.kpi_id], t.financial_year): t for t in templates}
    assert len(by_year) == len(templates) == 2 * len(kpis)
    waiting = {code for (code, year), t in by_year.items() if year == "2026/27" and t.state == "draft"}
    assert waiting == {"HN02", "LA02"}
    for (code, year), template in by_year.items():
        if template.state == "signed":
            assert template.declaration and template.signed_by_name and template.signed_on
            assert template.signed_on.isoformat() == f"{year[:4]}-03-20"
        if year == "2026/27":
            assert template.copied_from_id == by_year[(code, "2025/26")].id
    reviews = await _all(session, DataQualityReview)
    assert {(kpis[r.kpi_id], r.financial_year) for r in reviews} == {("WS01", "2026/27"), ("HN01", "2025/26")}
    assert all(by_year[(kpis[r.kpi_id], r.financial_year)].id == r.template_id for r in reviews)


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


# The demo's latest months: 2026/27 P7 (October) closed for collection on 15 November, P6 before it.
LATEST, PREVIOUS = "2026/27 P7", "2026/27 P6"


async def test_every_kpi_has_three_years_of_history_published_up_to_the_last_two_months(
    session: AsyncSession,
) -> None:
    await load_demo(session)
    kpis = await _all(session, Kpi)
    submissions = await _all(session, Submission)
    by_kpi: dict[uuid.UUID, list[Submission]] = {}
    for submission in submissions:
        by_kpi.setdefault(submission.kpi_id, []).append(submission)
    for kpi in kpis:
        periods = {s.period for s in by_kpi[kpi.id]}
        assert "2024/25 P1" in periods and "2025/26 P12" in periods and PREVIOUS in periods, kpi.code
        assert all(Period.parse(p) <= Period.parse(LATEST) for p in periods), kpi.code
        older = [s for s in by_kpi[kpi.id] if s.period not in {LATEST, PREVIOUS}]
        assert len(older) >= 28 and all(s.state == "published" for s in older), kpi.code
    # Up to 27 KPIs x 31 months, with a few not entered yet
    assert 800 <= len(submissions) <= len(kpis) * 31


async def test_the_latest_month_has_submissions_in_every_state_and_some_not_entered(session: AsyncSession) -> None:
    await load_demo(session)
    kpis = await _all(session, Kpi)
    latest = [s for s in await _all(session, Submission) if s.period == LATEST]
    states: dict[str, int] = {}
    for submission in latest:
        states[submission.state] = states.get(submission.state, 0) + 1
    assert set(states) == {"draft", "submitted", "queried", "resubmitted", "validated", "published"}
    assert states["published"] >= 5 and states["validated"] >= 3
    assert 1 <= len(kpis) - len(latest) <= 5  # not yet entered
    # Drafts have not been submitted, and only what the performance team validated carries a validator.
    for submission in latest:
        assert (submission.submitted_at is None) == (submission.state == "draft")
        assert (submission.validated_by is not None) == (submission.state in {"validated", "published"})
        assert submission.created_at.date() < DEMO_TODAY


async def test_values_are_realistic_and_ratios_match_their_numerator_and_denominator(session: AsyncSession) -> None:
    await load_demo(session)
    kpis = {k.id: k for k in await _all(session, Kpi)}
    for submission in await _all(session, Submission):
        kpi = kpis[submission.kpi_id]
        value = submission.value
        assert value is not None, (kpi.code, submission.period)
        if kpi.aggregation == "ratio":
            assert submission.numerator is not None and submission.denominator, (kpi.code, submission.period)
            assert Decimal(0) <= submission.numerator <= submission.denominator
            exact = submission.numerator / submission.denominator * 100
            assert value == exact.quantize(Decimal("0.000001")), (kpi.code, submission.period)
        else:
            assert submission.numerator is None and submission.denominator is None
            assert value == value.quantize(Decimal(1).scaleb(-kpi.decimal_places)), (kpi.code, submission.period)
        assert value >= 0 and (kpi.unit != "percentage" or value <= 100), (kpi.code, value)
        if submission.state in {"validated", "published"}:
            assert submission.commentary and submission.owner_forecast is not None, (kpi.code, submission.period)
        assert submission.financial_year == submission.period[:7]


async def test_scorecard_statuses_show_in_the_demo(session: AsyncSession) -> None:
    """Red two periods running (intervention), Amber, Green, Missing and SPC signals, as the domain
    computes them from the stored rows through the status mapping."""
    org = await load_demo(session)
    kpis = await _all(session, Kpi)
    targets = await _all(session, Target)
    revisions: dict[uuid.UUID, list[TargetRevision]] = {}
    for revision in await _all(session, TargetRevision):
        revisions.setdefault(revision.target_id, []).append(revision)
    submissions = await _all(session, Submission)

    def evaluate(kpi: Kpi, period_text: str) -> KpiEvaluation:
        period = Period.parse(period_text)
        return evaluate_kpi(
            mapping.definition_of(kpi),
            mapping.observations_of(s for s in submissions if s.kpi_id == kpi.id),
            mapping.targets_for([t for t in targets if t.kpi_id == kpi.id], revisions, period),
            period,
            DEMO_TODAY,
            config=evaluation_config(org),
        )

    latest = {kpi.code: evaluate(kpi, LATEST) for kpi in kpis}
    previous = {kpi.code: evaluate(kpi, PREVIOUS) for kpi in kpis}
    assert {Rag.GREEN, Rag.RED, Rag.MISSING} <= {e.rag for e in latest.values()}
    assert Rag.AMBER in {e.rag for e in previous.values()}
    red_twice = [code for code, e in latest.items() if e.rag is Rag.RED and previous[code].rag is Rag.RED]
    assert red_twice, "a KPI Red for the last two periods"
    assert all(latest[code].escalation.required for code in red_twice)
    variations = {e.spc.variation for e in latest.values() if e.spc is not None}
    assert {Variation.IMPROVEMENT, Variation.CONCERN} <= variations
    directions = {e.direction.against_previous for e in latest.values()}
    assert {Direction.IMPROVING, Direction.WORSENING} <= directions


async def test_the_last_two_months_carry_the_flags_the_domain_raises(session: AsyncSession) -> None:
    await load_demo(session)
    recent = [s for s in await _all(session, Submission) if s.period in {LATEST, PREVIOUS}]
    codes = {flag["code"] for s in recent for flag in s.flags}
    assert {"unusual_jump", "missing_comment", "forecast_out_of_line", "outside_process_limits"} <= codes
    for submission in recent:
        for flag in submission.flags:
            assert set(flag) == {"code", "severity", "message", "field"}
    amber_without_comment = [s for s in recent if any(f["code"] == "missing_comment" for f in s.flags)]
    assert all(not s.commentary for s in amber_without_comment)


async def test_queried_submissions_have_a_query_thread(session: AsyncSession) -> None:
    await load_demo(session)
    submissions = {s.id: s for s in await _all(session, Submission)}
    threads: dict[uuid.UUID, list[SubmissionMessage]] = {}
    for message in await _all(session, SubmissionMessage):
        threads.setdefault(message.submission_id, []).append(message)
    queried = [s for s in submissions.values() if s.state == "queried"]
    assert queried
    for submission in queried:
        kinds = [m.kind for m in threads[submission.id]]
        assert kinds == ["query"], submission.period
    answered = [s for s in submissions.values() if s.state == "resubmitted"]
    assert answered
    for submission in answered:
        thread = sorted(threads[submission.id], key=lambda m: m.created_at)
        assert [m.kind for m in thread] == ["query", "answer"]
        assert thread[0].author_subject != thread[1].author_subject
        assert all(m.body and m.author_name for m in thread)
    # A query answered in an earlier month, then published
    assert any(submissions[s].state == "published" for s in threads)


async def test_a_revised_publication_keeps_both_published_values(session: AsyncSession) -> None:
    await load_demo(session)
    revised = [s for s in await _all(session, Submission) if s.revision == 2]
    assert len(revised) == 1
    submission = revised[0]
    assert submission.state == "published" and submission.revision_reason
    published = sorted(
        (p for p in await _all(session, PublishedValue) if p.submission_id == submission.id), key=lambda p: p.revision
    )
    assert [p.revision for p in published] == [1, 2]
    first, second = published
    assert first.reason is None and second.reason == submission.revision_reason
    assert first.value != second.value and second.value == submission.value
    assert second.published_at > first.published_at
    # Every other published submission was published once
    all_published = await _all(session, PublishedValue)
    once = [s for s in await _all(session, Submission) if s.state == "published" and s.revision == 1]
    assert len(all_published) == len(once) + 2


async def test_the_demo_council_publishes_open_data_for_its_public_kpis(session: AsyncSession) -> None:
    from pmf_api.demo.council import PUBLIC_KPIS
    from pmf_api.publishing.open_data import formats
    from pmf_api.publishing.open_data import service as open_data

    await load_demo(session)
    assert DEMO_ORGANISATION_CODE in [council.code for council in await open_data.councils(session)]
    found = await open_data.dataset(session, DEMO_ORGANISATION_CODE)
    assert [kpi.code for kpi in found.kpis] == sorted(PUBLIC_KPIS)
    assert {row.kpi_code for row in found.values} == set(PUBLIC_KPIS)
    # As many values as those KPIs' publications, each at its latest revision.
    public_ids = {kpi.id for kpi in await _all(session, Kpi) if kpi.code in PUBLIC_KPIS}
    published = {s.id for s in await _all(session, Submission) if s.kpi_id in public_ids and s.state == "published"}
    assert len(found.values) == len(published) > 6 * 12
    page = formats.page_html(found, {"csv": "c", "json": "j", "csvw": "m"}).decode()
    assert page.count('role="img"') == len(PUBLIC_KPIS) and page.count("<table>") == len(PUBLIC_KPIS)
