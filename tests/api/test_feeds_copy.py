"""On PostgreSQL a feed's CSV comes from COPY (``publishing.feeds.copying``); on SQLite from Python
(``writing.csv_page``). Both must give the same cells, every one of them: same rows, same numbers,
same apostrophes before formulas, same times."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api.access.actor import Actor, Grant
from pmf_api.domain.workflow import Role
from pmf_api.performance.kpis.models import Kpi
from pmf_api.publishing.feeds import copying, reading, writing
from pmf_api.publishing.feeds.catalogue import FEEDS
from tests.api.builders import kpi_body, post, structure
from tests.api.conftest import Org, TokenFactory
from tests.api.test_status import YEAR, _one_person_team, _recycling, _validated  # noqa: F401
from tests.conftest import Backend


def _cells(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode())))


async def test_copy_gives_the_cells_python_gives(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    backend: Backend,
    org: Org,
    connection_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    if backend.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's: SQLite's CSV is the Python path itself")
    h = auth(also=(Role.DIRECTOR,))
    s = await structure(client, h)
    kpi = await _recycling(client, h, s)
    note = {"numerator": 265, "denominator": 400, "commentary": '-5 on last year, "noted"\nok'}
    await _validated(client, h, kpi["id"], f"{YEAR} P4", note)
    for title in ("=1+1", "+44 7700", "-minus", "@at", "plain, with a comma"):  # (the API strips a leading tab)
        await post(client, "/api/v1/kpis", kpi_body(s, title=title, unit="number", aggregation="sum"), h)
    async with connection_sessionmaker() as session:  # what an import may have stored: a title after a tab
        await session.execute(update(Kpi).where(Kpi.title == "plain, with a comma").values(title="\tTab\r"))
        await session.commit()
    assert (await client.get("/api/v1/feeds/kpi-values?format=csv", headers=h)).status_code == 200  # prepared

    feed = FEEDS["kpi-values"]
    actor = Actor(org.id, "tester@example.gov.uk", "Test", (Grant(Role.PERFORMANCE),))
    for limit, cursor in ((100_000, None), (7, None), (7, "second")):
        async with connection_sessionmaker() as session:
            query = reading.FeedQuery(limit=limit)
            if cursor is not None:
                first = await reading.read_page(session, feed, actor, query)
                assert first.next_cursor is not None
                query = reading.FeedQuery(limit=limit, after=reading.read_cursor(feed, first.next_cursor))
            page = await reading.read_page(session, feed, actor, query)
            copied, copied_cursor = await copying.copy_page(session, feed, actor, query)
        assert _cells(copied) == _cells(writing.csv_page(feed, page.rows)), (limit, cursor)
        assert copied_cursor == page.next_cursor
    whole = _cells(copied)
    assert len(whole) == 8  # the header and 7 rows
    async with connection_sessionmaker() as session:
        copied, _ = await copying.copy_page(session, feed, actor, reading.FeedQuery())
    titles = {row[2] for row in _cells(copied)[1:]}
    assert {"'=1+1", "'+44 7700", "'-minus", "'@at", "'\tTab\r"} <= titles
    assert any(row[0] == kpi["id"] and '"noted"\nok' in "".join(row) for row in _cells(copied))
