"""Scrutiny challenges through HTTP alone (seeds 000_a1d4643dc9bd64fe.txt and 001_ec6bae7b38cacc6f.txt,
Overview and Scrutiny Panels; issue 12, item 3).

A scrutiny member (the viewer role) raises a challenge on a KPI, the officer it is assigned to answers,
the member accepts; a task-and-finish review asks several questions and follows one up; then the bad
input of the issue one case at a time. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from pmf_api.domain.periods import Frequency, period_of
from pmf_api.domain.workflow import Role
from tests.api.builders import Structure, kpi_body, post, structure
from tests.api.conftest import Org, TokenFactory

TODAY = datetime.now(UTC).date()
PANEL = "Overview and Scrutiny (Performance and Growth)"


def member(auth: TokenFactory, s: Structure | None = None) -> dict[str, str]:
    """A scrutiny member: the viewer role."""
    return auth(Role.VIEWER, subject="cllr.green@example.gov.uk")


def officer(auth: TokenFactory, person_id: str) -> dict[str, str]:
    """The officer a question is assigned to: a person of the council, here a KPI owner."""
    return auth(Role.KPI_OWNER, subject=f"officer-{person_id[:8]}@example.gov.uk", person_id=person_id)


def challenge_body(
    subject_type: str, subject_id: str | None, questions: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    return {
        "title": "Why are missed bin collections rising?",
        "panel": PANEL,
        "member_name": "Cllr Pat Green",
        "meeting": "Performance and Growth Panel",
        "meeting_date": str(TODAY),
        "subject_type": subject_type,
        "subject_id": subject_id,
        "questions": questions,
        **extra,
    }


def question(
    person_id: str, text: str = "What is behind the rise, and when will it turn?", days: int = 14
) -> dict[str, Any]:
    return {"text": text, "assigned_to_id": person_id, "due_on": str(TODAY + timedelta(days=days))}


async def act(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    challenge: dict[str, Any],
    number: int,
    what: str,
    body: dict[str, Any],
    status: int = 200,
) -> dict[str, Any]:
    q = next(each for each in challenge["questions"] if each["number"] == number)
    r = await client.post(
        f"/api/v1/scrutiny-challenges/{challenge['id']}/questions/{q['id']}/{what}", json=body, headers=headers
    )
    assert r.status_code == status, r.text
    result: dict[str, Any] = r.json()
    return result


async def test_a_member_challenges_a_kpi_the_officer_answers_and_the_member_accepts(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    team = auth()
    s = await structure(client, team)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s), team)
    cllr = member(auth)

    raised = await client.post(
        "/api/v1/scrutiny-challenges", json=challenge_body("kpi", kpi["id"], [question(s.owner_id)]), headers=cllr
    )
    assert raised.status_code == 201, raised.text
    challenge = raised.json()
    assert raised.headers["ETag"] == f'"{challenge["id"][:8]}-{challenge["version"]}"'
    assert raised.headers["Location"].endswith(f"/api/v1/scrutiny-challenges/{challenge['id']}")
    assert (challenge["state"], challenge["kind"], challenge["raised_on"], challenge["subject_id"]) == (
        "open",
        "question",
        str(TODAY),
        kpi["id"],
    )
    assert challenge["raised_by"] == "cllr.green@example.gov.uk" and challenge["overdue"] is False
    [q] = challenge["questions"]
    assert (q["number"], q["state"], q["assigned_to_id"], q["follows_id"]) == (1, "open", s.owner_id, None)

    # Members read challenges, and find this one by its subject and by the officer it waits on.
    listed = await client.get(
        "/api/v1/scrutiny-challenges", params={"subject_type": "kpi", "subject_id": kpi["id"]}, headers=cllr
    )
    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()["items"]] == [challenge["id"]]
    waiting = await client.get("/api/v1/scrutiny-challenges", params={"assigned_to_id": s.owner_id}, headers=cllr)
    assert [item["id"] for item in waiting.json()["items"]] == [challenge["id"]]

    # The officer answers, with the challenge's ETag.
    answered_r = await client.post(
        f"/api/v1/scrutiny-challenges/{challenge['id']}/questions/{q['id']}/answer",
        json={"answer": "Two crews were off sick in August; agency cover starts next month."},
        headers={**officer(auth, s.owner_id), "If-Match": raised.headers["ETag"]},
    )
    assert answered_r.status_code == 200, answered_r.text
    answered = answered_r.json()
    assert answered["state"] == "answered" and answered["version"] > challenge["version"]
    assert answered["questions"][0]["answered_on"] == str(TODAY)
    # A stale ETag is refused before anything is written.
    stale = await client.post(
        f"/api/v1/scrutiny-challenges/{challenge['id']}/questions/{q['id']}/accept",
        json={},
        headers={**cllr, "If-Match": raised.headers["ETag"]},
    )
    assert stale.status_code == 412, stale.text

    accepted = await act(client, cllr, answered, 1, "accept", {"comment": "Thank you; the panel will watch Q3."})
    assert accepted["state"] == "closed" and accepted["closed_on"] == str(TODAY)
    assert accepted["questions"][0]["state"] == "accepted"
    assert accepted["questions"][0]["decided_by"] == "cllr.green@example.gov.uk"
    read = await client.get(f"/api/v1/scrutiny-challenges/{challenge['id']}", headers=cllr)
    assert read.status_code == 200 and read.json()["state"] == "closed"
    closed = await client.get("/api/v1/scrutiny-challenges", params={"state": "closed"}, headers=cllr)
    assert [item["id"] for item in closed.json()["items"]] == [challenge["id"]]

    # Every write is audited.
    trail = await client.get("/api/v1/audit", params={"entity_id": challenge["id"]}, headers=team)
    assert trail.status_code == 200, trail.text
    assert {"create", "answer", "accept"} <= {entry["action"] for entry in trail.json()["items"]}
    trail = await client.get("/api/v1/audit", params={"entity_id": q["id"]}, headers=team)
    assert {"create", "answer", "accept"} <= {entry["action"] for entry in trail.json()["items"]}


async def test_a_task_and_finish_review_with_several_questions_and_a_follow_up(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    team = auth()
    s = await structure(client, team)
    action = await post(
        client,
        "/api/v1/actions",
        {
            "code": "A-" + s.service_id[:6],
            "title": "Market towns programme",
            "delivery_role": "do",
            "service_id": s.service_id,
        },
        team,
    )
    cllr = member(auth)
    owner, backup = officer(auth, s.owner_id), officer(auth, s.backup_id)
    body = challenge_body(
        "action",
        action["id"],
        [
            question(s.owner_id, "What has the programme delivered so far?"),
            question(s.backup_id, "Which milestones have slipped, and why?", days=7),
            question(s.owner_id, "What will it cost to finish?", days=21),
        ],
        kind="task_and_finish",
        title="Task and finish review: market towns programme",
    )
    review = await post(client, "/api/v1/scrutiny-challenges", body, cllr)
    assert review["kind"] == "task_and_finish"
    assert [(q["number"], q["state"]) for q in review["questions"]] == [(1, "open"), (2, "open"), (3, "open")]

    review = await act(client, owner, review, 1, "answer", {"answer": "Two of five towns have plans."})
    assert review["state"] == "open"  # two questions still wait for their answers
    review = await act(client, backup, review, 2, "answer", {"answer": "The Ramsey milestone slipped a quarter."})
    review = await act(client, owner, review, 3, "answer", {"answer": "£1.2m, within budget."})
    assert review["state"] == "answered"

    # The panel follows question 2 up: a new question, to the same officer, that names what it follows.
    followed = await act(
        client,
        cllr,
        review,
        2,
        "follow-up",
        {"text": "When will Ramsey catch up?", "due_on": str(TODAY + timedelta(days=10)), "comment": "Not enough"},
    )
    assert followed["state"] == "open"
    q2 = next(q for q in followed["questions"] if q["number"] == 2)
    q4 = next(q for q in followed["questions"] if q["number"] == 4)
    assert q2["state"] == "followed_up" and q2["decision_comment"] == "Not enough"
    assert (q4["follows_id"], q4["assigned_to_id"], q4["state"], q4["asked_on"]) == (
        q2["id"],
        s.backup_id,
        "open",
        str(TODAY),
    )
    followed = await act(client, cllr, followed, 1, "accept", {})
    followed = await act(client, team, followed, 3, "accept", {})  # the team records the panel's decision
    followed = await act(client, backup, followed, 4, "answer", {"answer": "By the end of Q4."})
    assert followed["state"] == "answered"
    done = await act(client, cllr, followed, 4, "accept", {})
    assert done["state"] == "closed"
    assert [q["state"] for q in done["questions"]] == ["accepted", "followed_up", "accepted", "accepted"]

    # The group asks one more question: the review is open again until it is answered and accepted.
    asked_r = await client.post(
        f"/api/v1/scrutiny-challenges/{review['id']}/questions",
        json=question(s.owner_id, "And the 2027 plan?"),
        headers=cllr,
    )
    assert asked_r.status_code == 200, asked_r.text
    asked = asked_r.json()
    assert asked["state"] == "open" and asked["closed_on"] is None
    assert [(q["number"], q["follows_id"], q["state"]) for q in asked["questions"]][-1] == (5, None, "open")
    asked = await act(client, owner, asked, 5, "answer", {"answer": "Drafted by March."})
    assert (await act(client, cllr, asked, 5, "accept", {}))["state"] == "closed"
    # Officers do not ask; nor does an empty question or one due in the past get in.
    path = f"/api/v1/scrutiny-challenges/{review['id']}/questions"
    assert (await client.post(path, json=question(s.owner_id), headers=owner)).status_code == 403
    empty = await client.post(path, json=question(s.owner_id, " "), headers=cllr)
    assert empty.status_code == 422 and empty.json()["errors"][0]["pointer"] == "#/text"
    past = await client.post(path, json=question(s.owner_id, days=-1), headers=cllr)
    assert past.status_code == 422 and past.json()["errors"][0]["pointer"] == "#/due_on"

    # Listed by kind, by the quarter raised in, and not overdue.
    quarter = period_of(TODAY, Frequency.QUARTERLY)
    params = {"financial_year": str(quarter.financial_year), "quarter": quarter.index, "kind": "task_and_finish"}
    listed = await client.get("/api/v1/scrutiny-challenges", params=params, headers=cllr)
    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()["items"]] == [review["id"]]
    earlier = quarter.previous()
    params = {"financial_year": str(earlier.financial_year), "quarter": earlier.index}
    assert (await client.get("/api/v1/scrutiny-challenges", params=params, headers=cllr)).json()["items"] == []
    overdue = await client.get("/api/v1/scrutiny-challenges", params={"overdue": "true"}, headers=cllr)
    assert overdue.json()["items"] == []


async def test_an_open_question_past_its_due_date_is_overdue(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    team = auth()
    s = await structure(client, team)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s), team)
    raised = await post(
        client,
        "/api/v1/scrutiny-challenges",
        challenge_body("kpi", kpi["id"], [question(s.owner_id, days=3)]),
        member(auth),
    )
    later = str(TODAY + timedelta(days=4))
    overdue = await client.get("/api/v1/scrutiny-challenges", params={"overdue": "true", "as_of": later}, headers=team)
    assert [(item["id"], item["overdue"]) for item in overdue.json()["items"]] == [(raised["id"], True)]
    assert overdue.json()["items"][0]["questions"][0]["overdue"] is True
    assert (await client.get("/api/v1/scrutiny-challenges", params={"overdue": "true"}, headers=team)).json()[
        "items"
    ] == []
    on_time = await client.get("/api/v1/scrutiny-challenges", params={"overdue": "false"}, headers=team)
    assert [item["id"] for item in on_time.json()["items"]] == [raised["id"]]


async def test_a_quarterly_report_can_be_challenged(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    team = auth()
    s = await structure(client, team)
    body = challenge_body(
        "report",
        None,
        [question(s.owner_id, "Why is the Q2 report silent on housing?")],
        report_financial_year="2025/26",
        report_quarter=2,
        report_title="Corporate Performance Report Q2",
    )
    raised = await post(client, "/api/v1/scrutiny-challenges", body, member(auth))
    assert (
        raised["subject_type"],
        raised["subject_id"],
        raised["report_financial_year"],
        raised["report_quarter"],
    ) == (
        "report",
        None,
        "2025/26",
        2,
    )


def pointer(response: httpx.Response) -> str:
    errors = response.json().get("errors") or [{}]
    return str(errors[0].get("pointer"))


async def test_bad_input_is_refused_with_the_field_and_nothing_written(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    team = auth()
    s = await structure(client, team)
    kpi = await post(client, "/api/v1/kpis", kpi_body(s), team)
    cllr = member(auth)
    stranger = auth(organisation=other_org)
    theirs = await post(client, "/api/v1/kpis", kpi_body(await structure(client, stranger)), stranger)

    async def refused(body: dict[str, Any], status: int, where: str | None, headers: dict[str, str] = cllr) -> None:
        r = await client.post("/api/v1/scrutiny-challenges", json=body, headers=headers)
        assert r.status_code == status, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        if where is not None:
            assert pointer(r) == where, r.text

    # Another council's KPI, or one that does not exist.
    await refused(challenge_body("kpi", theirs["id"], [question(s.owner_id)]), 422, "#/subject_id")
    # A member, or an officer, of another council.
    await refused(
        challenge_body("kpi", kpi["id"], [question(s.owner_id)], member_person_id=theirs["owner_id"]),
        422,
        "#/member_person_id",
    )
    await refused(challenge_body("kpi", kpi["id"], [question(theirs["owner_id"])]), 422, "#/questions/0/assigned_to_id")
    # A due date before the day raised.
    await refused(challenge_body("kpi", kpi["id"], [question(s.owner_id, days=-1)]), 422, "#/questions/0/due_on")
    await refused(
        challenge_body("kpi", kpi["id"], [question(s.owner_id, days=2)], raised_on=str(TODAY + timedelta(days=1))),
        422,
        "#/raised_on",
    )
    # Empty question text.
    await refused(challenge_body("kpi", kpi["id"], [question(s.owner_id, "   ")]), 422, "#/questions/0/text")
    # A plain question asks one question; a review at least one.
    await refused(challenge_body("kpi", kpi["id"], [question(s.owner_id)] * 2), 422, "#/questions")
    await refused(challenge_body("kpi", kpi["id"], [], kind="task_and_finish"), 422, "#/questions")
    # A subject of the wrong kind (a KPI's id named as a risk) is not found; a report needs its quarter.
    await refused(challenge_body("risk", kpi["id"], [question(s.owner_id)]), 422, "#/subject_id")
    await refused(
        challenge_body("report", None, [question(s.owner_id)], report_financial_year="2025/26"), 422, "#/report_quarter"
    )
    await refused(challenge_body("kpi", kpi["id"], [question(s.owner_id)], report_title="Q2"), 422, "#/report_title")
    # Officers do not raise challenges: members and the performance team do.
    await refused(challenge_body("kpi", kpi["id"], [question(s.owner_id)]), 403, None, officer(auth, s.owner_id))
    # Nothing was written.
    assert (await client.get("/api/v1/scrutiny-challenges", headers=team)).json()["items"] == []

    raised = await post(
        client, "/api/v1/scrutiny-challenges", challenge_body("kpi", kpi["id"], [question(s.owner_id)]), cllr
    )
    # A member does not answer (403); nor an officer it is not assigned to.
    await act(client, cllr, raised, 1, "answer", {"answer": "We are fine."}, status=403)
    await act(client, officer(auth, s.backup_id), raised, 1, "answer", {"answer": "Not mine."}, status=403)
    # An empty answer; nothing to accept yet (409).
    empty = await act(client, officer(auth, s.owner_id), raised, 1, "answer", {"answer": " "}, status=422)
    assert empty["errors"][0]["pointer"] == "#/answer"
    await act(client, cllr, raised, 1, "accept", {}, status=409)
    # The performance team does not answer for the officer (403): it reassigns the question instead.
    await act(client, team, raised, 1, "answer", {"answer": "For Ola, who is on leave."}, status=403)
    await act(client, cllr, raised, 1, "reassign", {"assigned_to_id": s.backup_id}, status=403)
    yesterday = str(TODAY - timedelta(days=1))
    early = await act(client, team, raised, 1, "reassign", {"due_on": yesterday}, status=422)
    assert early["errors"][0]["pointer"] == "#/due_on"
    nothing = await act(client, team, raised, 1, "reassign", {"reason": "No change"}, status=422)
    assert nothing["errors"][0]["pointer"] == "#/assigned_to_id"
    stranger_officer = {"assigned_to_id": theirs["owner_id"]}
    foreign = await act(client, team, raised, 1, "reassign", stranger_officer, status=422)
    assert foreign["errors"][0]["pointer"] == "#/assigned_to_id"
    reassigned = await act(
        client, team, raised, 1, "reassign", {"assigned_to_id": s.backup_id, "reason": "Ola is on leave"}
    )
    assert reassigned["questions"][0]["assigned_to_id"] == s.backup_id
    await act(client, officer(auth, s.owner_id), reassigned, 1, "answer", {"answer": "Mine?"}, status=403)
    # Four-eyes: an officer who is also a scrutiny member does not accept their own answer.
    both = auth(Role.VIEWER, person_id=s.backup_id, subject="both@example.gov.uk")
    answered = await act(client, both, reassigned, 1, "answer", {"answer": "Collections recover in March."})
    four_eyes = await act(client, both, answered, 1, "accept", {}, status=403)
    assert four_eyes["type"].endswith("four-eyes")
    # An answered question is not reassigned (409).
    await act(client, team, answered, 1, "reassign", {"assigned_to_id": s.owner_id}, status=409)
    # A follow-up due before today.
    late = {"text": "And next month?", "due_on": str(TODAY - timedelta(days=1))}
    follow = await act(client, cllr, answered, 1, "follow-up", late, status=422)
    assert follow["errors"][0]["pointer"] == "#/due_on"
    accepted = await act(client, cllr, answered, 1, "accept", {})
    # Answering an accepted question is a conflict with its state.
    again = await act(client, officer(auth, s.backup_id), accepted, 1, "answer", {"answer": "More."}, status=409)
    assert again["status"] == 409
    # A question of another challenge is not found through this one.
    other = await post(
        client, "/api/v1/scrutiny-challenges", challenge_body("kpi", kpi["id"], [question(s.owner_id)]), cllr
    )
    crossed = await client.post(
        f"/api/v1/scrutiny-challenges/{raised['id']}/questions/{other['questions'][0]['id']}/answer",
        json={"answer": "Wrong door."},
        headers=officer(auth, s.owner_id),
    )
    assert crossed.status_code == 404, crossed.text
    # A plain question does not grow: its answer is followed up instead (409).
    more = await client.post(
        f"/api/v1/scrutiny-challenges/{raised['id']}/questions", json=question(s.owner_id), headers=cllr
    )
    assert more.status_code == 409, more.text
    # Another council cannot see it.
    assert (await client.get(f"/api/v1/scrutiny-challenges/{raised['id']}", headers=stranger)).status_code == 404
    # Filters that do not fit.
    half = await client.get("/api/v1/scrutiny-challenges", params={"financial_year": "2025/26"}, headers=cllr)
    assert half.status_code == 422 and pointer(half) == "query:quarter", half.text
