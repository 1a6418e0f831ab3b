"""Use cases of benchmarking, called with a session and an actor (no HTTP): positions across
groups and mappings (seed 003_2a403038ecab8362.txt), the headline status and the reports show, the
kept positions the feed serves (changed only when their figures move), and both feeds read through
their statements and read rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.domain.workflow import Role
from pmf_api.framework.organisations.models import Organisation
from pmf_api.performance.benchmarks import importing
from pmf_api.performance.benchmarks import service as benchmarks
from pmf_api.performance.bulk.parsing import UploadRow
from pmf_api.platform.errors import InvalidInput, PermissionDenied
from pmf_api.publishing.feeds.catalogue import FEEDS
from tests.service.builders import Council, actor, council, kpi

TODAY = date(2026, 11, 30)
OURS = "E07000011"
NEAREST = ["E07000020", "E07000021", "E07000022"]
GEOGRAPHICAL = ["E07000021", "E07000030"]


async def benchmarked(session: AsyncSession, place: Council, **kpi_fields: Any) -> dict[str, Any]:
    organisation = await session.get(Organisation, place.organisation_id)
    assert organisation is not None
    organisation.area_code = OURS
    await session.flush()
    nearest = await records.create(
        session,
        place.team,
        benchmarks.groups,
        {"name": "CIPFA nearest neighbours", "kind": "nearest_neighbours", "area_codes": NEAREST},
    )
    near = await records.create(
        session,
        place.team,
        benchmarks.groups,
        {"name": "Geographical neighbours", "kind": "geographical", "area_codes": GEOGRAPHICAL},
    )
    measured = await kpi(session, place, **kpi_fields)
    await records.create(
        session, place.team, benchmarks.mappings, {"metric_id": "2150", "source": "LG Inform", "kpi_id": measured.id}
    )
    return {"nearest": nearest, "near": near, "kpi": measured}


def rows(*values: tuple[str, str, str, Any]) -> list[UploadRow]:
    return [
        UploadRow(i, {"metric_id": m, "area_code": a, "period": p, "value": v}) for i, (m, a, p, v) in enumerate(values)
    ]


async def test_positions_per_group_and_period_with_the_headline(session: AsyncSession) -> None:
    place = await council(session)
    made = await benchmarked(session, place)
    body, refusal = await importing.import_values(
        session,
        place.team,
        rows(
            ("2150", OURS, "2023/24", "50"),
            ("2150", "E07000020", "2023/24", "60"),
            ("2150", OURS, "2024/25", "55"),
            ("2150", "e07000020", "2024/25", "40"),  # an area code in any case
            ("2150", "E07000021", "2024/25", "70"),
            ("2150", "E07000030", "2024/25", "45"),
        ),
        dry_run=False,
        atomic=False,
    )
    assert refusal is None and body["summary"]["created"] == 6
    views = await benchmarks.positions(session, actor(place.organisation_id, Role.VIEWER))
    found = {(v.group.name, v.period): (v.position.rank, v.position.of, v.missing, v.words) for v in views}
    assert found == {
        ("CIPFA nearest neighbours", "2023/24"): (2, 2, 2, "2nd of 2 nearest neighbours, bottom quartile"),
        ("CIPFA nearest neighbours", "2024/25"): (2, 3, 1, "2nd of 3 nearest neighbours, second quartile"),
        ("Geographical neighbours", "2024/25"): (2, 3, 0, "2nd of 3 geographical neighbours, second quartile"),
    }
    latest = benchmarks.headline(
        await benchmarks.kpi_positions(session, place.team, made["kpi"].id, period=None, group_id=None)
    )
    assert latest is not None
    assert (latest.group.name, latest.period) == ("CIPFA nearest neighbours", "2024/25")
    only = await benchmarks.positions(session, place.team, benchmarks.PositionFilters(group_id=made["near"].id))
    assert [(v.group.name, v.period) for v in only] == [("Geographical neighbours", "2024/25")]
    assert benchmarks.headline([]) is None


async def test_no_area_code_no_positions_and_who_may_write(session: AsyncSession) -> None:
    place = await council(session)
    assert await benchmarks.positions(session, place.team) == []
    manager = actor(place.organisation_id, Role.SERVICE_MANAGER)
    with pytest.raises(PermissionDenied):
        await records.create(
            session, manager, benchmarks.groups, {"name": "Mine", "kind": "custom", "area_codes": [OURS]}
        )
    with pytest.raises(PermissionDenied):
        await importing.import_values(session, manager, [], dry_run=False, atomic=False)
    banded = await kpi(session, place, polarity="within_band")
    with pytest.raises(InvalidInput) as refused:
        await records.create(
            session, place.team, benchmarks.mappings, {"metric_id": "9", "source": "LG Inform", "kpi_id": banded.id}
        )
    assert refused.value.problems[0].field == "kpi_id"


async def test_kept_positions_move_only_with_their_figures_and_both_feeds_read_them(session: AsyncSession) -> None:
    place = await council(session)
    await benchmarked(session, place)
    await importing.import_values(
        session,
        place.team,
        rows(("2150", OURS, "2024/25", "55"), ("2150", "E07000020", "2024/25", "40")),
        dry_run=False,
        atomic=False,
    )
    viewer = actor(place.organisation_id, Role.VIEWER)
    positions_feed, values_feed = FEEDS["benchmark-positions"], FEEDS["benchmark-values"]
    assert positions_feed.prepare is not None
    await positions_feed.prepare(session, viewer, TODAY)

    async def read(feed_name: str) -> list[dict[str, Any]]:
        feed = FEEDS[feed_name]
        result = await session.execute(feed.statement(), dict(feed.params(viewer)))
        names = [column.name for column in feed.columns]
        return [dict(zip(names, row, strict=True)) for row in result]

    [kept] = await read("benchmark-positions")
    assert (kept["group_name"], kept["rank"], kept["compared"], kept["quartile"]) == (
        "CIPFA nearest neighbours",
        1,
        2,
        1,
    )
    assert kept["in_words"] == "1st of 2 nearest neighbours, top quartile"
    first_change = kept["updated_at"]
    await positions_feed.prepare(session, viewer, TODAY)  # nothing moved: the row is left as it was
    [again] = await read("benchmark-positions")
    assert again["updated_at"] == first_change

    await importing.import_values(
        session, place.team, rows(("2150", "E07000021", "2024/25", "90")), dry_run=False, atomic=False
    )
    await positions_feed.prepare(session, viewer, TODAY)
    kept_now = {row["group_name"]: row for row in await read("benchmark-positions")}
    moved = kept_now["CIPFA nearest neighbours"]
    assert (moved["rank"], moved["compared"], moved["median"]) == (2, 3, Decimal(55))
    assert kept_now["Geographical neighbours"]["in_words"] == "2nd of 2 geographical neighbours, bottom quartile"

    values = await read("benchmark-values")
    assert sorted((v["area_code"], v["value"]) for v in values) == [
        ("E07000011", Decimal(55)),
        ("E07000020", Decimal(40)),
        ("E07000021", Decimal(90)),
    ]
    assert all(v["kpi_id"] is not None for v in values)
    assert values_feed.period_end == "period_end"

    # another council reads none of it
    other = await council(session, "SOUTHMERE")
    stranger = actor(other.organisation_id, Role.VIEWER)
    result = await session.execute(values_feed.statement(), dict(values_feed.params(stranger)))
    assert result.all() == []
