"""Every collection pages with ``limit``/``cursor`` and a ``Link`` to the end; every GET carries an
ETag and answers ``If-None-Match`` (weakly compared) with 304. Walked over the spec's own GETs, on
the demo council, so a GET added later is checked without a word here."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import Grant, ScopeType
from pmf_api.access.tokens import mint_token
from pmf_api.demo import DEMO_ORGANISATION_CODE, load_demo
from pmf_api.domain.workflow import Role
from pmf_api.framework.organisations.models import Person
from pmf_api.performance.submissions.models import PublishedValue, Submission, SubmissionMessage
from pmf_api.performance.targets.models import Target
from pmf_api.reporting.jobs import runner
from tests.conftest import Backend

API = "/api/v1"
PERIOD = "2026/27 P6"  # a month the demo has collected


@dataclass
class Demo:
    client: httpx.AsyncClient
    h: dict[str, str]
    ids: dict[str, str]  # path template -> the record its {id} (or {kpi_id}) names
    spec: dict[str, Any]

    def url(self, template: str) -> str:
        path = template.replace("{id}", self.ids.get(template, "")).replace("{kpi_id}", self.ids["kpi"])
        path = path.replace("{period}", PERIOD).replace("{slug}", "not-found")
        # The open data: the demo council and one of its public KPIs
        return path.replace("{code}", DEMO_ORGANISATION_CODE).replace("{kpi_code}", "WS01")

    def params(self, template: str) -> dict[str, str]:
        """The query parameters an operation requires (a period, or a quarter of a year), none else."""
        operation = self.spec["paths"][template]["get"]
        required = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query" and p.get("required")]
        known = {"period": PERIOD, "financial_year": PERIOD[:7], "quarter": "2"}
        assert set(required) <= set(known), (template, required)
        return {name: known[name] for name in required}


@pytest.fixture
async def demo(
    backend: Backend, connection_sessionmaker: async_sessionmaker[AsyncSession], app_client: httpx.AsyncClient
) -> Demo:
    async with connection_sessionmaker() as session:
        organisation = await load_demo(session)
        await session.commit()
        thread = await session.scalar(
            select(SubmissionMessage.submission_id)
            .group_by(SubmissionMessage.submission_id)
            .order_by(func.count().desc(), SubmissionMessage.submission_id)
            .limit(1)
        )
        republished = await session.scalar(
            select(PublishedValue.submission_id).where(PublishedValue.revision == 2).limit(1)
        )
        target = await session.scalar(
            select(Target).where(Target.financial_year == "2026/27").order_by(Target.id).limit(1)
        )
        submission = await session.scalar(select(Submission).where(Submission.period == PERIOD).limit(1))
        # The token speaks for a person, so the caller's own notification preferences can be read.
        person_id = await session.scalar(select(Person.id).order_by(Person.email).limit(1))
        assert thread and republished and target and submission and person_id
    token = mint_token(
        backend.settings,
        organisation_id=organisation.id,
        subject="team@example.gov.uk",
        name="Team",
        grants=[Grant(Role.PERFORMANCE, ScopeType.ORGANISATION, None)],
        person_id=person_id,
    )
    h = {"Authorization": f"Bearer {token}"}
    client = app_client
    # A second revision of a target, and two API keys, so that their lists have pages to walk
    revised = await client.post(
        f"{API}/targets/{target.id}/revisions",
        json={"effective_from": "2026/27 P9", "annual_target": float(target.annual_target), "reason": "Rebased"},
        headers=h,
    )
    assert revised.status_code == 201, revised.text
    for name in ("Power BI", "Finance system"):
        key = await client.post(
            f"{API}/api-keys", json={"name": name, "role": "viewer", "scope": "organisation"}, headers=h
        )
        assert key.status_code == 201, key.text
    # A KPI Intervention Form (the demo has none open), so its GETs are walked too
    opened = await client.post(
        f"{API}/interventions",
        json={"kpi_id": str(submission.kpi_id), "period": PERIOD, "reason": "Opened for the walk"},
        headers=h,
    )
    assert opened.status_code == 201, opened.text
    # A webhook subscription (never sent to: no notification round runs here), for its reads.
    hook = await client.post(
        f"{API}/webhook-subscriptions",
        json={"url": "https://8.8.8.8/pmf-hooks", "event_types": ["value.published"], "active": False},
        headers=h,
    )
    assert hook.status_code == 201, hook.text
    # A closed period (long before the demo's values, so nothing the tests write is locked), for its reads.
    closed = await client.post(
        f"{API}/period-closes", json={"period": "2020/21 Q1", "reason": "Closed for the walk"}, headers=h
    )
    assert closed.status_code == 201, closed.text
    # A report job on the demo's frozen quarter, run, for its reads and its file.
    frozen = (await client.get(f"{API}/snapshots", params={"limit": 1}, headers=h)).json()["items"][0]
    job = await client.post(
        f"{API}/report-jobs",
        json={"kind": "report", "parameters": {"snapshot_id": frozen["id"], "format": "json"}},
        headers=h,
    )
    assert job.status_code == 202, job.text
    assert await runner.drain(connection_sessionmaker, backend.settings) == 1
    spec = (await client.get("/openapi.json")).json()
    ids = {
        f"{API}/targets/{{id}}/revisions": str(target.id),
        f"{API}/submissions/{{id}}/messages": str(thread),
        f"{API}/submissions/{{id}}/publications": str(republished),
        f"{API}/kpis/{{id}}/status": str(submission.kpi_id),
        "kpi": str(submission.kpi_id),
    }
    demo = Demo(client, h, ids, spec)
    # Any other {id}: the first record of the list above it (GET /kpis for GET /kpis/{id})
    for template in spec["paths"]:
        if template.endswith("/{id}") or (template.count("{id}") == 1 and template not in ids):
            listed = template.split("/{id}")[0]
            if "get" in spec["paths"].get(listed, {}):
                first = await client.get(listed, params={"limit": 1}, headers=h)
                assert first.json()["items"], f"{listed} lists nothing: give the walk one record of it"
                ids[template] = first.json()["items"][0]["id"]
    return demo


def _gets(spec: dict[str, Any]) -> list[str]:
    return [path for path, item in spec["paths"].items() if "get" in item]


def _is_page(spec: dict[str, Any], template: str) -> bool:
    schema = spec["paths"][template]["get"]["responses"]["200"].get("content", {}).get("application/json", {})
    ref = schema.get("schema", {}).get("$ref", "")
    properties = spec["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
    return "items" in properties and "next_cursor" in properties


_LINK = re.compile(r'^<([^>]+)>; rel="next"$')


async def _walk(demo: Demo, template: str, limit: int) -> list[Any]:
    """Every item of a collection, page by page, following each page's ``Link`` (checked against its
    ``next_cursor``)."""
    url: str | None = demo.url(template)
    params: dict[str, Any] | None = {**demo.params(template), "limit": limit}
    items: list[Any] = []
    for _ in range(1000):
        assert url is not None
        page = await demo.client.get(url, params=params, headers=demo.h)
        assert page.status_code == 200, (template, page.text)
        body = page.json()
        assert len(body["items"]) <= limit
        items += body["items"]
        if body["next_cursor"] is None:
            assert "link" not in page.headers, template
            return items
        link = _LINK.match(page.headers["link"])
        assert link is not None, page.headers["link"]
        url, params = link.group(1), None
        assert httpx.URL(url).params["cursor"] == body["next_cursor"]
        assert httpx.URL(url).params["limit"] == str(limit)
    raise AssertionError(f"{template}: no last page")


async def test_every_collection_pages_to_the_end_with_each_item_once(demo: Demo) -> None:
    walked = {}
    for template in _gets(demo.spec):
        if not _is_page(demo.spec, template):
            continue
        whole = await _walk(demo, template, 500)
        # Page by page; a long list (the demo's submissions) in about 20 pages rather than one each
        limit = 1 if len(whole) <= 25 else len(whole) // 20 + 1
        assert await _walk(demo, template, limit) == whole, template
        assert len({json.dumps(item, sort_keys=True) for item in whole}) == len(whole), template
        walked[template] = len(whole)
    for template in ("/targets/{id}/revisions", "/submissions/{id}/messages", "/submissions/{id}/publications",
                     "/collection/tasks", "/collection/periods", "/api-keys", "/audit"):  # fmt: skip
        assert walked[API + template] >= 2, template
    revisions = await _walk(demo, f"{API}/targets/{{id}}/revisions", 1)
    assert [r["number"] for r in revisions] == [1, 2]  # oldest first, as documented
    periods = await _walk(demo, f"{API}/collection/periods", 1)
    assert [p["period"] for p in periods][:5] == ["2026/27 P1", "2026/27 P2", "2026/27 P3", "2026/27 Q1", "2026/27 P4"]
    tasks = await _walk(demo, f"{API}/collection/tasks", 1)
    assert [t["kpi_code"] for t in tasks] == sorted(t["kpi_code"] for t in tasks)


async def test_a_collection_refuses_a_cursor_it_did_not_make(demo: Demo) -> None:
    for template in (f"{API}/collection/tasks", f"{API}/targets/{{id}}/revisions"):
        first = await demo.client.get(demo.url(template), params={**demo.params(template), "limit": 1}, headers=demo.h)
        for cursor in ("not-a-cursor", first.json()["next_cursor"][:-2] + "xx"):
            r = await demo.client.get(
                demo.url(template), params={**demo.params(template), "cursor": cursor}, headers=demo.h
            )
            assert r.status_code == 422, (template, r.text)
            assert r.headers["content-type"] == "application/problem+json"
    tasks = await demo.client.get(f"{API}/collection/tasks", params={"period": PERIOD, "limit": 1}, headers=demo.h)
    periods_cursor = {"cursor": tasks.json()["next_cursor"]}  # a tasks cursor is not a periods one
    r = await demo.client.get(f"{API}/collection/periods", params=periods_cursor, headers=demo.h)
    assert r.status_code == 422
    r = await demo.client.get(f"{API}/collection/tasks", params={"period": PERIOD, "limit": 0}, headers=demo.h)
    assert r.status_code == 422


async def test_every_get_answers_if_none_match_with_304(demo: Demo) -> None:
    checked = []
    for template in _gets(demo.spec):
        url, params = demo.url(template), demo.params(template)
        first = await demo.client.get(url, params=params, headers=demo.h)
        assert first.status_code == 200, (template, first.text)
        tag = first.headers.get("etag")
        assert tag, f"GET {template} has no ETag"
        opaque = tag.removeprefix("W/")
        for held in (tag, opaque, f"W/{opaque}", f'"elsewhere", {tag}', "*"):
            again = await demo.client.get(url, params=params, headers={**demo.h, "If-None-Match": held})
            assert again.status_code == 304, (template, held, again.status_code)
            assert again.content == b"" and again.headers["etag"] == tag, template
            assert "content-type" not in again.headers
        for held in ('"elsewhere"', 'W/"elsewhere"', opaque.strip('"'), "garbage"):
            other = await demo.client.get(url, params=params, headers={**demo.h, "If-None-Match": held})
            assert other.status_code == 200 and other.headers["etag"] == tag, (template, held)
            if "spreadsheet" not in first.headers["content-type"]:  # a workbook's bytes hold its time
                assert other.content == first.content, template
        checked.append(template)
    assert {f"{API}/scorecard", f"{API}/kpis/{{id}}/status", f"{API}/collection/summary", f"{API}/audit",
            f"{API}/services/{{id}}/submission-template", f"{API}/kpis/{{id}}", f"{API}/kpis",
            f"{API}/organisation", "/healthz"} <= set(checked)  # fmt: skip


async def test_a_changed_answer_is_sent_again_with_its_new_etag(demo: Demo) -> None:
    kpi = demo.ids["kpi"]
    urls = [
        (f"{API}/kpis/{kpi}", {}),  # a record, from the fast read path
        (f"{API}/kpis", {"limit": 500}),  # a list, from the fast read path
        (f"{API}/kpis/{kpi}/status", {"period": PERIOD}),
        (f"{API}/scorecard", {"period": PERIOD}),
        (f"{API}/collection/tasks", {"period": PERIOD, "limit": 500}),
        (f"{API}/audit", {}),
    ]
    before = {}
    for url, params in urls:
        before[url] = (await demo.client.get(url, params=params, headers=demo.h)).headers["etag"]
    record = await demo.client.get(f"{API}/kpis/{kpi}", headers=demo.h)
    changed = await demo.client.patch(
        f"{API}/kpis/{kpi}",
        json={"title": record.json()["title"] + " (renamed)"},
        headers={**demo.h, "If-Match": record.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    for url, params in urls:
        again = await demo.client.get(url, params=params, headers={**demo.h, "If-None-Match": before[url]})
        assert again.status_code == 200, url
        assert again.headers["etag"] != before[url], url
        assert "(renamed)" in again.text or url.endswith("/audit"), url


async def test_a_page_is_tagged_alike_through_the_fast_read_path_and_the_full_route(
    backend: Backend, connection_sessionmaker: async_sessionmaker[AsyncSession], demo: Demo
) -> None:
    from pmf_api.main import create_app

    app = create_app(backend.settings.model_copy(update={"hot_reads": False}))
    app.state.engine = backend.engine
    app.state.sessionmaker = connection_sessionmaker
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as full:
        for url in (f"{API}/kpis", f"{API}/people"):
            hot = await demo.client.get(url, params={"limit": 5}, headers=demo.h)
            slow = await full.get(url, params={"limit": 5}, headers=demo.h)
            assert hot.headers["etag"] == slow.headers["etag"]
            held = {**demo.h, "If-None-Match": hot.headers["etag"].removeprefix("W/")}
            assert (await full.get(url, params={"limit": 5}, headers=held)).status_code == 304
            assert (await demo.client.get(url, params={"limit": 5}, headers=held)).status_code == 304
    assert uuid.UUID(demo.ids["kpi"])


async def test_a_list_sorted_by_a_time_pages_on(demo: Demo) -> None:
    """A cursor made on ``updated_at`` was refused as 'not one this service issued'."""
    for path in ("/kpis", "/targets", "/audit"):
        params = {"sort": "updated_at"} if path != "/audit" else {}
        first = await demo.client.get(API + path, params={**params, "limit": 2}, headers=demo.h)
        assert first.json()["next_cursor"], path
        second = await demo.client.get(
            API + path, params={**params, "limit": 2, "cursor": first.json()["next_cursor"]}, headers=demo.h
        )
        assert second.status_code == 200, (path, second.text)


async def test_a_template_is_tagged_by_what_it_holds_in_every_format(demo: Demo) -> None:
    url = demo.url(f"{API}/services/{{id}}/submission-template")
    tags = set()
    for file_format in ("xlsx", "csv", "json"):
        params = {"period": PERIOD, "format": file_format}
        first = await demo.client.get(url, params=params, headers=demo.h)
        again = await demo.client.get(url, params=params, headers={**demo.h, "If-None-Match": first.headers["etag"]})
        assert again.status_code == 304, file_format
        tags.add(first.headers["etag"])
    assert len(tags) == 3  # one answer per format
