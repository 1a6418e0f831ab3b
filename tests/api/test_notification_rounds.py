"""Notification rounds end to end, on both databases: webhooks signed and retried, one digest per
person per day from a real local SMTP server (issue 11, section 4, "Done means")."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import ScopeType
from pmf_api.assurance.notifications.runner import run_once
from pmf_api.config import Settings
from pmf_api.domain.workflow import Role
from pmf_api.main import create_app
from pmf_api.platform import webhooks
from pmf_api.platform.events import OutboxEvent
from tests.api.builders import Structure, approved_target, kpi_body, post, structure
from tests.api.conftest import TokenFactory
from tests.api.receivers import free_port, smtp_server, webhook_receiver
from tests.conftest import Backend

HOOKS = "/api/v1/webhook-subscriptions"
PERIOD = "2025/26 P6"  # September 2025: due 14 October 2025 (ten working days)


@dataclass
class World:
    client: httpx.AsyncClient
    settings: Settings
    maker: async_sessionmaker[AsyncSession]

    async def round(self, now: datetime, **changes: Any) -> Any:
        return await run_once(self.maker, self.settings.model_copy(update=changes), now)


@pytest.fixture
async def world(backend: Backend, connection_sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[World]:
    settings = backend.settings.model_copy(
        update={"webhook_allow_hosts": ["127.0.0.1"], "notify_retry_base_seconds": 60, "smtp_starttls": False}
    )
    app = create_app(settings)
    app.state.engine = backend.engine
    app.state.sessionmaker = connection_sessionmaker
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield World(client, settings, connection_sessionmaker)


async def _kpi(world: World, auth: TokenFactory) -> tuple[Structure, dict[str, Any]]:
    s = await structure(world.client, auth())
    return s, await post(world.client, "/api/v1/kpis", kpi_body(s), auth())


async def _publish(world: World, auth: TokenFactory, s: Structure, kpi: dict[str, Any]) -> dict[str, Any]:
    owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    team = auth(subject="perf.officer@example.gov.uk")
    r = await world.client.put(
        f"/api/v1/kpis/{kpi['id']}/submissions/{PERIOD}",
        json={"numerator": 48, "denominator": 100, "commentary": "Steady", "submit": True},
        headers=owner,
    )
    assert r.status_code == 201, r.text
    move = f"/api/v1/submissions/{r.json()['id']}/transition"
    for to in ("validated", "published"):
        r = await world.client.post(move, json={"to": to}, headers=team)
        assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


async def _subscribe(world: World, auth: TokenFactory, url: str, *event_types: str) -> dict[str, Any]:
    return await post(world.client, HOOKS, {"url": url, "event_types": list(event_types)}, auth())


async def test_a_receiver_gets_a_signed_value_published_event(world: World, auth: TokenFactory) -> None:
    with webhook_receiver() as receiver:
        subscription = await _subscribe(world, auth, receiver.url, "value.published")
        s, kpi = await _kpi(world, auth)
        submission = await _publish(world, auth, s, kpi)
        now = datetime.now(UTC)
        report = await world.round(now)
        assert (report.deliveries_made, report.delivered) == (1, 1)
        assert len(receiver.requests) == 1  # value.submitted was not subscribed to
        request = receiver.requests[0]
        assert webhooks.verify(subscription["secret"], request.headers, request.body, int(time.time()))
        assert not webhooks.verify(subscription["secret"], request.headers, request.body + b" ", int(time.time()))
        assert not webhooks.verify("whsec_" + "A" * 32, request.headers, request.body, int(time.time()))
        event = json.loads(request.body)
        assert event["type"] == "value.published"
        assert event["subject"] == {"submission_id": submission["id"], "kpi_id": kpi["id"], "period": PERIOD}
        assert event["data"]["value"] == "48" and event["data"]["kpi_code"] == kpi["code"]
        # A second round sends nothing again.
        assert (await world.round(now + timedelta(hours=1))).delivered == 0
        assert len(receiver.requests) == 1
        log = await world.client.get(f"{HOOKS}/{subscription['id']}/deliveries", headers=auth())
        [delivery] = log.json()["items"]
        assert (delivery["state"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 1, 200)
        assert request.headers["webhook-id"] == delivery["id"]
        # Redelivered on request, with the same id (the receiver drops what it has seen).
        r = await world.client.post(f"/api/v1/webhook-deliveries/{delivery['id']}/redeliver", headers=auth())
        assert r.status_code == 200 and r.json()["state"] == "pending"
        assert (
            await world.client.post(
                f"/api/v1/webhook-deliveries/{delivery['id']}/redeliver", headers=auth(Role.DIRECTOR)
            )
        ).status_code == 403
        await world.round(now + timedelta(hours=2))
        assert [r.headers["webhook-id"] for r in receiver.requests] == [delivery["id"]] * 2


async def test_a_receiver_that_fails_twice_gets_it_on_the_third_try(world: World, auth: TokenFactory) -> None:
    with webhook_receiver(statuses=[500, 503]) as receiver:
        subscription = await _subscribe(world, auth, receiver.url, "value.published")
        s, kpi = await _kpi(world, auth)
        await _publish(world, auth, s, kpi)
        log = f"{HOOKS}/{subscription['id']}/deliveries"
        start = datetime.now(UTC)
        await world.round(start)
        [delivery] = (await world.client.get(log, headers=auth())).json()["items"]
        assert (delivery["state"], delivery["attempts"], delivery["last_status_code"]) == ("pending", 1, 500)
        # Not before the backoff has passed: 60 seconds after the first try, then 120 after the second.
        await world.round(start + timedelta(seconds=30))
        assert len(receiver.requests) == 1
        await world.round(start + timedelta(seconds=60))
        [delivery] = (await world.client.get(log, headers=auth())).json()["items"]
        assert (delivery["state"], delivery["attempts"], delivery["last_status_code"]) == ("pending", 2, 503)
        await world.round(start + timedelta(seconds=60 + 119))
        assert len(receiver.requests) == 2
        await world.round(start + timedelta(seconds=60 + 120))
        [delivery] = (await world.client.get(log, headers=auth())).json()["items"]
        assert (delivery["state"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 3, 200)
        assert len(receiver.requests) == 3
        assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
        assert all(
            webhooks.verify(subscription["secret"], r.headers, r.body, int(time.time())) for r in receiver.requests
        )


async def test_a_failing_receiver_is_retried_with_backoff_then_failed(world: World, auth: TokenFactory) -> None:
    with webhook_receiver(statuses=[500] * 10) as receiver:
        subscription = await _subscribe(world, auth, receiver.url, "value.published")
        s, kpi = await _kpi(world, auth)
        await _publish(world, auth, s, kpi)
        start = datetime.now(UTC)
        for seconds in (0, 60, 60 + 120):
            await world.round(start + timedelta(seconds=seconds), notify_max_attempts=3)
        assert len(receiver.requests) == 3
        log = f"{HOOKS}/{subscription['id']}/deliveries"
        [delivery] = (await world.client.get(log, params={"state": "failed"}, headers=auth())).json()["items"]
        assert delivery["attempts"] == 3 and delivery["last_error"] == "The receiver answered 500"
        await world.round(start + timedelta(days=1), notify_max_attempts=3)
        assert len(receiver.requests) == 3


async def test_an_event_exists_only_if_its_change_commits(world: World, auth: TokenFactory) -> None:
    s, kpi = await _kpi(world, auth)
    owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    # Submitting without the figures is refused: nothing written, no event.
    r = await world.client.put(f"/api/v1/kpis/{kpi['id']}/submissions/{PERIOD}", json={"submit": True}, headers=owner)
    assert r.status_code == 422
    async with world.maker() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxEvent)) == 0
    await _publish(world, auth, s, kpi)
    async with world.maker() as session:
        kinds = (await session.scalars(select(OutboxEvent.event_type).order_by(OutboxEvent.occurred_at))).all()
    assert list(kinds) == ["value.submitted", "value.published"]


# --- E-mail digests -----------------------------------------------------------------------------

# 16 October 2025, 10:00 in London: P6's value (due 14 October) is two working days late; P4 and P5
# are further behind, so they have reached the backup owner too.
MORNING = datetime(2025, 10, 16, 9, 0, tzinfo=UTC)


def _mail(port: int) -> dict[str, Any]:
    return {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": "pmf@northdale.gov.uk"}


async def _emails(world: World, auth: TokenFactory, s: Structure) -> dict[str, str]:
    people = (await world.client.get("/api/v1/people", params={"limit": 500}, headers=auth())).json()["items"]
    return {p["id"]: p["email"] for p in people if p["id"] in {s.owner_id, s.backup_id}}


async def test_an_overdue_owner_gets_exactly_one_digest(world: World, auth: TokenFactory) -> None:
    s, kpi = await _kpi(world, auth)
    emails = await _emails(world, auth, s)
    with smtp_server() as mailbox:
        first = await world.round(MORNING, **_mail(mailbox.port))
        again = await world.round(MORNING + timedelta(hours=3), **_mail(mailbox.port))
    to_owner = [m for m, r in zip(mailbox.messages, mailbox.recipients, strict=True) if r == [emails[s.owner_id]]]
    assert len(to_owner) == 1, [m["To"] for m in mailbox.messages]
    assert (first.digests_sent, again.digests_collected, again.digests_sent) == (len(mailbox.messages), 0, 0)
    digest = to_owner[0]
    assert digest["From"] == "pmf@northdale.gov.uk" and "16 October 2025" in digest["Subject"]
    assert digest.is_multipart() and [p.get_content_type() for p in digest.get_payload()] == [
        "text/plain",
        "text/html",
    ]
    text = digest.get_payload()[0].get_payload(decode=True).decode()
    markup = digest.get_payload()[1].get_payload(decode=True).decode()
    assert "Overdue" in text and kpi["code"] in text and f"{PERIOD}: overdue since 14 Oct 2025" in text
    assert "2025/26 P5" in text and "2025/26 P7" not in text  # October has not ended
    assert '<html lang="en">' in markup and "<h2>Overdue</h2>" in markup and kpi["code"] in markup
    # The backup owner hears of the periods late long enough to escalate, not of P6.
    [to_backup] = [m for m, r in zip(mailbox.messages, mailbox.recipients, strict=True) if r == [emails[s.backup_id]]]
    backup_text = to_backup.get_payload()[0].get_payload(decode=True).decode()
    assert "(you are the backup owner)" in backup_text and PERIOD not in backup_text


async def test_preferences_decide_whether_and_when_a_digest_goes(world: World, auth: TokenFactory) -> None:
    s, _ = await _kpi(world, auth)
    emails = await _emails(world, auth, s)
    owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    backup = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.backup_id)
    await world.client.put("/api/v1/me/notification-preferences", json={"digest_hour": 14}, headers=owner)
    await world.client.put("/api/v1/me/notification-preferences", json={"email_enabled": False}, headers=backup)
    with smtp_server() as mailbox:
        await world.round(MORNING, **_mail(mailbox.port))  # 10:00 in London: before the owner's hour
        assert [r for r in mailbox.recipients if r[0] in emails.values()] == []
        await world.round(MORNING + timedelta(hours=4), **_mail(mailbox.port))  # 14:00
    assert [r for r in mailbox.recipients if r[0] in emails.values()] == [[emails[s.owner_id]]]


async def test_a_digest_waits_while_the_smtp_server_is_down(world: World, auth: TokenFactory) -> None:
    s, _ = await _kpi(world, auth)
    emails = await _emails(world, auth, s)
    port = free_port()  # nothing listens there yet
    down = await world.round(MORNING, **_mail(port))
    assert down.digests_collected >= 1 and down.digests_sent == 0 and down.digests_failed == 0
    with smtp_server(port) as mailbox:
        await world.round(MORNING + timedelta(seconds=30), **_mail(port))  # the backoff has not passed
        assert mailbox.messages == []
        up = await world.round(MORNING + timedelta(minutes=2), **_mail(port))
        await world.round(MORNING + timedelta(hours=2), **_mail(port))
    assert up.digests_sent == down.digests_collected
    assert sorted(r[0] for r in mailbox.recipients if r[0] in emails.values()) == sorted(emails.values())
    assert len(mailbox.messages) == down.digests_collected  # each once, nothing lost


async def _digest_to(world: World, mailbox: Any, email: str) -> str:
    found = [m for m, r in zip(mailbox.messages, mailbox.recipients, strict=True) if r == [email]]
    assert len(found) == 1, (email, mailbox.recipients)
    text: str = found[0].get_payload()[0].get_payload(decode=True).decode()
    return text


def _last_month(today: date) -> tuple[str, str]:
    """The financial year of ``today`` and the month before ``today``'s, as the API writes them."""
    ended = today.replace(day=1) - timedelta(days=1)
    start = ended.year if ended.month >= 4 else ended.year - 1
    this = today.year if today.month >= 4 else today.year - 1
    return f"{this}/{(this + 1) % 100:02d}", f"{start}/{(start + 1) % 100:02d} P{(ended.month - 4) % 12 + 1}"


async def test_escalation_queries_and_approvals_reach_the_right_people(world: World, auth: TokenFactory) -> None:
    # Today at noon (UTC): the query is answered against the submissions as they stand now.
    now = datetime.now(UTC).replace(hour=12, minute=0)
    year, month = _last_month(now.date())
    h = auth()
    s, kpi = await _kpi(world, auth)
    emails = await _emails(world, auth, s)
    manager = await post(world.client, "/api/v1/people", {"name": "Mo Manager", "email": "mo@example.gov.uk"}, h)
    director = await post(world.client, "/api/v1/people", {"name": "Di Director", "email": "di@example.gov.uk"}, h)
    r = await world.client.patch(
        f"/api/v1/services/{s.service_id}", json={"head_of_service_id": manager["id"]}, headers=h
    )
    assert r.status_code == 200, r.text
    r = await world.client.patch(
        f"/api/v1/directorates/{s.directorate_id}", json={"director_id": director["id"]}, headers=h
    )
    assert r.status_code == 200, r.text
    # A target proposed for approval; P6's value queried by the performance team.
    target = await post(
        world.client,
        "/api/v1/targets",
        {"kpi_id": kpi["id"], "financial_year": year, "target_type": "maintain", "annual_target": 50},
        h,
    )
    r = await world.client.post(f"/api/v1/targets/{target['id']}/transition", json={"to": "proposed"}, headers=h)
    assert r.status_code == 200, r.text
    # A service plan at strategic review, which the director approves.
    plan = await post(world.client, "/api/v1/service-plans", {"service_id": s.service_id, "financial_year": year}, h)
    for to in ("quality_review", "strategic_review"):
        r = await world.client.post(f"/api/v1/service-plans/{plan['id']}/transition", json={"to": to}, headers=h)
        assert r.status_code == 200, r.text
    owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    r = await world.client.put(
        f"/api/v1/kpis/{kpi['id']}/submissions/{month}",
        json={"numerator": 30, "denominator": 100, "commentary": "Low", "submit": True},
        headers=owner,
    )
    assert r.status_code == 201, r.text
    r = await world.client.post(
        f"/api/v1/submissions/{r.json()['id']}/transition", json={"to": "queried", "message": "Check?"}, headers=h
    )
    assert r.status_code == 200, r.text
    with smtp_server() as mailbox:
        await world.round(now, **_mail(mailbox.port))
    to_owner = await _digest_to(world, mailbox, emails[s.owner_id])
    assert "Queries waiting for your answer" in to_owner and f"{month}: the performance team queried" in to_owner
    assert f"{month}: overdue" not in to_owner and f"{month}: due" not in to_owner
    # Earlier months, weeks behind, have reached the head of service.
    to_manager = await _digest_to(world, mailbox, "mo@example.gov.uk")
    assert "overdue since" in to_manager and "(you manage Waste)" in to_manager
    assert "queried" not in to_manager
    to_director = await _digest_to(world, mailbox, "di@example.gov.uk")
    assert "Waiting for your approval" in to_director and f"The {year} target waits for approval" in to_director
    assert f"Waste service plan {year}: The plan is at strategic review" in to_director


class _Broken:
    kinds = ("broken",)

    async def reminders(self, session: AsyncSession, actor: Any, as_of: date) -> list[Any]:
        raise RuntimeError("a source with a bug")


async def test_a_failing_reminder_source_stops_no_webhook(
    world: World, auth: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmf_api.assurance.notifications import reminders

    monkeypatch.setattr(reminders, "_SOURCES", [*reminders.sources(), _Broken()])
    with webhook_receiver() as receiver:
        await _subscribe(world, auth, receiver.url, "value.published")
        s, kpi = await _kpi(world, auth)
        await _publish(world, auth, s, kpi)
        report = await world.round(datetime.now(UTC))
    assert report.delivered == 1 and len(receiver.requests) == 1


async def test_intervention_approvals_and_templates_to_sign_reach_their_people(
    world: World, auth: TokenFactory
) -> None:
    """A KPI Intervention Form's events reach a subscribed receiver, signed; the form waiting for the
    Director reaches the directorate's director, and a Data Quality Template drafted for the year
    reaches the head of the KPI's service (seed 001, Appendices B and F)."""
    now = datetime.now(UTC).replace(hour=12, minute=0)
    year, _ = _last_month(now.date())
    h = auth()
    s, kpi = await _kpi(world, auth)
    leaders = {}
    for role, name in (("manager", "Mo Manager"), ("director", "Di Director")):
        leaders[role] = await post(world.client, "/api/v1/people", {"name": name, "email": f"{role}@x.gov.uk"}, h)
    for path, body in (
        (f"/api/v1/services/{s.service_id}", {"head_of_service_id": leaders["manager"]["id"]}),
        (f"/api/v1/directorates/{s.directorate_id}", {"director_id": leaders["director"]["id"]}),
    ):
        assert (await world.client.patch(path, json=body, headers=h)).status_code == 200
    with webhook_receiver() as receiver:
        subscription = await _subscribe(world, auth, receiver.url, "intervention.opened", "intervention.approved")
        opened = await world.client.post(
            "/api/v1/interventions",
            json={"kpi_id": kpi["id"], "reason": "Complaints doubled", "cause": "Staffing", "steps": "Recruit"},
            headers=h,
        )
        assert opened.status_code == 201, opened.text
        form = opened.json()
        for to, who in (
            ("submitted", h),
            ("head_of_service_approved", auth(Role.SERVICE_MANAGER, scope=ScopeType.SERVICE, scope_id=s.service_id)),
        ):
            r = await world.client.post(f"/api/v1/interventions/{form['id']}/transition", json={"to": to}, headers=who)
            assert r.status_code == 200, r.text
        template = await post(
            world.client, "/api/v1/data-quality-templates", {"kpi_id": kpi["id"], "financial_year": year}, h
        )
        with smtp_server() as mailbox:
            report = await world.round(now, **_mail(mailbox.port))
        assert report.delivered == 2
        events = [json.loads(r.body) for r in receiver.requests]
        # Receivers are told nothing of order (Standard Webhooks): both arrive, each once.
        assert sorted(e["type"] for e in events) == ["intervention.approved", "intervention.opened"]
        assert all(
            webhooks.verify(subscription["secret"], r.headers, r.body, int(time.time())) for r in receiver.requests
        )
        assert {e["subject"]["intervention_id"] for e in events} == {form["id"]}
        [approval] = [e for e in events if e["type"] == "intervention.approved"]
        assert approval["data"]["approval"] == "head_of_service" and approval["data"]["kpi_code"] == kpi["code"]
    to_director = await _digest_to(world, mailbox, "director@x.gov.uk")
    assert "Waiting for your approval" in to_director and "Intervention Form waits for your approval" in to_director
    to_manager = await _digest_to(world, mailbox, "manager@x.gov.uk")
    assert "Data Quality Templates to sign" in to_manager and f"Data Quality Template {year}" in to_manager
    assert "Intervention Form" not in to_manager  # the Head of Service has given their approval
    assert template["state"] == "draft"


async def test_a_revision_waiting_for_approval_reaches_the_director(world: World, auth: TokenFactory) -> None:
    now = datetime.now(UTC).replace(hour=12, minute=0)
    year, _ = _last_month(now.date())
    h = auth()
    s, kpi = await _kpi(world, auth)
    director = await post(world.client, "/api/v1/people", {"name": "Di Director", "email": "di@x.gov.uk"}, h)
    r = await world.client.patch(
        f"/api/v1/directorates/{s.directorate_id}", json={"director_id": director["id"]}, headers=h
    )
    assert r.status_code == 200, r.text
    body = {"kpi_id": kpi["id"], "financial_year": year, "target_type": "maintain", "annual_target": 50}
    target = await approved_target(world.client, h, auth(Role.DIRECTOR, subject="di@x.gov.uk"), body)
    revised = await world.client.post(
        f"/api/v1/targets/{target['id']}/revisions",
        json={"effective_from": f"{year} P7", "annual_target": 55, "reason": "Stretch"},
        headers=h,
    )
    assert revised.status_code == 201 and revised.json()["pending_revision"] == 2, revised.text
    waiting = await world.client.get("/api/v1/targets", params={"revision_pending": "true"}, headers=h)
    assert [t["id"] for t in waiting.json()["items"]] == [target["id"]]
    with smtp_server() as mailbox:
        await world.round(now, **_mail(mailbox.port))
    to_director = await _digest_to(world, mailbox, "di@x.gov.uk")
    assert f"Revision 2 of the {year} target waits for approval" in to_director


async def test_a_person_reads_what_waits_for_them_today(world: World, auth: TokenFactory) -> None:
    """The digest's lines, live, for a portal's 'waiting for me' (GET /me/reminders)."""
    now = datetime.now(UTC)
    year, _ = _last_month(now.date())
    h = auth()
    s, kpi = await _kpi(world, auth)
    director = await post(world.client, "/api/v1/people", {"name": "Di Director", "email": "di@x.gov.uk"}, h)
    r = await world.client.patch(
        f"/api/v1/directorates/{s.directorate_id}", json={"director_id": director["id"]}, headers=h
    )
    assert r.status_code == 200, r.text
    body = {"kpi_id": kpi["id"], "financial_year": year, "target_type": "maintain", "annual_target": 50}
    target = await post(world.client, "/api/v1/targets", body, h)
    r = await world.client.post(f"/api/v1/targets/{target['id']}/transition", json={"to": "proposed"}, headers=h)
    assert r.status_code == 200, r.text
    as_director = auth(Role.DIRECTOR, person_id=director["id"])
    mine = await world.client.get("/api/v1/me/reminders", headers=as_director)
    assert mine.status_code == 200, mine.text
    assert [(i["kind"], i["link"]) for i in mine.json()["items"]] == [
        ("approval_waiting", f"/api/v1/targets/{target['id']}")
    ]
    only = await world.client.get("/api/v1/me/reminders", params={"kind": "overdue"}, headers=as_director)
    assert only.json()["items"] == []
    # The KPI's owner has values overdue; the director has none of them.
    as_owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
    owed = await world.client.get("/api/v1/me/reminders", params={"kind": "overdue", "limit": 1}, headers=as_owner)
    assert owed.status_code == 200 and len(owed.json()["items"]) == 1 and owed.json()["next_cursor"], owed.text
    assert owed.json()["items"][0]["title"].startswith(kpi["code"])
    nobody = await world.client.get("/api/v1/me/reminders", headers=h)
    assert nobody.status_code == 403 and "person" in nobody.json()["detail"], nobody.text
