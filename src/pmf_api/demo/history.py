"""Northdale's monthly history: three financial years of submissions, queries and publications.

Seed 001_ec6bae7b38cacc6f.txt, C.2 and Appendix E.1: each month the KPI owner reports a value, a
comment and a year-end forecast; the performance team validates or queries it and publishes what
it validated. The demo runs that cycle from 2024/25 P1 to the latest month whose collection window
has closed on ``DEMO_TODAY``: every month before the last two is published, the last two are in
mixed states, so every status of the scorecard shows somewhere (Green, Amber, Red, Missing,
improving and worsening, SPC signals, intervention needed, flags, queries, a revision).

How each KPI behaves is the ``SCENARIOS`` table below. A KPI's performance is drawn as a
*position* between its target (0) and its intervention level (1): below 0 is better than target,
above 1 is Red. That works for either polarity and every unit, and the values follow the target
profiles, so sum KPIs carry their seasonality. Everything is drawn from ``random.Random`` seeded
per KPI, so the demo is the same on every load. Rows go in with bulk inserts.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.domain import (
    Aggregation,
    EvaluationConfig,
    FinancialYear,
    Frequency,
    Observation,
    Period,
    evaluate_kpi,
    forecast_outturn,
)
from pmf_api.framework.organisations.models import Organisation, Person
from pmf_api.framework.organisations.service import evaluation_config
from pmf_api.performance import mapping
from pmf_api.performance.kpis.models import Kpi
from pmf_api.performance.submissions.models import PublishedValue, Submission, SubmissionMessage
from pmf_api.performance.targets.models import Target, TargetRevision

# The demo's "today": its latest month is the last whose collection window has closed by then.
DEMO_TODAY = date(2026, 11, 22)
HISTORY_YEARS = ("2024/25", "2025/26", "2026/27")
SEED = 20261122
# The performance team member who validates, queries and publishes (a key of demo.PEOPLE).
PERFORMANCE_OFFICER = "perf_officer"

# Stories: how the position (0 = target, 1 = intervention level) moves over the history.
STEADY = "steady"  # comfortably on target
AMBER = "amber"  # hovering just short of target, within tolerance
IMPROVING = "improving"  # a step change for the better eight months ago (an SPC shift)
CLIMBING = "climbing"  # better every month for three years (an SPC trend)
DRIFTING_RED = "drifting_red"  # fine until the spring, then worse every month: Red twice running
RECOVERING = "recovering"  # Red last year, back within tolerance this year
WORSENING = "worsening"  # slipping from Green into Amber over the last year

NOT_ENTERED = None


@dataclass(frozen=True)
class Scenario:
    """How one KPI behaves in the demo.

    ``previous`` and ``latest`` are the states of the last two months' submissions (``None``: not
    entered yet). ``volume`` is a ratio KPI's typical monthly denominator. ``last_month`` overrides
    the latest month's position (a one-off spike or lapse). ``pressure`` and ``action`` fill the
    owner's comments: why it falls short and what the service is doing about it.
    """

    story: str
    previous: str
    latest: str | None
    pressure: str
    action: str
    volume: int | None = None
    counted_in: str = "1"
    noise: float = 0.25
    last_month: float | None = None
    seasonal: str | None = None
    missing: tuple[str, ...] = ()
    optimistic_forecast: bool = False
    comment_latest: bool = True


P, V = "published", "validated"

# fmt: off
SCENARIOS: dict[str, Scenario] = {
    # Waste: recycling revised after WasteDataFlow; food waste go-live in October spikes missed bins
    "WS01": Scenario(STEADY, P, P, "lower garden waste tonnages in a dry month",
                     "the food waste roll-out should add about two points", volume=3600, counted_in="0.1",
                     seasonal="garden_waste"),
    "WS02": Scenario(STEADY, P, V, "higher residual tonnages after the bank holidays",
                     "the food waste roll-out takes food out of the residual bin"),
    "WS03": Scenario(STEADY, P, "resubmitted", "new rounds bedding in after the food waste go-live",
                     "crews are re-trained on the new round sheets and a second supervisor is covering",
                     last_month=6.0),
    "WS04": Scenario(STEADY, P, "submitted", "new rounds bedding in after the food waste go-live",
                     "crews are re-trained on the new round sheets", last_month=0.7, comment_latest=False),
    "WS05": Scenario(IMPROVING, P, P, "repeat dumping at rural lay-bys",
                     "CCTV at the ten hotspots and fixed penalties"),
    # Planning: officers moved to the Local Plan drive minor applications into Red
    "PL01": Scenario(STEADY, P, V, "two complex schemes determined late", "extensions of time agreed early",
                     volume=6, noise=0.5),
    "PL02": Scenario(DRIFTING_RED, P, P, "two planning officer vacancies and officers moved onto the Local "
                     "Plan Regulation 19 work", "an agency planner starts next month and older cases are "
                     "being triaged with extensions of time", volume=55, noise=0.08),
    "PL03": Scenario(STEADY, P, NOT_ENTERED, "a backlog of householder applications over the summer",
                     "weekly case reviews", volume=120),
    # Environmental Health: last year's inspection backlog cleared this year
    "EH01": Scenario(RECOVERING, P, V, "an inspector vacancy and the backlog of unrated businesses",
                     "the contractor is clearing the backlog of low-risk inspections", volume=70,
                     noise=0.1),
    "EH02": Scenario(STEADY, P, "draft", "new businesses awaiting their first rating",
                     "re-rating visits on request"),
    # Housing: temporary accommodation rising, the owner counting on the new scheme
    "HN01": Scenario(WORSENING, P, "submitted", "more evictions from the private rented sector",
                     "the council-owned scheme opens in the spring and landlord incentives are offered",
                     noise=0.1, optimistic_forecast=True),
    "HN02": Scenario(STEADY, P, P, "fewer early referrals from partners", "the early-help referral protocol"),
    "HN03": Scenario(STEADY, P, "queried", "no suitable self-contained units free",
                     "moves to self-contained accommodation are prioritised", last_month=2.0),
    # Leisure: memberships growing every month since the refurbishment
    "LA01": Scenario(STEADY, P, P, "the pool closure for maintenance", "extra swimming sessions"),
    "LA02": Scenario(CLIMBING, P, P, "cancellations after the price rise", "the refer-a-friend offer",
                     noise=0.1),
    # Customer services: busy with annual bills in April and March
    "CS01": Scenario(AMBER, P, "submitted", "annual bill queries and two adviser vacancies",
                     "online accounts for council tax go live in November", volume=14000, seasonal="bills"),
    "CS02": Scenario(AMBER, P, "queried", "annual bill queries and two adviser vacancies",
                     "call-back is offered when the queue is long", seasonal="bills"),
    "CS03": Scenario(STEADY, V, "draft", "complex stage 2 complaints", "weekly chasing of overdue responses",
                     volume=60),
    "CS04": Scenario(RECOVERING, P, NOT_ENTERED, "a spike in requests about the Local Plan",
                     "a second officer handles routine requests", volume=45),
    # Revenues and Benefits
    "RB01": Scenario(AMBER, P, "resubmitted", "a rise in new claims after the cost of living payments ended",
                     "overtime on Saturdays", noise=0.3),
    "RB02": Scenario(STEADY, P, V, "a backlog of change events from the DWP", "automation of DWP change notices"),
    "RB03": Scenario(STEADY, P, P, "more households paying in twelve instalments",
                     "reminders are issued a week earlier", noise=0.15),
    "RB04": Scenario(STEADY, V, V, "two large ratepayers in administration", "recovery action on the arrears",
                     noise=0.15),
    # Finance: one Red month during the finance system upgrade, a temporary lapse
    "FP01": Scenario(STEADY, P, V, "the finance system upgrade held invoices for a week",
                     "the backlog was cleared in the first week of November", volume=2400, last_month=1.6),
    "FP02": Scenario(WORSENING, P, "draft", "slower payment of commercial rents", "monthly debt panels",
                     noise=0.15),
    # HR: sickness absence creeping up (a rolling twelve-month figure, so it moves smoothly)
    "HR01": Scenario(DRIFTING_RED, P, P, "long-term absence for musculoskeletal and mental health reasons",
                     "occupational health referrals within a week and a review of every long-term case",
                     noise=0.05),
    "HR02": Scenario(STEADY, V, NOT_ENTERED, "leavers to neighbouring councils paying more",
                     "the pay and grading review", noise=0.15, missing=("2025/26 P11",)),
}
# fmt: on

# Positions added in particular months (April first): busier or easier months for some KPIs.
SEASONAL_POSITIONS: dict[str, tuple[float, ...]] = {
    # Garden waste lifts recycling in the growing season
    "garden_waste": (0.0, -0.4, -0.6, -0.6, -0.5, -0.3, 0.0, 0.3, 0.5, 0.5, 0.3, 0.0),
    # Annual bills in March and April fill the contact centre's queues
    "bills": (0.8, 0.3, 0.0, -0.2, -0.2, 0.0, 0.0, -0.1, -0.3, 0.0, 0.2, 0.7),
}

# The performance team's queries and the owners' answers: (KPI, "latest" or "previous", query, answer)
QUERIES: list[tuple[str, str, str, str | None]] = [
    ("WS03", "latest",
     "Missed bins are well above last October. Is this the food waste go-live, and does the figure exclude "
     "bins not presented?",
     "Yes: the new rounds started on 5 October and crews missed streets in the first fortnight. Bins not "
     "presented are excluded (212 reports). Rounds were stable by the last week of the month."),
    ("RB01", "latest",
     "The average days are up on September: please confirm the figure uses the DWP Right Time Indicator method "
     "and not the date the claim was assessed.",
     "Confirmed, it is the RTI method (receipt of the claim to decision). The rise is the backlog of claims "
     "received in late September; the team is working Saturdays to clear it."),
    ("HN03", "latest",
     "Two families over six weeks in B&B would be a breach of the Suitability Order. Can you confirm the "
     "placement dates and what is being done to move them?", None),
    ("CS02", "latest",
     "The wait time does not match the telephony dashboard for October (138 seconds). Which report is this "
     "from?", None),
    ("CS01", "previous",
     "Calls offered look low against August. Has the abandoned-under-5-seconds exclusion been applied twice?",
     "It had: the report was re-run with the exclusion applied once and the figures are corrected."),
]  # fmt: skip

# A published value corrected later: (KPI, period, reason, change to the numerator)
REVISIONS: list[tuple[str, str, str, Decimal]] = [
    ("WS01", "2026/27 P4",
     "WasteDataFlow validation: the reprocessor's July tonnages for dry recycling were 38.4 tonnes higher "
     "than the weighbridge estimate used at month end.", Decimal("38.4")),
]  # fmt: skip

# Comment templates by situation, filled with {value}, {target}, {level}, {previous}, {pressure}, {action}.
COMMENTS: dict[str, tuple[str, ...]] = {
    "green": (
        "{value} against a target of {target}: on track.",
        "On target at {value}. No issues to report; the team keeps monitoring weekly.",
        "{value}, better than the target of {target} and similar to recent months.",
        "Target met ({value} against {target}). Current processes are working well.",
    ),
    "improving": (
        "Improved to {value} from {previous}, ahead of the {target} target: {action} is paying off.",
        "Better again at {value} (previous {previous}); {action} continues.",
    ),
    "amber": (
        "{value} against a target of {target}: slightly short because of {pressure}. {Action} should bring it "
        "back on track.",
        "Below target at {value} (target {target}) but within tolerance. The main cause is {pressure}; {action}.",
        "Just short of target ({value} against {target}) because of {pressure}. {Action}.",
    ),
    "recovering": (
        "Recovering: {value} from {previous}, as {action} takes effect, though still short of the {target} target.",
        "Moving in the right direction ({previous} to {value}). {Action}; we expect to be back on target soon.",
    ),
    "red": (
        "{value} is beyond the intervention level of {level} this month because of {pressure}; {action}.",
        "Red at {value} (intervention level {level}) because of {pressure}. {Action}.",
    ),
    "red_again": (
        "Red for another month at {value} (intervention level {level}); the cause is still {pressure}. {Action}; "
        "a KPI Intervention Form is being prepared with the Head of Service.",
    ),
}


@dataclass
class _Point:
    """One KPI's generated value for one period, with what its comment needs."""

    period: Period
    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    position: float  # where the judged figure (the YTD for sum KPIs) lies: 0 target, 1 intervention level
    target: Decimal
    level: Decimal


async def load_history(
    session: AsyncSession,
    organisation: Organisation,
    kpis: Sequence[Kpi],
    targets: Sequence[Target],
    revisions: Sequence[TargetRevision],
    people: dict[str, Person],
) -> None:
    """Add the demo's submissions, query threads and published values (bulk inserts, flushed)."""
    config = evaluation_config(organisation)
    due_days = timedelta(days=config.submission_due_days)
    start_month = organisation.financial_year_start_month
    performance = people[PERFORMANCE_OFFICER]
    people_by_id = {person.id: person for person in people.values()}
    targets_of: dict[uuid.UUID, list[Target]] = {}
    for target in targets:
        targets_of.setdefault(target.kpi_id, []).append(target)
    revisions_of: dict[uuid.UUID, list[TargetRevision]] = {}
    for revision in revisions:
        revisions_of.setdefault(revision.target_id, []).append(revision)

    submissions: list[dict[str, Any]] = []
    published: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    for kpi in kpis:
        scenario = SCENARIOS[kpi.code]
        rng = random.Random(f"{SEED}-{kpi.code}")
        periods = _closed_periods(Frequency(kpi.frequency), start_month, due_days)
        by_year = {FinancialYear.parse(t.financial_year): t for t in targets_of[kpi.id]}
        points = _points(kpi, scenario, periods, by_year, rng)
        assert kpi.owner_id is not None  # every demo KPI has an owner
        owner = people_by_id[kpi.owner_id]
        rows = _rows(kpi, scenario, points, organisation, owner, performance, rng, start_month)
        _add_owner_forecasts(kpi, scenario, rows, by_year)
        _add_flags(kpi, organisation, rows, targets_of[kpi.id], revisions_of, config)
        for row in rows:
            if row["state"] == "published":
                published.append(_publication(row, performance))
        submissions.extend(rows)
        messages.extend(_thread(kpi, rows, owner, performance))
    _apply_revisions(kpis, submissions, published, performance)

    await session.execute(insert(Submission), submissions)
    await session.execute(insert(PublishedValue), published)
    await session.execute(insert(SubmissionMessage), messages)
    await session.flush()


# --------------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------------


def _closed_periods(frequency: Frequency, start_month: int, due_days: timedelta) -> list[Period]:
    """Every period of the history years whose collection window closed before ``DEMO_TODAY``."""
    periods: list[Period] = []
    for text in HISTORY_YEARS:
        year = FinancialYear.parse(text)
        every = {Frequency.MONTHLY: year.months, Frequency.QUARTERLY: year.quarters}.get(frequency)
        candidates = every() if every else (year.annual(),)
        periods.extend(p for p in candidates if p.end_date(start_month) + due_days < DEMO_TODAY)
    return periods


def _position(story: str, t: int, last: int) -> float:
    """The story's position at step ``t`` of ``0..last`` (before noise and seasonality)."""
    since = t - last  # 0 for the latest period, negative before
    if story == IMPROVING:
        return 0.6 if since < -7 else -0.9
    if story == CLIMBING:
        return 0.8 - 1.9 * t / last
    if story == DRIFTING_RED:
        return -0.4 if since < -8 else -0.4 + 2.1 * (since + 8) / 8
    if story == RECOVERING:
        if since < -18:
            return 0.2
        return 1.4 if since < -8 else 1.4 - 1.7 * (since + 8) / 8
    if story == WORSENING:
        return -0.3 if since < -11 else -0.3 + 1.1 * (since + 11) / 11
    if story == AMBER:
        return 0.45
    return -0.3  # STEADY


def _period_goal(kpi: Kpi, target: Target, period: Period) -> tuple[Decimal, Decimal]:
    """The period's own target and intervention level, following the target's profile."""
    annual, level = target.annual_target, target.intervention_level
    assert annual is not None and level is not None  # every demo target has both
    count = period.frequency.periods_per_year
    profile = [Decimal(p) for p in target.profile] if target.profile and len(target.profile) == count else None
    if kpi.aggregation == Aggregation.SUM.value:
        goal = profile[period.index - 1] if profile else annual / count
        # A cumulative count's tolerance scales with the month's share of the year.
        return goal, goal * level / annual if annual else level / count
    if profile is not None:
        # A level built up through the year (collection rates): the same distance applies each month.
        goal = profile[period.index - 1]
        return goal, goal + (level - annual)
    return annual, level


def _points(
    kpi: Kpi, scenario: Scenario, periods: list[Period], targets: dict[FinancialYear, Target], rng: random.Random
) -> list[_Point]:
    step = Decimal(1).scaleb(-kpi.decimal_places)
    last = len(periods) - 1
    seasonal = SEASONAL_POSITIONS.get(scenario.seasonal or "", (0.0,) * 12)
    points: list[_Point] = []
    running: dict[FinancialYear, tuple[Decimal, Decimal, Decimal]] = {}
    for t, period in enumerate(periods):
        goal, level = _period_goal(kpi, targets[period.financial_year], period)
        position = _position(scenario.story, t, last) + rng.gauss(0, scenario.noise)
        position += seasonal[(period.last_month_index - 1) % 12]
        if t == last and scenario.last_month is not None:
            position = scenario.last_month
        exact = goal + Decimal(str(round(position, 4))) * (level - goal)
        if kpi.unit == "percentage":
            exact = min(max(exact, Decimal(0)), Decimal(100))
        exact = max(exact, Decimal(0))
        numerator = denominator = None
        if kpi.aggregation == Aggregation.RATIO.value:
            size = Decimal(scenario.volume or 100) * Decimal(str(1 + rng.gauss(0, 0.08)))
            unit = Decimal(scenario.counted_in)
            denominator = max(size.quantize(unit), Decimal(1))
            numerator = min((denominator * exact / 100).quantize(unit, ROUND_HALF_UP), denominator)
            # What the service stores for a ratio: numerator / denominator x 100 (6 places).
            value = (numerator / denominator * 100).quantize(Decimal("0.000001"))
        else:
            value = exact.quantize(step, ROUND_HALF_UP)
        judged, judged_goal, judged_level = value, goal, level
        if kpi.aggregation == Aggregation.SUM.value:
            total, goals, levels = running.get(period.financial_year, (Decimal(0),) * 3)
            judged, judged_goal, judged_level = total + value, goals + goal, levels + level
            running[period.financial_year] = (judged, judged_goal, judged_level)
        spread = judged_level - judged_goal
        judged_position = float((judged - judged_goal) / spread) if spread else 0.0
        points.append(_Point(period, value, numerator, denominator, judged_position, judged_goal, judged_level))
    return points


# --------------------------------------------------------------------------------------------------
# Submissions: states, timestamps, comments
# --------------------------------------------------------------------------------------------------


def _at(day: date, hour: int, rng: random.Random) -> datetime:
    moment = datetime.combine(day, time(hour, rng.randrange(60)), tzinfo=UTC)
    return min(moment, datetime.combine(DEMO_TODAY, time(8), tzinfo=UTC))


def _rows(
    kpi: Kpi,
    scenario: Scenario,
    points: list[_Point],
    organisation: Organisation,
    owner: Person,
    performance: Person,
    rng: random.Random,
    start_month: int,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    previous: _Point | None = None
    red_run = 0
    for t, point in enumerate(points):
        since = t - (len(points) - 1)
        state = {0: scenario.latest, -1: scenario.previous}.get(since, "published")
        period_text = str(point.period)
        if state is None or period_text in scenario.missing:
            previous = None
            continue
        red_run = red_run + 1 if point.position > 1 else 0
        comment: str | None = _comment(kpi, scenario, point, previous, red_run, rng)
        if since == 0 and not scenario.comment_latest:
            comment = None
        end = point.period.end_date(start_month)
        entered = _at(end + timedelta(days=rng.randint(3, 7)), rng.randint(8, 16), rng)
        submitted = None if state == "draft" else entered + timedelta(hours=rng.randint(1, 40))
        validated = (
            _at(end + timedelta(days=rng.randint(11, 14)), rng.randint(9, 16), rng)
            if state in ("validated", "published")
            else None
        )
        published_at = (
            _at(end + timedelta(days=rng.randint(16, 19)), rng.randint(9, 12), rng) if state == "published" else None
        )
        if state in ("queried", "resubmitted") and submitted is not None:
            submitted += timedelta(days=3)  # resubmitted after answering the query
        last_change = max(m for m in (entered, submitted, validated, published_at) if m is not None)
        rows.append(
            {
                "id": uuid.uuid4(),
                "organisation_id": organisation.id,
                "kpi_id": kpi.id,
                "period": period_text,
                "financial_year": str(point.period.financial_year),
                "period_end": end,
                "state": state,
                "value": point.value,
                "numerator": point.numerator,
                "denominator": point.denominator,
                "commentary": comment,
                "owner_forecast": None,
                "flags": [],
                "revision": 1,
                "revision_reason": None,
                "entered_by": owner.email,
                "submitted_by": owner.email if submitted else None,
                "submitted_at": submitted,
                "first_submitted_at": submitted,
                "validated_by": performance.email if validated else None,
                "validated_at": validated,
                "published_at": published_at,
                "created_at": entered,
                "updated_at": last_change,
                "version": 1,
            }
        )
        previous = point
    return rows


def _shown(kpi: Kpi, value: Decimal) -> str:
    shown = value.quantize(Decimal(1).scaleb(-kpi.decimal_places), ROUND_HALF_UP)
    number = f"{shown:,}"
    return {
        "percentage": f"{number}%",
        "currency": f"£{number}",
        "time": f"{number} seconds",
        "days": f"{number} days",
        "rate": f"{number} per 100,000",
    }.get(kpi.unit, number)


def _comment(
    kpi: Kpi, scenario: Scenario, point: _Point, previous: _Point | None, red_run: int, rng: random.Random
) -> str:
    """A comment that fits the situation: on target, short with a reason, Red, recovering..."""
    better = previous is not None and point.position < previous.position - 0.3
    if point.position > 1:
        situation = "red_again" if red_run >= 2 else "red"
    elif point.position > 0:
        situation = "recovering" if better and previous is not None and previous.position > 1 else "amber"
    else:
        situation = "improving" if better and previous is not None and previous.position > 0 else "green"
    value = _shown(kpi, point.value)
    if kpi.aggregation == Aggregation.SUM.value:
        value = f"{value} this month"
    fill: dict[str, str] = {
        "value": value,
        "target": _shown(kpi, point.target) + (" year to date" if kpi.aggregation == "sum" else ""),
        "level": _shown(kpi, point.level) + (" year to date" if kpi.aggregation == "sum" else ""),
        "previous": _shown(kpi, previous.value) if previous else "",
        "pressure": scenario.pressure,
        "action": scenario.action,
        "Action": scenario.action[0].upper() + scenario.action[1:],
    }
    return rng.choice(COMMENTS[situation]).format(**fill)


# --------------------------------------------------------------------------------------------------
# Forecasts and flags, computed by the domain as the API would
# --------------------------------------------------------------------------------------------------


def _observation(row: dict[str, Any]) -> Observation:
    return Observation(
        period=Period.parse(row["period"]),
        value=row["value"],
        numerator=row["numerator"],
        denominator=row["denominator"],
        comment=row["commentary"] or "",
        owner_forecast=row["owner_forecast"],
    )


def _add_owner_forecasts(
    kpi: Kpi, scenario: Scenario, rows: list[dict[str, Any]], targets: dict[FinancialYear, Target]
) -> None:
    """Owners forecast the year end from the data, a little more hopefully (a quarter of the way
    towards the target, within the range the data support); an optimistic owner forecasts the
    target itself in the last two months, out of line with the data."""
    definition = mapping.definition_of(kpi)
    step = Decimal(1).scaleb(-kpi.decimal_places)
    observations: list[Observation] = []
    for index, row in enumerate(rows):
        observations.append(_observation(row))
        period = observations[-1].period
        target = targets[period.financial_year].annual_target
        forecast = forecast_outturn(definition, observations, period)
        if forecast is None or target is None:
            continue
        hopeful = forecast.outturn + (target - forecast.outturn) / 4
        if forecast.lower is not None and forecast.upper is not None:
            hopeful = min(max(hopeful, forecast.lower), forecast.upper)
        if scenario.optimistic_forecast and index >= len(rows) - 2:
            hopeful = target
        row["owner_forecast"] = hopeful.quantize(step, ROUND_HALF_UP)


def _add_flags(
    kpi: Kpi,
    organisation: Organisation,
    rows: list[dict[str, Any]],
    targets: list[Target],
    revisions: dict[uuid.UUID, list[TargetRevision]],
    config: EvaluationConfig,
) -> None:
    """The sense-check flags of the last two months, as ``submissions.service.sense_check`` computes
    them: the counted history before the period plus the submission itself."""
    definition = mapping.definition_of(kpi)
    stored = [Submission(**row) for row in rows]
    for row in rows[-2:]:
        period = Period.parse(row["period"])
        history = mapping.observations_of(s for s in stored if s.period_end < row["period_end"])
        evaluation = evaluate_kpi(
            definition,
            [*history, _observation(row)],
            mapping.targets_for(targets, revisions, period),
            period,
            DEMO_TODAY,
            config=config,
            expected_range=(kpi.expected_min, kpi.expected_max),
        )
        row["flags"] = [
            {"code": f.code, "severity": f.severity.value, "message": f.message, "field": f.field}
            for f in evaluation.flags
        ]


# --------------------------------------------------------------------------------------------------
# Publications, query threads, revisions
# --------------------------------------------------------------------------------------------------

_VALUE_FIELDS = ("value", "numerator", "denominator", "commentary", "owner_forecast")


def _publication(row: dict[str, Any], performance: Person) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "submission_id": row["id"],
        "revision": row["revision"],
        **{name: row[name] for name in _VALUE_FIELDS},
        "reason": row["revision_reason"],
        "published_by": performance.email,
        "published_at": row["published_at"],
        "created_at": row["published_at"],
        "updated_at": row["published_at"],
        "version": 1,
    }


def _thread(kpi: Kpi, rows: list[dict[str, Any]], owner: Person, performance: Person) -> list[dict[str, Any]]:
    """The query (and answer) messages of this KPI's queried submissions."""
    out: list[dict[str, Any]] = []
    for code, which, query, answer in QUERIES:
        if code != kpi.code:
            continue
        row = rows[-1] if which == "latest" else rows[-2]
        asked = row["created_at"] + timedelta(days=2, hours=3)
        out.append(_message(row, "query", query, performance, asked))
        if answer is not None:
            out.append(_message(row, "answer", answer, owner, asked + timedelta(days=1)))
    return out


def _message(row: dict[str, Any], kind: str, body: str, author: Person, at: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "submission_id": row["id"],
        "kind": kind,
        "body": body,
        "author_subject": author.email,
        "author_name": author.name,
        "created_at": min(at, datetime.combine(DEMO_TODAY, time(8), tzinfo=UTC)),
    }


def _apply_revisions(
    kpis: Sequence[Kpi], submissions: list[dict[str, Any]], published: list[dict[str, Any]], performance: Person
) -> None:
    """Correct a published value as revision 2 with its reason; the first publication stays as it was."""
    code_of = {kpi.id: kpi.code for kpi in kpis}
    for code, period, reason, added in REVISIONS:
        row = next(r for r in submissions if code_of[r["kpi_id"]] == code and r["period"] == period)
        numerator, denominator = row["numerator"] + added, row["denominator"] + added
        republished = row["published_at"] + timedelta(days=45)
        row.update(
            numerator=numerator,
            denominator=denominator,
            value=(numerator / denominator * 100).quantize(Decimal("0.000001")),
            commentary=f"{row['commentary']} Revised: {reason}",
            revision=2,
            revision_reason=reason,
            validated_at=republished - timedelta(days=1),
            published_at=republished,
            updated_at=republished,
            version=5,
        )
        published.append(_publication(row, performance))
