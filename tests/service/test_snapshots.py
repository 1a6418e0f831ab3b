"""As-reported snapshots called as a job would (issue 13, section 1): what a frozen quarter keeps from
every feature, that it reads a fixed number of statements whatever the number of KPIs, that a later
change leaves it as it was, and the report document built from it (grouped, counted, filtered, the
same every time)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.assurance.risks import service as risk_service
from pmf_api.assurance.scrutiny import service as scrutiny_service
from pmf_api.domain.workflow import Role, SubmissionState
from pmf_api.framework.action_updates import service as update_service
from pmf_api.framework.actions import service as action_service
from pmf_api.framework.plans import service as plan_service
from pmf_api.performance.contextual_values import service as value_service
from pmf_api.performance.kpis import service as kpi_service
from pmf_api.performance.kpis.models import Kpi
from pmf_api.performance.status.service import ScorecardFilters, scorecard
from pmf_api.performance.submissions import service as submission_service
from pmf_api.platform.audit import AuditEntry
from pmf_api.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pmf_api.reporting.building import Filters, build_document
from pmf_api.reporting.snapshots import service as snapshot_service
from tests.service.builders import Council, actor, approved_target, council, kpi

Values = submission_service.SubmissionValues
TODAY = date(2026, 11, 30)  # in 2026/27 Q3: Q2 (July to September) has ended
Q2 = ("2026/27 P4", "2026/27 P5", "2026/27 P6")


async def publish(session: AsyncSession, place: Council, made: Kpi, values: dict[str, str]) -> None:
    checker = actor(place.organisation_id, subject="checker@example.gov.uk")
    for period, value in values.items():
        saved = await submission_service.save_values(
            session,
            place.team,
            made,
            period,
            Values(value=Decimal(value), commentary=f"{period} as reported"),
            as_of=TODAY,
            submit=True,
        )
        for to in (SubmissionState.VALIDATED, SubmissionState.PUBLISHED):
            await submission_service.transition(session, checker, saved.submission.id, to)


@contextmanager
def statements(session: AsyncSession) -> Iterator[list[str]]:
    """The SQL statements run on the session's connection while the block runs."""
    seen: list[str] = []
    engine = session.bind.sync_engine if hasattr(session.bind, "sync_engine") else session.bind.engine.sync_engine  # type: ignore[union-attr]

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def plan(session: AsyncSession, place: Council) -> tuple[Any, Any, Any]:
    corporate = await records.create(
        session,
        place.team,
        plan_service.corporate_plans,
        {"title": "Council Plan", "start_year": 2024, "end_year": 2028},
    )
    priority = await records.create(
        session,
        place.team,
        plan_service.priorities,
        {"corporate_plan_id": corporate.id, "code": "P1", "title": "A greener district", "position": 1},
    )
    outcome = await records.create(
        session,
        place.team,
        plan_service.outcomes,
        {"priority_id": priority.id, "code": "O1", "title": "Less waste sent to landfill"},
    )
    return corporate, priority, outcome


async def test_freezing_q2_keeps_what_every_feature_shows(session: AsyncSession) -> None:
    place = await council(session)
    _, priority, outcome = await plan(session, place)
    recycled = await kpi(session, place, code="WAS-01", title="Household waste recycled", outcome_id=outcome.id)
    missed = await kpi(session, place, code="WAS-02", title="Missed bins per 100,000 collections")
    for made in (recycled, missed):
        await approved_target(session, place, made, "2025/26")
        await approved_target(session, place, made)
    months = [f"2025/26 P{m}" for m in range(7, 13)] + [f"2026/27 P{m}" for m in range(1, 7)]
    await publish(session, place, recycled, {period: str(40 + i) for i, period in enumerate(months)})  # up to 51
    await publish(session, place, missed, {"2026/27 P4": "44", "2026/27 P5": "40"})  # P6 never sent: missing
    doubted = await kpi(session, place, code="WAS-03", title="Fly-tipping incidents cleared in 24 hours")
    sent = await submission_service.save_values(
        session, place.team, doubted, "2026/27 P6", Values(value=Decimal("97.0")), as_of=TODAY, submit=True
    )
    await submission_service.transition(
        session, place.team, sent.submission.id, SubmissionState.QUERIED, message="Twice last month's: check it"
    )
    do = await action_service.create_action(
        session,
        place.team,
        {
            "code": "CPA-01",
            "title": "Roll out food waste collections",
            "delivery_role": "do",
            "status": "in_progress",
            "service_id": place.service_id,
            "owner_id": place.owner_id,
            "outcome_id": outcome.id,
            "start_date": date(2026, 4, 1),
            "due_date": date(2027, 3, 31),
        },
    )
    await update_service.create_update(
        session,
        place.team,
        {
            "action_id": do.id,
            "financial_year": "2026/27",
            "quarter": 2,
            "progress_percent": 60,
            "rag": "green",
            "commentary": "Half the district done",
        },
        as_of=TODAY,
    )
    risk = await risk_service.create_risk(
        session,
        place.team,
        {
            "code": "OR-01",
            "title": "Fleet breakdowns",
            "cause": "Ageing vehicles",
            "event": "Rounds missed",
            "effect": "Complaints",
            "owner_id": place.owner_id,
            "register": "operational",
            "service_id": place.service_id,
            "inherent_likelihood": 4,
            "inherent_impact": 4,
            "residual_likelihood": 4,
            "residual_impact": 4,
        },
        TODAY,
    )
    member = actor(place.organisation_id, Role.VIEWER, subject="cllr@example.gov.uk")
    await scrutiny_service.raise_challenge(
        session,
        member,
        {
            "title": "Why are bins missed?",
            "panel": "Overview and Scrutiny Committee",
            "member_name": "Cllr Pat Green",
            "raised_on": date(2026, 9, 10),
            "subject_type": "kpi",
            "subject_id": missed.id,
            "questions": [{"text": "What is the plan?", "assigned_to_id": place.owner_id, "due_on": date(2026, 9, 24)}],
        },
        as_of=date(2026, 9, 10),
    )
    measure = await records.create(
        session,
        place.team,
        kpi_service.contextual_measures,
        {
            "code": "CM-01",
            "title": "Residual waste per household (kg)",
            "unit": "number",
            "preferred_direction": "lower_is_better",
            "outcome_id": outcome.id,
        },
    )
    for year, value in (("2024/25", 520), ("2025/26", 498)):
        await value_service.add_value(
            session,
            place.team,
            measure.id,
            {"period": year, "value": Decimal(value), "source": "DEFRA", "published_on": date(2026, 5, 1)},
            as_of=TODAY,
        )

    with statements(session) as seen:
        snapshot = await snapshot_service.freeze(session, place.team, "2026/27 Q2", as_of=TODAY)
    content = snapshot.content
    assert (snapshot.period, snapshot.frequency, snapshot.period_end) == ("2026/27 Q2", "quarterly", date(2026, 9, 30))
    assert snapshot.content_hash == snapshot_service.content_hash(content)
    by_code = {k["status"]["kpi_code"]: k for k in content["kpis"]}
    assert by_code["WAS-01"]["status"]["period"] == "2026/27 P6" and by_code["WAS-01"]["status"]["value"] == 51
    assert by_code["WAS-01"]["priority"] == "A greener district" and by_code["WAS-01"]["owner"] == "Ola Owner"
    assert len(by_code["WAS-01"]["history"]) == 12 and by_code["WAS-01"]["history"][0]["target"] == 50
    assert by_code["WAS-02"]["status"]["value_state"] == "missing"
    assert [a["update"]["commentary"] for a in content["actions"]] == ["Half the district done"]
    assert [r["risk_id"] for r in content["risks"]] == [str(risk.id)]
    assert [c["questions"][0]["question"] for c in content["challenges"]] == ["What is the plan?"]
    assert [(c["code"], c["value"], c["direction"]) for c in content["contextual"]] == [("CM-01", "498", "improving")]
    # A fixed handful of statements: see test_statements_do_not_grow_with_the_kpis
    assert len(seen) <= 40, seen
    audit = await session.scalar(AuditEntry.__table__.select().where(AuditEntry.entity_id == snapshot.id))
    assert audit is not None

    # The document: grouped by priority then outcome, what has no outcome last; counted; in words.
    frozen = snapshot_service.frozen(snapshot)
    document = build_document(frozen, "quarterly_report", Filters())
    assert [(p.title, [o.title for o in p.outcomes]) for p in document.priorities] == [
        ("A greener district", ["Less waste sent to landfill"]),
        ("Not linked to a priority", ["Not linked to an outcome"]),
    ]
    first = document.priorities[0].outcomes[0]
    assert [k.code for k in first.kpis] == ["WAS-01"] and [a.reference for a in first.actions] == ["CPA-01"]
    assert [c.code for c in first.contextual] == ["CM-01"]
    assert document.priorities[0].priority_id == priority.id and document.priorities[1].priority_id is None
    assert [(c.label, c.green, c.missing) for c in document.counts_by_priority] == [
        ("A greener district", 1, 0),
        ("Not linked to a priority", 0, 1),
        ("Council", 1, 1),
    ]
    assert [(c.label, c.not_rated, c.total) for c in document.counts_by_directorate] == [
        ("Place", 1, 3),
        ("Council", 1, 3),
    ]
    assert [(c.label, c.green) for c in document.action_counts] == [("Do", 1), ("Enable", 0), ("Influence", 0)]
    assert "1 of 3 KPIs is missing a value: WAS-02 Missed bins per 100,000 collections." in document.exceptions
    assert "WAS-01 has improved for 11 months in a row (SPC special cause: improvement)." in document.highlights
    assert document.challenges[0].subject == "KPI WAS-02 Missed bins per 100,000 collections"
    assert [r.rag for r in document.risks] == ["red"]
    assert document.all_kpis()[0].chart_alt.startswith(
        "Trend of WAS-01 over 12 months from 2025/26 P7 to 2026/27 P6: latest 51.0% against a target of 50.0%"
    )
    # The same snapshot and filter: the same document, to the byte.
    assert build_document(frozen, "quarterly_report", Filters()).model_dump_json() == document.model_dump_json()
    pack = build_document(frozen, "board_pack", Filters())
    assert [k.code for k in pack.missing_values] == ["WAS-02"] and document.missing_values == []
    assert [(k.code, k.rag, k.value_state) for k in pack.queried_values] == [
        ("WAS-03", "not_rated", "awaiting_validation")
    ]
    assert "1 of 3 KPIs is queried: WAS-03 Fly-tipping incidents cleared in 24 hours." in pack.exceptions
    clinic = build_document(frozen, "quarterly_report", Filters(directorate_id=place.directorate_id))
    assert clinic.scope == "Directorate: Place" and len(clinic.all_kpis()) == 3
    elsewhere = build_document(frozen, "quarterly_report", Filters(portfolio_id=uuid.uuid4()))
    assert elsewhere.priorities == [] and elsewhere.risks == [] and elsewhere.challenges == []
    # What period close and the finance import will freeze into the content is listed from it.
    restated = {
        "kpi_id": str(recycled.id),
        "kpi_code": "WAS-01",
        "kpi_title": "Household waste recycled",
        "period": "2026/27 P5",
        "reported_value": "45.2%",
        "reported_rag": "green",
        "reported_on": "2026-07-15",
        "restated_value": "44.1%",
        "restated_rag": "amber",
        "restated_on": "2026-09-02",
        "reason": "Source system corrected",
        "sentence": "WAS-01 reported 45.2% Green on 15 July; restated 44.1% Amber on 2 September: source system "
        "corrected.",
    }
    budget = {"label": "Waste", "budget": "£1,200,000", "directorate_id": str(place.directorate_id)}
    with_logs = replace(frozen, content={**content, "restatements": [restated], "finance": [budget]})
    logged = build_document(with_logs, "quarterly_report", Filters(directorate_id=place.directorate_id))
    assert [r.sentence for r in logged.restatements] == [restated["sentence"]]
    assert [(f.label, f.budget) for f in logged.finance] == [("Waste", "£1,200,000")]
    elsewhere = build_document(with_logs, "quarterly_report", Filters(portfolio_id=uuid.uuid4()))
    assert elsewhere.restatements == [] and elsewhere.finance == []

    # A later change leaves the snapshot as it was.
    revised = await submission_service.find_submission(session, place.team, recycled, "2026/27 P6")
    await submission_service.revise(session, place.team, revised.id, "Source system corrected", None)
    corrected = Values(value=Decimal("30.0"), commentary="Corrected")
    await submission_service.save_values(
        session, place.team, recycled, "2026/27 P6", corrected, as_of=TODAY, submit=True
    )
    checker = actor(place.organisation_id, subject="checker@example.gov.uk")
    for to in (SubmissionState.VALIDATED, SubmissionState.PUBLISHED):
        await submission_service.transition(session, checker, revised.id, to)
    card = await scorecard(session, place.team, ScorecardFilters(), "2026/27 P6", as_of=TODAY)
    assert [item.evaluation.value for item in card.items if item.kpi.id == recycled.id] == [Decimal("30.0")]
    session.expunge_all()  # read back from the database, not the session's identity map
    again = await snapshot_service.get_snapshot(session, place.team, snapshot.id)
    assert again.content_hash == snapshot.content_hash == snapshot_service.content_hash(again.content)
    later = build_document(snapshot_service.frozen(again), "quarterly_report", Filters())
    assert later.model_dump_json() == document.model_dump_json()
    # Nothing writes a snapshot again; a change slipped in by mistake is refused at the flush.
    again.content_hash = "0" * 64
    with pytest.raises(RuntimeError, match="never changed"):
        await session.flush()


async def test_freezing_is_refused_when_it_should_be(session: AsyncSession) -> None:
    place = await council(session)
    other = await council(session, "SOUTHMERE")
    with pytest.raises(InvalidInput) as refused:
        await snapshot_service.freeze(session, place.team, "2026/27 Q3", as_of=TODAY)
    assert [p.field for p in refused.value.problems] == ["period"] and "not ended" in refused.value.detail
    with pytest.raises(InvalidInput):
        await snapshot_service.freeze(session, place.team, "2026/27 P8", as_of=TODAY)  # ends 30 November: today
    with pytest.raises(InvalidInput, match="is a year"):
        await snapshot_service.freeze(session, place.team, "2025/26", as_of=TODAY)
    with pytest.raises(PermissionDenied):
        await snapshot_service.freeze(session, actor(place.organisation_id, Role.DIRECTOR), "2026/27 Q2", as_of=TODAY)
    made = await snapshot_service.freeze(session, place.team, "2026/27 P7", as_of=TODAY)
    assert made.content["kpis"] == [] and made.content["report_quarter"] == "2026/27 Q2"
    with pytest.raises(Conflict, match="frozen already"):
        await snapshot_service.freeze(session, place.team, "2026/27 P7", as_of=TODAY + timedelta(days=3))
    with pytest.raises(NotFound):
        await snapshot_service.get_snapshot(session, other.team, made.id)
    request = snapshot_service.ReportRequest("quarterly_report")
    with pytest.raises(InvalidInput, match="quarter's snapshot"):
        await snapshot_service.report(session, place.team, made.id, request)
    pack = await snapshot_service.report(session, place.team, made.id, snapshot_service.ReportRequest("board_pack"))
    assert pack.title == "Board performance pack: P7 2026/27" and pack.priorities == []


async def test_statements_do_not_grow_with_the_kpis(session: AsyncSession) -> None:
    place = await council(session)
    counts = []
    # Two months inside a quarter: the month ending one also reads its complaints counts.
    for period, how_many in (("2026/27 P4", 2), ("2026/27 P5", 12)):
        while len([k for k in (await kpi_service_list(session, place))]) < how_many:
            made = await kpi(session, place)
            await approved_target(session, place, made)
            await publish(session, place, made, {"2026/27 P4": "47", "2026/27 P5": "49"})
        with statements(session) as seen:
            await snapshot_service.freeze(session, place.team, period, as_of=TODAY)
        counts.append(len(seen))
    assert counts[0] == counts[1] <= 40, counts


async def kpi_service_list(session: AsyncSession, place: Council) -> list[Any]:
    from pmf_api.performance.kpis.repository import KpiRepository
    from pmf_api.platform.db.pages import ListQuery

    return await KpiRepository(session).every(place.team, ListQuery(limit=500))
