"""Open data for residents through HTTP, without credentials (seed 003_2a403038ecab8362.txt,
"Transparency and accountability"): only published values of public KPIs ever leave, with the Open
Government Licence in every format; cached, rate-limited, and accessible as a page."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import ScopeType
from pmf_api.domain.workflow import Role, SubmissionState
from pmf_api.main import create_app
from tests.api.builders import Structure, approved_target, kpi_body, post, structure
from tests.api.conftest import Org, TokenFactory, make_organisation
from tests.conftest import Backend

OPEN = "/api/v1/open-data"
OGL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


class Council:
    """A council's KPIs and values entered, checked and published through the API as people would."""

    def __init__(self, client: httpx.AsyncClient, auth: TokenFactory, s: Structure) -> None:
        self.client = client
        self.team = auth()  # the performance team: publishes
        self.owner = auth(Role.KPI_OWNER, scope=ScopeType.SERVICE, scope_id=s.service_id, person_id=s.owner_id)
        self.s = s

    async def kpi(self, **overrides: Any) -> dict[str, Any]:
        body = kpi_body(self.s, unit="number", aggregation="latest", decimal_places=0, **overrides)
        return await post(self.client, "/api/v1/kpis", body, self.team)

    async def enter(self, kpi: dict[str, Any], period: str, value: Any, commentary: str = "Checked.") -> dict[str, Any]:
        url = f"/api/v1/kpis/{kpi['id']}/submissions/{period}"
        existing = await self.client.get(url, headers=self.owner)
        precondition = {"If-Match": existing.headers["ETag"]} if existing.status_code == 200 else {}
        r = await self.client.put(
            url, json={"value": value, "commentary": commentary}, headers={**self.owner, **precondition}
        )
        assert r.status_code in (200, 201), r.text
        result: dict[str, Any] = r.json()
        return result

    async def move(self, submission: dict[str, Any], to: str, by: dict[str, str], **body: Any) -> dict[str, Any]:
        r = await self.client.post(
            f"/api/v1/submissions/{submission['id']}/transition", json={"to": to, **body}, headers=by
        )
        assert r.status_code == 200, r.text
        result: dict[str, Any] = r.json()
        return result

    async def walk(self, submission: dict[str, Any], *steps: str, **publish: Any) -> dict[str, Any]:
        """Move a submission through ``steps``, each by whoever may make it."""
        for step in steps:
            by = self.owner if step in ("submitted", "resubmitted") else self.team
            extra: dict[str, Any] = {"message": "Please check."} if step == "queried" else {}
            submission = await self.move(submission, step, by, **extra, **(publish if step == "published" else {}))
        return submission

    async def published(self, kpi: dict[str, Any], period: str, value: Any, **publish: Any) -> dict[str, Any]:
        submission = await self.enter(kpi, period, value)
        return await self.walk(submission, "submitted", "validated", "published", **publish)


@pytest.fixture
async def council(client: httpx.AsyncClient, auth: TokenFactory) -> Council:
    return Council(client, auth, await structure(client, auth()))


# The state each period is left in, and whether its (unique) value may be seen by the public.
WALK = {
    "2025/26 P1": ((), 101),
    "2025/26 P2": (("submitted",), 102),
    "2025/26 P3": (("submitted", "queried"), 103),
    "2025/26 P4": (("submitted", "queried", "resubmitted"), 104),
    "2025/26 P5": (("submitted", "validated"), 105),
    "2025/26 P6": (("submitted", "validated", "published"), 106),
}


async def test_only_published_values_leave_whatever_state_a_value_is_in(council: Council) -> None:
    client = council.client
    kpi = await council.kpi(code="ENV-OPEN", public=True, title="Fly-tipping incidents cleared")
    states = set()
    for period, (steps, value) in WALK.items():
        submission = await council.walk(await council.enter(kpi, period, value), *steps)
        states.add(submission["state"])
    # A published value being revised: its new revision, drafted, then checked, never leaves;
    # the public goes on seeing what was published until the revision itself is published.
    for period, published_value, revised_value, steps in (
        ("2025/26 P7", 107, 907, ("submitted", "validated")),
        ("2025/26 P8", 108, 118, ("submitted", "validated", "published")),
    ):
        revised = await council.published(kpi, period, published_value)
        r = await client.post(
            f"/api/v1/submissions/{revised['id']}/revisions", json={"reason": "Re-issued."}, headers=council.team
        )
        assert r.status_code == 200, r.text
        await council.walk(await council.enter(kpi, period, revised_value), *steps)
    # A submission's every state was walked through, so a new state would have to be added here.
    assert states | {"published"} == {state.value for state in SubmissionState}

    expected = {"2025/26 P6": (106, 1), "2025/26 P7": (107, 1), "2025/26 P8": (118, 2)}
    never = {"101", "102", "103", "104", "105", "907"}

    values = (await client.get(f"{OPEN}/NORTHDALE/values.json")).json()
    assert {v["period"]: (v["value"], v["revision"]) for v in values["values"]} == expected
    detail = (await client.get(f"{OPEN}/NORTHDALE/kpis/ENV-OPEN")).json()
    assert {v["period"]: (v["value"], v["revision"]) for v in detail["values"]} == expected
    rows = list(csv.DictReader(io.StringIO((await client.get(f"{OPEN}/NORTHDALE/values.csv")).text)))
    assert {row["period"]: (int(row["value"]), int(row["revision"])) for row in rows} == expected
    page = (await client.get("/open-data/NORTHDALE")).text
    cells = set(re.findall(r'<td class="number">([^<]*)</td>', page))
    assert cells == {"106", "107", "118"} and not cells & never
    # Who published a value is the council's business, not the public's.
    for body in (str(values), str(detail)):
        assert "@example.gov.uk" not in body


async def test_a_commentary_leaves_only_when_the_performance_team_makes_it_public(council: Council) -> None:
    client = council.client
    kpi = await council.kpi(code="ENV-NOTE", public=True)
    quiet = await council.published(kpi, "2025/26 P1", 10)
    await council.published(kpi, "2025/26 P2", 20, commentary_public=True)

    def commentaries(body: dict[str, Any]) -> dict[str, str | None]:
        return {v["period"]: v["commentary"] for v in body["values"]}

    body = (await client.get(f"{OPEN}/NORTHDALE/values.json")).json()
    assert commentaries(body) == {"2025/26 P1": None, "2025/26 P2": "Checked."}

    publication = f"/api/v1/submissions/{quiet['id']}/publications/1"
    # The owner wrote it, but whether it goes out is the performance team's decision.
    r = await client.patch(publication, json={"commentary_public": True}, headers=council.owner)
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    r = await client.patch(f"/api/v1/submissions/{quiet['id']}/publications/2", json={"commentary_public": True},
                           headers=council.team)  # fmt: skip
    assert r.status_code == 404 and "Revision 2" in r.json()["detail"]
    r = await client.patch(publication, json={"commentary_public": "perhaps"}, headers=council.team)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/commentary_public"
    r = await client.patch(publication, json={"commentary_public": True}, headers=council.team)
    assert r.status_code == 200 and r.json()["commentary_public"] is True
    body = (await client.get(f"{OPEN}/NORTHDALE/values.json")).json()
    assert commentaries(body) == {"2025/26 P1": "Checked.", "2025/26 P2": "Checked."}
    audit = (await client.get("/api/v1/audit", params={"entity_type": "published_value"}, headers=council.team)).json()
    changes = [e for e in audit["items"] if e["action"] == "update"]
    assert [(e["before"]["commentary_public"], e["after"]["commentary_public"]) for e in changes] == [(False, True)]
    # Only a value being published has a commentary to make public.
    draft = await council.enter(kpi, "2025/26 P3", 30)
    r = await client.post(
        f"/api/v1/submissions/{draft['id']}/transition",
        json={"to": "submitted", "commentary_public": True},
        headers=council.owner,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/commentary_public"


async def test_each_value_carries_its_target_and_status_in_words(council: Council, auth: TokenFactory) -> None:
    client = council.client
    kpi = await council.kpi(code="RAG-1", public=True, title="Street lights repaired within 5 days")
    await approved_target(
        client,
        council.team,
        auth(Role.DIRECTOR),
        {
            "kpi_id": kpi["id"],
            "financial_year": "2025/26",
            "target_type": "maintain",
            "annual_target": 50,
            "tolerance": {"kind": "intervention_level", "value": 45},
        },
    )
    await council.kpi(code="RAG-2", public=True)  # no target
    for period, value in (("2025/26 P1", 52), ("2025/26 P2", 47), ("2025/26 P3", 40)):
        await council.published(kpi, period, value)
    untargeted = await council.kpi(code="RAG-3", public=True)
    await council.published(untargeted, "2025/26 P1", 7)
    values = (await client.get(f"{OPEN}/NORTHDALE/values.json")).json()["values"]
    assert [(v["kpi_code"], v["value"], v["target"], v["rag"], v["rag_text"]) for v in values] == [
        ("RAG-1", 52, 50, "green", "Green: on or better than target"),
        ("RAG-1", 47, 50, "amber", "Amber: below target, within tolerance"),
        ("RAG-1", 40, 50, "red", "Red: below the intervention level"),
        ("RAG-3", 7, None, None, "No target"),
    ]
    rows = list(csv.DictReader(io.StringIO((await client.get(f"{OPEN}/NORTHDALE/values.csv")).text)))
    assert [(r["target"], r["rag"]) for r in rows] == [("50", "green"), ("50", "amber"), ("50", "red"), ("", "")]
    page = (await client.get("/open-data/NORTHDALE")).text
    for words in ("Green: on or better than target", "Amber: below target, within tolerance", "No target"):
        assert f"<td>{words}</td>" in page  # in words, never colour alone


async def test_a_kpi_becomes_public_through_its_own_update_and_the_change_is_audited(council: Council) -> None:
    client = council.client
    kpi = await council.kpi(code="ENV-LATER")
    assert kpi["public"] is False
    await council.published(kpi, "2025/26 P1", 5)
    assert (await client.get(f"{OPEN}/NORTHDALE/values.json")).status_code == 404
    r = await client.patch(f"/api/v1/kpis/{kpi['id']}", json={"public": True}, headers=council.team)
    assert r.status_code == 200 and r.json()["public"] is True, r.text
    assert [v["value"] for v in (await client.get(f"{OPEN}/NORTHDALE/values.json")).json()["values"]] == [5]
    audit = (await client.get("/api/v1/audit", params={"entity_id": kpi["id"]}, headers=council.team)).json()
    assert any(e["after"].get("public") is True and e["before"].get("public") is False for e in audit["items"])


async def test_what_is_not_public_is_not_found_and_says_nothing_more(
    council: Council, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    client = council.client
    public = await council.kpi(code="PUB-1", public=True)
    private = await council.kpi(code="PRIV-1")
    await council.published(public, "2025/26 P1", 1)
    await council.published(private, "2025/26 P1", 2)
    await make_organisation(connection_sessionmaker, "QUIETSHIRE")  # publishes nothing

    assert [c["code"] for c in (await client.get(OPEN)).json()["councils"]] == ["NORTHDALE"]
    kpis = (await client.get(f"{OPEN}/NORTHDALE/kpis")).json()["kpis"]
    assert [k["code"] for k in kpis] == ["PUB-1"]
    assert [v["kpi_code"] for v in (await client.get(f"{OPEN}/NORTHDALE/values.json")).json()["values"]] == ["PUB-1"]
    # A KPI that is not public and one that does not exist get the same answer.
    hidden = await client.get(f"{OPEN}/NORTHDALE/kpis/PRIV-1")
    unknown = await client.get(f"{OPEN}/NORTHDALE/kpis/NO-SUCH")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.headers["content-type"] == "application/problem+json"
    assert hidden.json()["detail"].replace("PRIV-1", "X") == unknown.json()["detail"].replace("NO-SUCH", "X")
    # So do a council that publishes nothing and one that does not exist, in every format.
    for suffix in ("/kpis", "/values.json", "/values.csv", "/values.csv-metadata.json", "/kpis/PUB-1"):
        quiet = await client.get(f"{OPEN}/QUIETSHIRE{suffix}")
        missing = await client.get(f"{OPEN}/NOWHERE{suffix}")
        assert quiet.status_code == missing.status_code == 404, suffix
        assert quiet.json()["detail"].replace("QUIETSHIRE", "X") == missing.json()["detail"].replace("NOWHERE", "X")
    assert (await client.get("/open-data/QUIETSHIRE")).status_code == 404
    assert (await client.get(f"{OPEN}/{'X' * 41}/kpis")).status_code == 422


async def test_archived_kpis_and_other_councils_stay_apart(
    council: Council, client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    kpi = await council.kpi(code="ARCH-1", public=True)
    await council.published(kpi, "2025/26 P1", 3)
    kept = await council.kpi(code="KEPT-1", public=True)
    await council.published(kept, "2025/26 P1", 4)
    r = await client.post(f"/api/v1/kpis/{kpi['id']}/archive", headers=council.team)
    assert r.status_code in (200, 204), r.text
    assert [v["kpi_code"] for v in (await client.get(f"{OPEN}/NORTHDALE/values.json")).json()["values"]] == ["KEPT-1"]
    # Southmere's own public KPI shows under Southmere alone.
    south = Council(
        client,
        lambda *a, **k: auth(*a, organisation=other_org, **k),
        await structure(client, auth(organisation=other_org)),
    )
    south_kpi = await south.kpi(code="SOUTH-1", public=True)
    await south.published(south_kpi, "2025/26 P1", 9)
    assert [c["code"] for c in (await client.get(OPEN)).json()["councils"]] == ["NORTHDALE", "SOUTHMERE"]
    assert [v["kpi_code"] for v in (await client.get(f"{OPEN}/SOUTHMERE/values.json")).json()["values"]] == ["SOUTH-1"]


async def test_every_format_carries_the_licence_and_is_cached(council: Council) -> None:
    client = council.client
    kpi = await council.kpi(code="LIC-1", public=True)
    await council.published(kpi, "2025/26 P1", 12)
    paths = [
        OPEN,
        f"{OPEN}/NORTHDALE/kpis",
        f"{OPEN}/NORTHDALE/kpis/LIC-1",
        f"{OPEN}/NORTHDALE/values.json",
        f"{OPEN}/NORTHDALE/values.csv",
        f"{OPEN}/NORTHDALE/values.csv-metadata.json",
        "/open-data/NORTHDALE",
    ]
    for path in paths:
        r = await client.get(path)  # no credentials at all
        assert r.status_code == 200, (path, r.text)
        assert f'<{OGL}>; rel="license"' in r.headers["link"], path
        assert r.headers["cache-control"] == "public, max-age=300", path
        tag = r.headers["etag"]
        assert tag.startswith('"'), path  # strong
        again = await client.get(path, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag, path
        assert again.headers["cache-control"] == "public, max-age=300", path
        if path.endswith(".csv"):
            continue
        assert OGL in r.text, path
    assert (
        "Open Government Licence v3.0"
        in (await client.get(f"{OPEN}/NORTHDALE/values.json")).json()["licence"]["attribution"]
    )
    # A new publication changes the answer, so its tag.
    before = (await client.get(f"{OPEN}/NORTHDALE/values.json")).headers["etag"]
    await council.published(kpi, "2025/26 P2", 13)
    r = await client.get(f"{OPEN}/NORTHDALE/values.json", headers={"If-None-Match": before})
    assert r.status_code == 200 and r.headers["etag"] != before


async def test_the_csv_is_described_by_its_csv_on_the_web_metadata(council: Council) -> None:
    client = council.client
    kpi = await council.kpi(code="NET-1", public=True, title='=HYPERLINK("http://example.com")')
    await council.published(kpi, "2025/26 P1", -5)
    await council.published(kpi, "2025/26 P2", 2.5)
    r = await client.get(f"{OPEN}/NORTHDALE/values.csv")
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert '</api/v1/open-data/NORTHDALE/values.csv-metadata.json>; rel="describedby"' in r.headers["link"]
    metadata = (await client.get(f"{OPEN}/NORTHDALE/values.csv-metadata.json")).json()
    assert metadata["@context"][0] == "http://www.w3.org/ns/csvw"
    assert metadata["url"] == "/api/v1/open-data/NORTHDALE/values.csv"
    assert metadata["dc:license"] == {"@id": OGL}
    columns = metadata["tableSchema"]["columns"]
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8"))))
    assert not r.content.startswith(b"\xef\xbb\xbf")  # the header is read as is
    header, rows = table[0], table[1:]
    assert header == [column["name"] for column in columns]
    parse: dict[str, Callable[[str], Any]] = {
        "string": str,
        "date": date.fromisoformat,
        "decimal": Decimal,
        "integer": int,
        "dateTime": datetime.fromisoformat,
    }
    for row in rows:
        for column, cell in zip(columns, row, strict=True):
            if cell == "":
                assert not column["required"], column["name"]
                continue
            parse[column["datatype"]](cell)  # every cell is of its column's datatype
            if column["datatype"] == "decimal":
                assert re.fullmatch(r"-?\d+(\.\d+)?", cell), cell
    by_period = {row[header.index("period")]: row for row in rows}
    # A negative number stays a number; a title that would run as a formula is neutralised.
    assert by_period["2025/26 P1"][header.index("value")] == "-5"
    assert by_period["2025/26 P2"][header.index("value")] == "2.5"
    assert by_period["2025/26 P1"][header.index("kpi_title")].startswith("'=")


@asynccontextmanager
async def _limited_client(
    backend: Backend, maker: async_sessionmaker[AsyncSession], **changes: Any
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(backend.settings.model_copy(update=changes))
    app.state.engine = backend.engine
    app.state.sessionmaker = maker
    address = (f"203.0.113.{uuid.uuid4().int % 200 + 1}", 4000)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=address), base_url="http://test") as c:
        yield c


async def test_open_data_has_a_rate_limit_of_its_own(
    council: Council, backend: Backend, connection_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    kpi = await council.kpi(code="RATE-1", public=True)
    await council.published(kpi, "2025/26 P1", 1)
    async with _limited_client(
        backend, connection_sessionmaker, open_data_rate_limit="3/minute", rate_limit_enabled=True
    ) as client:
        statuses = [
            (await client.get(path)).status_code for path in (OPEN, f"{OPEN}/NORTHDALE/kpis", "/open-data/NORTHDALE")
        ]
        assert statuses == [200, 200, 200]
        r = await client.get(f"{OPEN}/NORTHDALE/values.json")
        assert r.status_code == 429 and r.headers["content-type"] == "application/problem+json"
        assert "open-data" in r.json()["detail"] and int(r.headers["Retry-After"]) >= 1
        # The address's other requests are counted apart.
        assert (await client.get("/api/v1/kpis", headers=council.team)).status_code == 200


async def test_the_page_passes_axe_core_in_chromium(council: Council) -> None:
    from tests.report_checks import explain, html_violations

    kpi = await council.kpi(
        code="PAGE-1", public=True, title="Missed bin collections", definition="Per 100,000 collections"
    )
    for month, value in enumerate((41, 38, 44, 36), start=1):
        await council.published(kpi, f"2025/26 P{month}", value, commentary_public=month == 4)
    await council.kpi(code="PAGE-2", public=True, title="Planning appeals won")  # nothing published yet
    r = await council.client.get("/open-data/NORTHDALE")
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    page = r.text
    assert "<h1>" in page and page.count("<table>") == 1 and page.count('role="img"') == 1
    assert "No value has been published yet." in page
    assert "Missed bin collections, 4 published values from 2025/26 P1 to 2025/26 P4" in page  # the chart in words
    assert "default-src 'none'" in r.headers["content-security-policy"]
    found = await asyncio.to_thread(html_violations, r.content)
    assert found == [], explain(found)


def test_a_malformed_open_data_limit_or_max_age_is_refused_at_start() -> None:
    from pydantic import ValidationError

    from pmf_api.config import Settings

    with pytest.raises(ValidationError, match="PMF_OPEN_DATA_RATE_LIMIT must read like"):
        Settings(environment="test", open_data_rate_limit="lots")
    with pytest.raises(ValidationError, match="open_data_max_age_seconds"):
        Settings(environment="test", open_data_max_age_seconds=-1)


def test_the_spec_says_the_open_data_asks_for_no_credentials() -> None:
    from pmf_api.config import Settings

    spec = create_app(Settings(environment="test", api_docs=True)).openapi()
    operations = {path: item["get"] for path, item in spec["paths"].items() if path.startswith((OPEN, "/open-data/"))}
    assert set(operations) == {
        OPEN,
        f"{OPEN}/{{code}}/kpis",
        f"{OPEN}/{{code}}/kpis/{{kpi_code}}",
        f"{OPEN}/{{code}}/values.json",
        f"{OPEN}/{{code}}/values.csv",
        f"{OPEN}/{{code}}/values.csv-metadata.json",
        "/open-data/{code}",
    }
    for path, operation in operations.items():
        assert operation["security"] == [], path
        assert not {"401", "403"} & set(operation["responses"]), path
    # Every other operation under /api still asks for a credential, but for what Power BI's credential test and
    # a feed author read first: the service root and the feeds' catalogue.
    public = {"/api/v1", "/api/v1/feeds"}
    others = [op for path, item in spec["paths"].items() if path.startswith("/api/") and path not in operations
              and path not in public for op in item.values()]  # fmt: skip
    assert others and all(op.get("security") for op in others)
    assert all(op["security"] == [] for path in public for op in spec["paths"][path].values())
