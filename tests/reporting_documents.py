"""Report documents built in memory, for rendering tests and benchmarks: no database.

``report_document(kpis=12)`` is a realistic quarterly report of a council: priorities, outcomes, KPIs
with 36 months of history and SPC limits, actions (Do, Enable, Influence) with milestones, contextual
measures, interventions, risks, scrutiny challenges, restatements and finance. ``hostile=True`` puts
markup in the texts people type (``<script>``, typst's ``#``, ``$``, ``*``, ``]``, backslashes, formula
triggers), to prove every format shows them literally. The same arguments give the same document.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime

from pmf_api.reporting.document import (
    FinanceRow,
    HistoryPoint,
    RagCounts,
    RagWord,
    ReportAction,
    ReportChallenge,
    ReportContextual,
    ReportDocument,
    ReportIntervention,
    ReportKind,
    ReportKpi,
    ReportMilestone,
    ReportOutcome,
    ReportPriority,
    ReportQuestion,
    ReportRestatement,
    ReportRisk,
)

HOSTILE = "=HYPERLINK(\"http://x\") <script>alert('x')</script> #set page(fill: red) $x^2$ *bold* ] \\ [a](b) @ref"
RAG_TEXT: dict[RagWord, str] = {
    "green": "Green: on or better than target",
    "amber": "Amber: below target, within tolerance",
    "red": "Red: below the intervention level",
    "missing": "Missing: no value submitted",
    "not_rated": "Not rated: awaiting validation",
}
PRIORITIES = [
    ("A thriving place", ["More people in good work", "A greener borough"]),
    ("Healthy, independent lives", ["Adults live independently", "Children are safe"]),
    ("A well-run council", ["Residents are served well first time"]),
]
DIRECTORATES = ["Place", "People", "Resources"]
SERVICES = ["Waste and Recycling", "Housing Options", "Adult Social Care", "Customer Services", "Planning"]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _months(end: date, count: int) -> list[date]:
    months = []
    year, month = end.year, end.month
    for _ in range(count):
        months.append(date(year, month, 28))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(months))


def _period(day: date) -> str:
    year = day.year if day.month >= 4 else day.year - 1
    return f"{year}/{str(year + 1)[2:]} P{(day.month - 4) % 12 + 1}"


def _kpi(rng: random.Random, number: int, priority: str, outcome: str, months: int, hostile: bool) -> ReportKpi:
    end = date(2026, 9, 30)
    target = round(rng.uniform(40, 90), 1)
    level = rng.uniform(target - 15, target + 10)
    history = []
    for day in _months(end, months):
        level += rng.gauss(0, 2)
        value = None if rng.random() < 0.03 else round(level, 1)
        history.append(HistoryPoint(period=_period(day), period_end=day, value=value, target=target))
    counted = [point.value for point in history if point.value is not None]
    mean = sum(counted) / len(counted) if counted else None
    spread = 2.66 * 2.0
    rag: RagWord = rng.choice(["green", "green", "amber", "red", "missing", "not_rated"])
    last = history[-1].value
    code = f"KPI-{number:03d}"
    title = f"Share of cases resolved on time ({number})"
    commentary = "Improving after the new rota; winter pressures expected."
    if hostile:
        title = f"{title} {HOSTILE}"
        commentary = f"-{HOSTILE}"
    return ReportKpi(
        kpi_id=_uuid(rng),
        code=code,
        title=title,
        unit="%",
        polarity="higher_is_better",
        frequency="monthly",
        period=_period(end),
        service=rng.choice(SERVICES),
        directorate=rng.choice(DIRECTORATES),
        portfolio="Cabinet member for Resources",
        priority=priority,
        outcome=outcome,
        owner=f"+Owner {number}" if hostile else f"Owner {number}",
        value=None if rag == "missing" or last is None else f"{last:.1f}%",
        target=f"{target:.1f}%",
        intervention_level=f"{target - 10:.1f}%",
        rag=rag,
        rag_text=RAG_TEXT[rag],
        ytd_value=f"{target - 1:.1f}%",
        ytd_target=f"{target:.1f}%",
        ytd_rag="amber",
        direction_against_previous=rng.choice(["improving", "worsening", "unchanged"]),
        direction_against_last_year=rng.choice(["improving", "worsening", "not_comparable"]),
        variation=rng.choice(["common cause", "special cause: concern", "special cause: improvement"]),
        assurance=rng.choice(["hit and miss", "consistently passing", "consistently failing"]),
        forecast_outturn=f"{target + 1:.1f}%",
        forecast_rag="green",
        needs_intervention=rag == "red",
        value_state="missing" if rag == "missing" else "counted",
        submission_state="validated",
        queried=number % 7 == 0,
        flags=["data quality query"] if number % 7 == 0 else [],
        commentary=commentary,
        history=history,
        process_mean=mean,
        lower_process_limit=None if mean is None else mean - spread,
        upper_process_limit=None if mean is None else mean + spread,
        chart_alt=(
            f"{title}: {len(counted)} months from {history[0].period} to {history[-1].period}; "
            f"latest {last} against a target of {target}."
        ),
    )


def report_document(
    kpis: int = 12, *, months: int = 36, kind: ReportKind = "quarterly_report", hostile: bool = False, seed: int = 13
) -> ReportDocument:
    """A realistic report of ``kpis`` KPIs spread over three priorities and five outcomes."""
    rng = random.Random(seed)
    outcomes = [(priority, outcome) for priority, names in PRIORITIES for outcome in names]
    by_outcome: dict[tuple[str, str], list[ReportKpi]] = {pair: [] for pair in outcomes}
    for number in range(1, kpis + 1):
        pair = outcomes[(number - 1) % len(outcomes)]
        by_outcome[pair].append(_kpi(rng, number, pair[0], pair[1], months, hostile))
    text = HOSTILE if hostile else ""
    priorities = []
    for priority_title, names in PRIORITIES:
        counts = RagCounts(label=priority_title)
        report_outcomes = []
        for name in names:
            outcome_kpis = by_outcome[(priority_title, name)]
            for kpi in outcome_kpis:
                setattr(counts, kpi.rag, getattr(counts, kpi.rag) + 1)
            actions = [
                ReportAction(
                    action_id=_uuid(rng),
                    reference=f"ACT-{index}",
                    title=f"{['Deliver', 'Enable', 'Lobby for'][index % 3]} {name.lower()} {text}".strip(),
                    category=["do", "enable", "influence"][index % 3],  # type: ignore[arg-type]
                    service=SERVICES[index % len(SERVICES)],
                    directorate=DIRECTORATES[index % 3],
                    priority=priority_title,
                    outcome=name,
                    rag="amber" if index % 2 else "green",
                    rag_text=RAG_TEXT["amber" if index % 2 else "green"],
                    progress=25 * index,
                    status="in_progress",
                    commentary=f"On track. {text}".strip(),
                    update_state="accepted",
                    milestones=[
                        ReportMilestone(
                            title=f"Milestone {index}.1 {text}".strip(), due_date=date(2026, 12, 31), state="open"
                        ),
                        ReportMilestone(
                            title=f"Milestone {index}.2", due_date=date(2026, 8, 31), state="open", late=True
                        ),
                    ],
                )
                for index in range(3)
            ]
            contextual = [
                ReportContextual(
                    kpi_id=_uuid(rng),
                    code=f"CTX-{len(report_outcomes)}",
                    title=f"Population aged 65 and over {text}".strip(),
                    outcome=name,
                    period="2025",
                    value="41,200",
                    direction="improving",
                    source="ONS mid-year estimates",
                )
            ]
            report_outcomes.append(
                ReportOutcome(
                    outcome_id=_uuid(rng), title=name, kpis=outcome_kpis, actions=actions, contextual=contextual
                )
            )
        priorities.append(
            ReportPriority(priority_id=_uuid(rng), title=priority_title, counts=counts, outcomes=report_outcomes)
        )
    every = [kpi for priority in priorities for outcome in priority.outcomes for kpi in outcome.kpis]
    by_directorate = []
    for directorate in DIRECTORATES:
        counts = RagCounts(label=directorate)
        for kpi in every:
            if kpi.directorate == directorate:
                setattr(counts, kpi.rag, getattr(counts, kpi.rag) + 1)
        by_directorate.append(counts)
    first = every[0] if every else None
    board = kind == "board_pack"
    document = ReportDocument(
        kind=kind,
        council=f"Borsetshire County Council {text}".strip() if hostile else "Borsetshire County Council",
        title=(
            "Corporate Performance Report: Q2 2026/27" if kind == "quarterly_report" else "Board pack: September 2026"
        ),
        period="Q2 2026/27",
        period_start=date(2026, 7, 1),
        period_end=date(2026, 9, 30),
        snapshot_id=_uuid(rng),
        frozen_at=datetime(2026, 10, 20, 9, 30, tzinfo=UTC),
        frozen_by="Pat Performance",
        scope="Whole council",
        highlights=[f"{sum(1 for kpi in every if kpi.rag == 'green')} KPIs are on target. {text}".strip()],
        exceptions=[f"{sum(1 for kpi in every if kpi.rag == 'red')} KPIs need intervention."],
        priorities=priorities,
        counts_by_priority=[priority.counts for priority in priorities],
        counts_by_directorate=by_directorate,
        action_counts=[
            RagCounts(label="Do", green=2, amber=1),
            RagCounts(label="Enable", green=1, amber=2),
            RagCounts(label="Influence", amber=1, red=1),
        ],
        interventions=[
            ReportIntervention(
                intervention_id=_uuid(rng),
                kpi_code=kpi.code,
                kpi_title=kpi.title,
                state="open",
                opened_on=date(2026, 8, 3),
                summary=f"Recovery plan agreed. {text}".strip(),
            )
            for kpi in every
            if kpi.needs_intervention
        ][:10],
        risks=[
            ReportRisk(
                risk_id=_uuid(rng),
                reference=f"SR-{index}",
                title=f"Demand for adult social care exceeds budget {text}".strip(),
                register_name="strategic" if index % 2 else "operational",
                owner="Director of People",
                residual_score=12 + index,
                rag="red" if index else "amber",
                rag_text=RAG_TEXT["red" if index else "amber"],
                trend="worsening",
                next_review=date(2026, 11, 1),
                review_overdue=index == 2,
            )
            for index in range(3)
        ],
        challenges=[
            ReportChallenge(
                challenge_id=_uuid(rng),
                subject=f"KPI {first.code} {first.title}" if first else "The council's budget",
                raised_by="Cllr Ambridge",
                meeting="Overview and Scrutiny, 12 October 2026",
                raised_on=date(2026, 10, 12),
                state="answered",
                questions=[
                    ReportQuestion(
                        question=f"Why has this fallen? {text}".strip(),
                        answer="Staff vacancies; two posts filled in September.",
                        answered_by="Head of Service",
                        state="answered",
                    ),
                    ReportQuestion(question="When will it recover?", state="open"),
                ],
            )
        ],
        restatements=(
            [
                ReportRestatement(
                    kpi_id=first.kpi_id,
                    kpi_code=first.code,
                    kpi_title=first.title,
                    period="2026/27 P3",
                    reported_value="45.2%",
                    reported_rag="green",
                    reported_on=date(2026, 7, 15),
                    restated_value="44.1%",
                    restated_rag="amber",
                    restated_on=date(2026, 9, 2),
                    reason=f"Source system corrected. {text}".strip(),
                    sentence=(
                        "Reported 45.2% Green on 15 July; restated 44.1% Amber on 2 September: source system corrected."
                    ),
                )
            ]
            if first
            else []
        ),
        finance=[
            FinanceRow(
                label=service,
                budget="£1,200,000",
                actual_to_date="£640,000",
                forecast_outturn="£1,260,000",
                variance="-£60,000",
                variance_percent="-5.0%",
                variance_rag="amber",
                variance_rag_text=RAG_TEXT["amber"],
                complaints=4,
            )
            for service in SERVICES
        ],
        needing_intervention=[kpi for kpi in every if kpi.needs_intervention] if board else [],
        missing_values=[kpi for kpi in every if kpi.value_state == "missing"] if board else [],
        queried_values=[kpi for kpi in every if kpi.queried] if board else [],
        unvalidated_at_close=[f"{kpi.code} {kpi.title}: not validated by the close" for kpi in every[:2]],
    )
    return document
