"""The OData service as a client library reads it, the way Power BI's OData.Feed and Excel's OData
import do: ``$metadata`` first (its CSDL checked against the rules those clients rely on), then the
entity set, with the filters, sort and paging the client builds itself.

The client is ``python-odata`` (synchronous, over ``requests``): it runs in a worker thread and its
requests reach the app through the test's own ASGI client on the test's event loop, so it reads
the same database, with real credentials, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import requests
from odata import ODataService
from requests.adapters import BaseAdapter

from pmf_api.publishing.feeds.catalogue import FEEDS
from pmf_api.publishing.odata.filters import EDM_TYPES
from tests.api.builders import kpi_body, post, structure
from tests.api.conftest import Org, TokenFactory

ROOT = "/api/v1/odata"
EDMX = "{http://docs.oasis-open.org/odata/ns/edmx}"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


class AppAdapter(BaseAdapter):
    """A ``requests`` transport that sends each request to the app through ``client`` on ``loop``."""

    def __init__(self, client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.client = client
        self.loop = loop
        self.urls: list[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        assert request.url is not None and request.method is not None
        self.urls.append(request.url)
        call = self.client.request(
            request.method, request.url, headers=dict(request.headers), content=request.body or b""
        )
        answer = asyncio.run_coroutine_threadsafe(call, self.loop).result(timeout=60)
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers.update(answer.headers)
        response._content = answer.content
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


def session_for(client: httpx.AsyncClient, headers: dict[str, str]) -> tuple[requests.Session, AppAdapter]:
    adapter = AppAdapter(client, asyncio.get_running_loop())
    session = requests.Session()
    session.mount("http://", adapter)
    session.headers.update(headers)
    return session, adapter


async def test_python_odata_reads_metadata_and_the_kpis(
    client: httpx.AsyncClient, auth: TokenFactory, other_org: Org
) -> None:
    h = auth()
    s = await structure(client, h)
    for n in range(1, 6):
        await post(client, "/api/v1/kpis", kpi_body(s, code=f"K{n:02d}", decimal_places=n % 3), h)
    theirs = auth(organisation=other_org)
    await post(client, "/api/v1/kpis", kpi_body(await structure(client, theirs), code="SOUTH1"), theirs)
    # Pages of two rows: the client follows @odata.nextLink, as Power BI does.
    session, adapter = session_for(client, {**h, "Prefer": "odata.maxpagesize=2"})

    def read() -> dict[str, Any]:
        service = ODataService(f"http://test{ROOT}/", reflect_entities=True, session=session, quiet_progress=True)
        Kpi = service.entities["Kpis"]
        everything = service.query(Kpi).order_by(Kpi.code.asc()).all()
        filtered = service.query(Kpi).filter(Kpi.decimal_places == 1).order_by(Kpi.code.desc()).all()
        return {
            "all": [kpi.code for kpi in everything],
            "filtered": [kpi.code for kpi in filtered],
            "count": service.query(Kpi).filter(Kpi.code.startswith("K0")).count(),
        }

    found = await asyncio.to_thread(read)
    assert found == {"all": ["K01", "K02", "K03", "K04", "K05"], "filtered": ["K04", "K01"], "count": 5}
    assert adapter.urls[0].endswith(f"{ROOT}/$metadata")
    assert sum("$skiptoken=" in url for url in adapter.urls) >= 2  # K01-K02, K03-K04, K05
    assert any("decimal_places eq 1" in requests.utils.unquote(url) for url in adapter.urls)  # filtered by us


IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
PRIMITIVES = {
    "Edm.String",
    "Edm.Int32",
    "Edm.Int64",
    "Edm.Decimal",
    "Edm.Boolean",
    "Edm.Date",
    "Edm.DateTimeOffset",
    "Edm.Guid",
}


async def test_metadata_follows_the_csdl_rules_power_bi_relies_on(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    r = await client.get(f"{ROOT}/$metadata", headers=auth())
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/xml")
    assert r.headers["OData-Version"] == "4.0"
    root = ET.fromstring(r.content)
    assert (root.tag, root.get("Version")) == (f"{EDMX}Edmx", "4.0")
    aliases = {include.get("Alias"): include.get("Namespace") for include in root.iter(f"{EDMX}Include")}
    assert aliases == {"Core": "Org.OData.Core.V1", "Capabilities": "Org.OData.Capabilities.V1"}
    (schema,) = root.find(f"{EDMX}DataServices") or []
    assert schema.tag == f"{EDM}Schema"
    namespace = schema.get("Namespace")
    types = {entity_type.get("Name"): entity_type for entity_type in schema.findall(f"{EDM}EntityType")}
    for name, entity_type in types.items():
        assert name and IDENTIFIER.match(name)
        properties = {p.get("Name"): p for p in entity_type.findall(f"{EDM}Property")}
        assert len(properties) == len(entity_type.findall(f"{EDM}Property"))  # names unique
        for prop_name, prop in properties.items():
            assert prop_name and IDENTIFIER.match(prop_name)
            assert prop.get("Type") in PRIMITIVES
            assert prop.get("Nullable") in ("true", "false")
        key = [ref.get("Name") for ref in entity_type.findall(f"{EDM}Key/{EDM}PropertyRef")]
        assert key, f"{name} has no key"
        for part in key:
            assert properties[part].get("Nullable") == "false"  # a key property is never null
    (container,) = schema.findall(f"{EDM}EntityContainer")
    sets = {entity_set.get("Name"): entity_set for entity_set in container.findall(f"{EDM}EntitySet")}
    # Every registered feed is an entity set of its own type, with its columns as properties, in order.
    assert set(sets) == {feed.entity_set for feed in FEEDS.values()}
    for feed in FEEDS.values():
        entity_set = sets[feed.entity_set]
        assert entity_set.get("EntityType") == f"{namespace}.{feed.entity_type}"
        entity_type = types[feed.entity_type]
        declared = [(p.get("Name"), p.get("Type")) for p in entity_type.findall(f"{EDM}Property")]
        assert declared == [(column.name, EDM_TYPES[column.kind]) for column in feed.columns]
        assert [ref.get("Name") for ref in entity_type.findall(f"{EDM}Key/{EDM}PropertyRef")] == list(feed.key)
        terms = {a.get("Term"): a for a in entity_set.findall(f"{EDM}Annotation")}
        for term in terms:
            assert term.split(".", 1)[0] in aliases  # every term's vocabulary is referenced
        assert terms["Capabilities.TopSupported"].get("Bool") == "true"
        assert terms["Capabilities.SkipSupported"].get("Bool") == "true"

        def flag(term: str, prop: str, terms: dict[str, ET.Element] = terms) -> str | None:
            value = terms[term].find(f"{EDM}Record/{EDM}PropertyValue[@Property='{prop}']")
            assert value is not None, (term, prop)
            return value.get("Bool")

        assert flag("Capabilities.CountRestrictions", "Countable") == "true"
        assert flag("Capabilities.FilterRestrictions", "Filterable") == "true"
        assert flag("Capabilities.ExpandRestrictions", "Expandable") == "false"
        assert flag("Capabilities.InsertRestrictions", "Insertable") == "false"
        assert flag("Capabilities.UpdateRestrictions", "Updatable") == "false"
        assert flag("Capabilities.DeleteRestrictions", "Deletable") == "false"
    container_terms = {a.get("Term"): a for a in container.findall(f"{EDM}Annotation")}
    functions = [s.text for s in container_terms["Capabilities.FilterFunctions"].iter(f"{EDM}String")]
    assert set(functions) == {"contains", "startswith", "endswith"}
    assert container_terms["Capabilities.BatchSupported"].get("Bool") == "false"


async def test_each_entity_set_the_service_document_names_answers(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    h = auth()
    listed = (await client.get(ROOT, headers=h)).json()["value"]
    assert {entry["url"] for entry in listed} == {feed.entity_set for feed in FEEDS.values()}
    for entry in listed:
        r = await client.get(f"{ROOT}/{entry['url']}", params={"$top": "1"}, headers=h)
        assert r.status_code == 200, r.text
        assert r.json()["@odata.context"].endswith(f"$metadata#{entry['name']}")
