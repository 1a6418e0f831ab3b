"""Benchmark: issue 12's quarterly reads (action updates, risks, scrutiny, plan contents, reminders) on PostgreSQL.

What it does, against 127.0.0.1 and stopping by itself:

1. creates a throw-away PostgreSQL database ``pmf_bench_<random>`` (dropped at the end, also on
   error or Ctrl-C; helpers in ``_inprocess.py``), migrates it and bulk-inserts (SQLAlchemy core,
   deterministic) one council a bit above seed 001's scale: 3 directorates, 10 services, 40 people,
   400 actions (Do / Enable / Influence in turn, 1-4 milestones each), an update per action for each of
   the last 4 ended quarters (2025/26 Q3 to 2026/27 Q2; some flagged, some returned), 250 risks
   (strategic and operational) with 4 reviews each, 120 scrutiny challenges with 1-3 questions and 40
   service plans (10 services x 4 years) that the actions and risks link to;
2. runs ``ANALYZE`` after seeding, as autovacuum would have on a council's database (``--no-analyze``
   measures the freshly loaded tables instead, where the summary's join takes a nested-loop plan);
3. calls each read in-process through httpx's ASGI transport (the app exactly as ``create_app``
   builds it, "today" fixed at 2026-11-30 so the data and the answers never move), sequentially;
4. prints, per read, p50/p95/max in ms, the items answered, the SQL statements per request and the
   time spent in them. Before that it counts each read's statements on a council a quarter the size
   (its own throw-away database; ``--no-scale`` skips it), lists asked for a page of 5 rather than 50:
   a read whose statements grow with the rows (an N+1) is named at the end.

Run: ``.venv/bin/python bench/bench_quarter.py [--requests 30]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _inprocess import InProcessApp, percentile, run_on_throwaway_database

AS_OF = date(2026, 11, 30)
QUARTERS = (("2025/26", 3), ("2025/26", 4), ("2026/27", 1), ("2026/27", 2))  # the last 4 ended on AS_OF
YEARS = ("2023/24", "2024/25", "2025/26", "2026/27")
SERVICES = 10
PEOPLE = 40
ACTIONS = 400
RISKS = 250
REVIEWS_PER_RISK = 4
CHALLENGES = 120


def _quarter_end(year: str, quarter: int) -> date:
    start = int(year[:4])
    return (date(start, 6, 30), date(start, 9, 30), date(start, 12, 31), date(start + 1, 3, 31))[quarter - 1]


def _quarter_start(year: str, quarter: int) -> date:
    start = int(year[:4])
    return (date(start, 4, 1), date(start, 7, 1), date(start, 10, 1), date(start + 1, 1, 1))[quarter - 1]


def build(scale: float = 1.0) -> dict[str, Any]:
    """The council's rows, table by table (deterministic: one seeded generator, fixed dates)."""
    from pmf_api.domain.risk import assess_risk, next_risk_review, risk_trend

    rng = random.Random(12)
    stamp_time = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    org_id = uuid.uuid4()
    stamp = {"created_at": stamp_time, "updated_at": stamp_time, "version": 1}
    owned = {"organisation_id": org_id, **stamp}
    n_actions, n_risks, n_challenges = (max(8, round(n * scale)) for n in (ACTIONS, RISKS, CHALLENGES))

    directorates = [{"id": uuid.uuid4(), "code": f"D{i}", "name": f"Directorate {i}", **owned} for i in range(3)]
    services = [
        {"id": uuid.uuid4(), "code": f"S{i:02d}", "name": f"Service {i}", "directorate_id": directorates[i % 3]["id"]}
        | owned
        for i in range(SERVICES)
    ]
    people = [
        {
            "id": uuid.uuid4(),
            "name": f"Officer {i}",
            "email": f"officer{i}@example.org",
            "service_id": services[i % SERVICES]["id"],
            **owned,
        }
        for i in range(PEOPLE)
    ]
    people[0].update(name="Pat Performance", email="performance@example.org", service_id=None)
    performance_person = people[0]["id"]

    plans = []
    for s, service in enumerate(services):
        for y, year in enumerate(YEARS):
            plans.append(
                {
                    "id": uuid.uuid4(),
                    "service_id": service["id"],
                    "financial_year": year,
                    "version_number": 1,
                    "status": "published" if y < len(YEARS) - 1 else ("approved" if s % 2 else "published"),
                    "summary": f"Service {s} plan for {year}",
                    "projects": [],
                    **owned,
                    "archived_at": None,
                }
            )
    current_plan = {p["service_id"]: p["id"] for p in plans if p["financial_year"] == YEARS[-1]}
    last_plan = {p["service_id"]: p["id"] for p in plans if p["financial_year"] == YEARS[-2]}

    actions, updates = [], []
    for number in range(n_actions):
        service = services[number % SERVICES]
        start = date(2025, 4, 1) + timedelta(days=rng.randint(0, 200))
        due = start + timedelta(days=rng.randint(300, 700))
        milestones = []
        for m in range(1 + number % 4):
            m_due = start + timedelta(days=90 * (m + 1))
            done = m_due < AS_OF and rng.random() < 0.7
            milestones.append(
                {
                    "title": f"Milestone {m + 1}",
                    "due_date": m_due.isoformat(),
                    "state": "completed"
                    if done
                    else ("in_progress" if m_due < AS_OF + timedelta(90) else "not_started"),
                    "completed_on": (m_due - timedelta(days=rng.randint(0, 20))).isoformat() if done else None,
                }
            )
        status = ("in_progress", "in_progress", "in_progress", "not_started", "completed", "on_hold")[number % 6]
        action_id = uuid.uuid4()
        actions.append(
            {
                "id": action_id,
                "code": f"A-{number:03d}",
                "title": f"Benchmark action {number}",
                "description": None,
                "kind": "corporate_plan_action",
                "delivery_role": ("do", "enable", "influence")[number % 3],
                "status": status,
                "owner_id": people[1 + number % (PEOPLE - 1)]["id"] if number % 25 else performance_person,
                "service_id": service["id"],
                "outcome_id": None,
                "service_plan_id": (current_plan if (number // SERVICES) % 5 else last_plan)[service["id"]],
                "start_date": start,
                "due_date": due,
                "milestones": milestones,
                **owned,
                "archived_at": None,
            }
        )
        for q, (year, quarter) in enumerate(QUARTERS):
            if number % 17 == 0 and q == len(QUARTERS) - 1:
                continue  # a few actions have no update for the latest quarter: the summary's "missing"
            end = _quarter_end(year, quarter)
            rag = rng.choices(("green", "amber", "red"), (6, 3, 1))[0]
            flagged = rng.random() < 0.12
            late = sum(1 for m in milestones if date.fromisoformat(m["due_date"]) <= end and m["state"] != "completed")
            state = "returned" if rng.random() < 0.08 else ("accepted" if q < len(QUARTERS) - 1 else "submitted")
            submitted = datetime.combine(end + timedelta(days=rng.randint(3, 20)), datetime.min.time(), UTC)
            updates.append(
                {
                    "id": uuid.uuid4(),
                    "action_id": action_id,
                    "financial_year": year,
                    "quarter": quarter,
                    "state": state,
                    "status": "in_progress" if status == "completed" and q < 3 else status,
                    "progress_percent": min(100, 20 * (q + 1) + rng.randint(0, 15)),
                    "rag": rag,
                    "commentary": "On track against the plan for the quarter; see the milestones.",
                    "impact": "Residents see the change in the service's figures." if q % 2 else None,
                    "milestones": [m | {"late": date.fromisoformat(m["due_date"]) <= end} for m in milestones],
                    "late_milestones": late,
                    "rag_consistent": not flagged,
                    "rag_suggested": ("red" if rag != "red" else "amber") if flagged else None,
                    "rag_reason": "Green with late milestones" if flagged else None,
                    "flagged": flagged,
                    "submitted_by": "bench",
                    "submitted_by_name": "Benchmark officer",
                    "reviewed_by": "performance" if state in ("accepted", "returned") else None,
                    "review_comment": "Please say what slipped and why." if state == "returned" else None,
                    "organisation_id": org_id,
                    "created_at": submitted,
                    "updated_at": submitted,
                    "version": 1,
                }
            )

    risks, reviews, links = [], [], []
    for number in range(n_risks):
        strategic = number % 5 == 0
        register = "strategic" if strategic else "operational"
        service = services[number % SERVICES]
        owner = people[1 + (number * 7) % (PEOPLE - 1)]["id"] if number % 10 else performance_person
        identified = date(2025, 1, 6) + timedelta(days=number % 60)
        risk_id = uuid.uuid4()
        inherent = assess_risk(rng.randint(3, 5), rng.randint(3, 5))
        previous_score = inherent.score
        reviewed_on = identified
        assessed = inherent
        for r in range(REVIEWS_PER_RISK):
            reviewed_on = identified + timedelta(days=90 * (r + 1) + rng.randint(0, 20))
            assessed = assess_risk(rng.randint(1, 5), rng.randint(1, 5))
            next_due = next_risk_review(assessed.rag, reviewed_on, register)
            reviews.append(
                {
                    "id": uuid.uuid4(),
                    "risk_id": risk_id,
                    "reviewed_on": reviewed_on,
                    "likelihood": assessed.likelihood,
                    "impact": assessed.impact,
                    "score": assessed.score,
                    "rag": str(assessed.rag),
                    "previous_score": previous_score,
                    "trend": str(risk_trend(previous_score, assessed.score)),
                    "commentary": "Controls reviewed with the owner.",
                    "reviewer_id": owner,
                    "reviewed_by": "bench",
                    "register": register,
                    "next_review_due": next_due,
                    **owned,
                }
            )
            previous_score = assessed.score
        plan_ids = [current_plan[service["id"]]] + ([last_plan[service["id"]]] if number % 3 == 0 else [])
        action_ids = [actions[(number * 3) % n_actions]["id"]]
        for plan_id in plan_ids:
            links.append({"id": uuid.uuid4(), "risk_id": risk_id, "kind": "service_plan", "linked_id": plan_id})
        for action_id in action_ids:
            links.append({"id": uuid.uuid4(), "risk_id": risk_id, "kind": "action", "linked_id": action_id})
        risks.append(
            {
                "id": risk_id,
                "code": f"R-{number:03d}",
                "title": f"Benchmark risk {number}",
                "cause": "A cause",
                "event": "An event",
                "effect": "An effect",
                "owner_id": owner,
                "register": register,
                "service_id": None if strategic else service["id"],
                "directorate_id": service["directorate_id"] if not strategic else None,
                "category": ("Financial", "Operational", "Reputational", "Legal")[number % 4],
                "inherent_likelihood": inherent.likelihood,
                "inherent_impact": inherent.impact,
                "inherent_score": inherent.score,
                "inherent_rag": str(inherent.rag),
                "residual_likelihood": assessed.likelihood,
                "residual_impact": assessed.impact,
                "residual_score": assessed.score,
                "residual_rag": str(assessed.rag),
                "target_score": 4,
                "status": "closed" if number % 25 == 24 else "open",
                "controls": ["Monthly monitoring"],
                "mitigations": [{"description": "Carry out the linked action", "action_id": str(action_ids[0])}],
                "outcome_ids": [],
                "kpi_ids": [],
                "service_plan_ids": [str(p) for p in plan_ids],
                "action_ids": [str(a) for a in action_ids],
                "identified_on": identified,
                "last_reviewed_on": reviewed_on,
                "next_review_due": next_risk_review(assessed.rag, reviewed_on, register),
                "trend": str(risk_trend(inherent.score, assessed.score)),
                "escalated_on": None,
                "escalated_by": None,
                "escalated_by_name": None,
                "escalation_reason": None,
                **owned,
            }
        )

    challenges, questions = [], []
    span = (AS_OF - date(2025, 10, 1)).days
    for number in range(n_challenges):
        raised = date(2025, 10, 1) + timedelta(days=(number * span) // n_challenges)
        subject = ("action", "risk", "report")[number % 3]
        subject_id = None
        if subject == "action":
            subject_id = actions[(number * 7) % n_actions]["id"]
        elif subject == "risk":
            subject_id = risks[number % n_risks]["id"]
        challenge_id = uuid.uuid4()
        count = 1 + number % 3
        states = []
        for q in range(count):
            asked = raised + timedelta(days=q * 14)
            due = asked + timedelta(days=28)
            answered = due < AS_OF and rng.random() < 0.7
            state = ("accepted" if rng.random() < 0.6 else "answered") if answered else "open"
            states.append(state)
            assignee = people[1 + (number + q) % (PEOPLE - 1)]["id"] if (number + q) % 12 else performance_person
            questions.append(
                {
                    "id": uuid.uuid4(),
                    "challenge_id": challenge_id,
                    "number": q + 1,
                    "follows_id": None,
                    "text": f"Question {q + 1}: why did the figure move?",
                    "assigned_to_id": assignee,
                    "asked_on": asked,
                    "due_on": due,
                    "state": state,
                    "answer": "Because of the winter pressures." if answered else None,
                    "answered_by": "bench" if answered else None,
                    "answered_by_name": "Benchmark officer" if answered else None,
                    "answered_on": due - timedelta(days=3) if answered else None,
                    "answered_at": datetime.combine(due - timedelta(days=3), datetime.min.time(), UTC)
                    if answered
                    else None,
                    "decided_by": "bench" if state == "accepted" else None,
                    "decided_by_name": "Panel chair" if state == "accepted" else None,
                    "decided_on": due if state == "accepted" else None,
                    "decision_comment": None,
                    **owned,
                }
            )
        state = "open" if "open" in states else ("closed" if all(s == "accepted" for s in states) else "answered")
        report = subject == "report"
        challenges.append(
            {
                "id": challenge_id,
                "kind": "question" if count == 1 else "task_and_finish",
                "title": f"Challenge {number}",
                "state": state,
                "panel": ("Place Scrutiny Panel", "People Scrutiny Panel", "Resources Scrutiny Panel")[number % 3],
                "member_name": f"Cllr Member {number % 9}",
                "member_person_id": None,
                "meeting": "Quarterly performance meeting",
                "meeting_date": raised,
                "raised_on": raised,
                "raised_by": "bench",
                "raised_by_name": "Democratic services",
                "subject_type": subject,
                "subject_id": subject_id,
                "report_financial_year": "2026/27" if report else None,
                "report_quarter": 1 if report else None,
                "report_title": "Quarter 1 performance report" if report else None,
                "closed_on": raised + timedelta(days=60) if state == "closed" else None,
                **owned,
            }
        )

    return {
        "organisation": [{"id": org_id, "code": "BENCH", "name": "Benchmark Borough Council", "settings": {}, **stamp}],
        "directorate": directorates,
        "service": services,
        "person": people,
        "service_plan": plans,
        "action": actions,
        "action_update": updates,
        "risk": risks,
        "risk_review": reviews,
        "risk_link": links,
        "scrutiny_challenge": challenges,
        "scrutiny_question": questions,
        "_ids": {
            "organisation_id": org_id,
            "person_id": performance_person,
            "directorate_id": directorates[0]["id"],
            "plan_id": current_plan[services[0]["id"]],
        },
    }


async def seed(url: str, scale: float = 1.0, analyze: bool = True) -> dict[str, Any]:
    from sqlalchemy import insert, text
    from sqlalchemy.ext.asyncio import create_async_engine

    from pmf_api.models import Base

    rows = build(scale)
    ids = rows.pop("_ids")
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            for table, values in rows.items():
                for start in range(0, len(values), 1000):
                    await connection.execute(insert(Base.metadata.tables[table]), values[start : start + 1000])
        if analyze:  # as autovacuum would have by the time a council reads its quarter (see --no-analyze)
            async with engine.begin() as connection:
                await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    ids["counts"] = {table: len(values) for table, values in rows.items()}
    return ids


def scenarios(ids: dict[str, Any]) -> list[tuple[str, str]]:
    year, quarter = QUARTERS[-1]
    return [
        ("summary, whole council", f"/api/v1/action-updates/summary?financial_year={year}&quarter={quarter}"),
        (
            "summary, one directorate",
            f"/api/v1/action-updates/summary?financial_year={year}&quarter={quarter}"
            f"&directorate_id={ids['directorate_id']}",
        ),
        ("50 updates of a quarter", f"/api/v1/action-updates?financial_year={year}&quarter={quarter}&limit=50"),
        ("50 operational risks", "/api/v1/risks?register=operational&limit=50"),
        ("reviews overdue", "/api/v1/risks/reviews-overdue?limit=50"),
        ("challenges in a quarter", "/api/v1/scrutiny-challenges?financial_year=2026/27&quarter=2&limit=50"),
        ("one plan's contents", f"/api/v1/service-plans/{ids['plan_id']}/contents"),
        ("my reminders", "/api/v1/me/reminders?limit=50"),
    ]


UNPAGED = ("summary, whole council", "summary, one directorate", "one plan's contents")


def _items(body: Any) -> int:
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return len(body["items"])
    if isinstance(body, dict):  # a summary or a plan's contents: the longest list in it
        return max((len(v) for v in body.values() if isinstance(v, list)), default=1)
    return len(body) if isinstance(body, list) else 1


async def count_statements(url: str, ids: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Statements and items per scenario, one request each (after one to warm up)."""
    from pmf_api.platform.http.deps import today

    found = {}
    async with InProcessApp(url) as api:
        api.app.dependency_overrides[today] = lambda: AS_OF
        headers = api.headers(ids["organisation_id"], ids["person_id"])
        for name, path in scenarios(ids):
            if name not in UNPAGED:  # a small page too, so a statement per item shows even on a full page
                path = path.replace("limit=50", "limit=5") if "limit=50" in path else path + "?limit=5"
            response = await api.client.get(path, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} gave {response.status_code}: {response.text[:500]}")
            api.statements["count"] = 0
            response = await api.client.get(path, headers=headers)
            found[name] = (api.statements["count"], _items(response.json()))
    return found


async def measure(url: str, ids: dict[str, Any], requests: int) -> dict[str, dict[str, Any]]:
    from sqlalchemy import event

    from pmf_api.platform.http.deps import today

    results: dict[str, dict[str, Any]] = {}
    async with InProcessApp(url) as api:
        api.app.dependency_overrides[today] = lambda: AS_OF
        sql = {"started": 0.0, "ms": 0.0}  # time from sending each statement to its result, summed

        def sent(*_: object) -> None:
            sql["started"] = time.perf_counter()

        def answered(*_: object) -> None:
            sql["ms"] += (time.perf_counter() - sql["started"]) * 1000

        event.listen(api.app.state.engine.sync_engine, "before_cursor_execute", sent)
        event.listen(api.app.state.engine.sync_engine, "after_cursor_execute", answered)
        headers = api.headers(ids["organisation_id"], ids["person_id"])
        for name, path in scenarios(ids):
            response = await api.client.get(path, headers=headers)  # warm-up, and the check
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} gave {response.status_code}: {response.text[:500]}")
            items = _items(response.json())
            api.statements["count"] = 0
            sql["ms"] = 0.0
            timings = []
            for _ in range(requests):
                started = time.perf_counter()
                response = await api.client.get(path, headers=headers)
                timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path} gave {response.status_code}")
            results[name] = {
                "path": path,
                "items": items,
                "statements": api.statements["count"] / requests,
                "sql_ms": sql["ms"] / requests,
                "timings": timings,
            }
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="sequential requests per read (default 30)")
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="measure on the freshly loaded tables, before PostgreSQL has statistics (no ANALYZE after seeding)",
    )
    parser.add_argument(
        "--no-scale", action="store_true", help="skip counting statements again on a council a quarter the size"
    )
    args = parser.parse_args()
    if not 1 <= args.requests <= 10_000:
        parser.error("--requests must be between 1 and 10000")
    small: dict[str, tuple[int, int]] = {}

    def work_small(url: str) -> int:
        small.update(asyncio.run(count_statements(url, asyncio.run(seed(url, 0.25)))))
        return 0

    if not args.no_scale:
        code = run_on_throwaway_database("database {db}: a council a quarter the size, to count statements", work_small)
        if code:
            return code

    def work(url: str) -> int:
        started = time.perf_counter()
        ids = asyncio.run(seed(url, analyze=not args.no_analyze))
        counts = ", ".join(f"{n} {t}" for t, n in ids["counts"].items())
        print(f"seeded in {time.perf_counter() - started:.1f} s: {counts}", flush=True)
        results = asyncio.run(measure(url, ids, args.requests))
        print()
        analyzed = "without statistics (--no-analyze)" if args.no_analyze else "after ANALYZE"
        print(f"{args.requests} sequential requests per read, in-process ASGI, today = {AS_OF}, {analyzed}")
        head = f"{'read':<26}{'items':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'SQL/req':>9}{'SQL ms':>8}"
        print(head + (f"{'SQL at 1/4':>12}" if small else ""))
        growing = []
        for name, result in results.items():
            timings = result["timings"]
            line = (
                f"{name:<26}{result['items']:>6}{percentile(timings, 50):>9.1f}{percentile(timings, 95):>9.1f}"
                f"{max(timings):>9.1f}{result['statements']:>9.1f}{result['sql_ms']:>8.1f}"
            )
            if name in small:
                line += f"{small[name][0]:>12}"
                if result["statements"] > small[name][0] + 2:
                    growing.append(name)
            print(line)
        for name, result in results.items():
            print(f"  {name}: GET {result['path']}")
        print(f"(machine load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
        print("(SQL/req: statements per request; SQL ms: mean time from sending them to their results;")
        print(" SQL at 1/4: statements of the same read on a council a quarter the size, lists a page of 5)")
        for name in growing:
            print(f"N+1: '{name}' runs {results[name]['statements']:.0f} statements, {small[name][0]} at 1/4 size")
        if small and not growing:
            print("no read's statements grow with the rows")
        return 0

    return run_on_throwaway_database("database {db}: creating, migrating, seeding the council ...", work)


if __name__ == "__main__":
    sys.exit(main())
