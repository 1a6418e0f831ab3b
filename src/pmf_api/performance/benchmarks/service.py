"""Use cases of benchmarking: comparator groups, metric mappings, and our position among a group.

Seed 003_2a403038ecab8362.txt (Appendix A, "Benchmarking") compares the council with its nearest
neighbours through LG Inform; seed 002_100bfcfd0ab8e4e8.txt benchmarks against similar councils.
Oflog closed in December 2024, so the comparators are the CIPFA nearest neighbours, geographical
neighbours and all district councils, each a list of ONS area codes.

Our figure is the one published for our own area code, on the same definition as everyone else's
(LG Inform publishes every council's, ours among them), so a position compares like with like. A
position is worked out per group, mapped metric and period where we and at least one council of the
group have a value (first of one compares with nobody).
A KPI judged within a band has no better direction, so it is not ranked (its mapping is refused).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_read
from pmf_api.domain.benchmarking import Better, Position, in_words, position
from pmf_api.domain.kpi import Polarity
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.performance.benchmarks.models import BenchmarkPosition, ComparatorGroup, MetricMapping
from pmf_api.performance.benchmarks.repository import (
    BenchmarkPositionRepository,
    BenchmarkValueRepository,
    ComparatorGroupRepository,
    MetricMappingRepository,
)
from pmf_api.performance.kpis.repository import ContextualMeasureRepository, KpiRepository
from pmf_api.platform.db.repository import Reader
from pmf_api.platform.errors import FieldProblem, refuse

# How a group's members are named in words: "2nd of 16 nearest neighbours, top quartile"
GROUP_WORDS = {
    "nearest_neighbours": "nearest neighbours",
    "geographical": "geographical neighbours",
    "all_districts": "district councils",
}


def group_words(group: ComparatorGroup) -> str:
    return GROUP_WORDS.get(group.kind, f"councils in {group.name}")


async def _check_group(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> None:
    codes = list(values.get("area_codes") or [])
    seen: set[str] = set()
    problems = []
    for index, code in enumerate(codes):
        if code in seen:
            problems.append(FieldProblem(f"area_codes.{index}", f"{code} is in the list twice"))
        seen.add(code)
    refuse(problems)


async def _check_mapping(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> None:
    kpi_id, measure_id = values.get("kpi_id"), values.get("measure_id")
    if (kpi_id is None) == (measure_id is None):
        refuse([FieldProblem("kpi_id", "Map the metric to one KPI (kpi_id) or one contextual measure (measure_id)")])
    if kpi_id is not None:
        kpi = await KpiRepository(session).get(actor, kpi_id, lock=False)
        if kpi.polarity == Polarity.WITHIN_BAND:
            refuse([FieldProblem("kpi_id", f"{kpi.code} is judged within a band: no direction is better to rank by")])


groups = records.EntitySpec(repository=ComparatorGroupRepository, resource=Resource.benchmark, check=_check_group)
mappings = records.EntitySpec(
    repository=MetricMappingRepository,
    resource=Resource.benchmark,
    references=(
        records.Reference("kpi_id", KpiRepository),
        records.Reference("measure_id", ContextualMeasureRepository),
    ),
    check=_check_mapping,
)


async def known_area_codes(session: AsyncSession, actor: Actor) -> tuple[str | None, frozenset[str]]:
    """Our own area code, and every area code a benchmark value may name: ours and those of our
    groups that are not archived."""
    organisation = await get_organisation(session, actor)
    codes = {
        code
        for group in await ComparatorGroupRepository(session).all_in_organisation(actor)
        if group.archived_at is None
        for code in group.area_codes
    }
    if organisation.area_code:
        codes.add(organisation.area_code)
    return organisation.area_code, frozenset(codes)


@dataclass(frozen=True)
class Comparator:
    area_code: str
    value: Decimal | None  # None: not published for this period
    ours: bool


@dataclass(frozen=True)
class PositionView:
    group: ComparatorGroup
    mapping: MetricMapping
    period: str
    period_end: date
    our_value: Decimal
    position: Position
    words: str
    comparators: tuple[Comparator, ...]

    @property
    def missing(self) -> int:
        return sum(1 for each in self.comparators if each.value is None)


@dataclass(frozen=True)
class PositionFilters:
    kpi_id: uuid.UUID | None = None
    measure_id: uuid.UUID | None = None
    group_id: uuid.UUID | None = None
    period: str | None = None
    metric_id: str | None = None
    kpis_only: bool = False  # mappings of KPIs only (status: no contextual measure is read)


NO_FILTERS = PositionFilters()


async def positions(session: AsyncSession, actor: Actor, filters: PositionFilters = NO_FILTERS) -> list[PositionView]:
    """Our positions among every group (not archived) for every mapped metric (not archived) and
    period we and a council of the group have a value for, narrowed by ``filters``."""
    require_read(actor)
    organisation = await get_organisation(session, actor)
    return await positions_of(session, actor, organisation.area_code, filters)


async def positions_of(
    session: AsyncSession, reader: Reader, ours_code: str | None, filters: PositionFilters = NO_FILTERS
) -> list[PositionView]:
    """:func:`positions` for a council whose area code is ``ours_code``, read as ``reader`` reads."""
    if ours_code is None:
        return []
    chosen = [
        m
        for m in await MetricMappingRepository(session).all_in_organisation(reader)
        if m.archived_at is None
        and (filters.kpi_id is None or m.kpi_id == filters.kpi_id)
        and (filters.measure_id is None or m.measure_id == filters.measure_id)
        and (filters.metric_id is None or m.metric_id == filters.metric_id)
        and (not filters.kpis_only or m.kpi_id is not None)
    ]
    group_list = [
        g
        for g in await ComparatorGroupRepository(session).all_in_organisation(reader)
        if g.archived_at is None and (filters.group_id is None or g.id == filters.group_id)
    ]
    if not chosen or not group_list:
        return []
    better = await _betters(session, reader, chosen)
    # metric -> period -> area code -> value
    table: dict[str, dict[str, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    ends: dict[str, date] = {}
    for value in await BenchmarkValueRepository(session).of_metrics(reader, [m.metric_id for m in chosen]):
        if filters.period is None or value.period == filters.period:
            table[value.metric_id][value.period][value.area_code] = value.value
            ends[value.period] = value.period_end
    found: list[PositionView] = []
    for group in group_list:
        members = [code for code in group.area_codes if code != ours_code]
        for mapping in chosen:
            direction = better.get(mapping.id)
            if direction is None:
                continue
            for period, by_area in sorted(table[mapping.metric_id].items(), key=lambda item: (ends[item[0]], item[0])):
                ours = by_area.get(ours_code)
                if ours is None:
                    continue
                others = [by_area[code] for code in members if code in by_area]
                if not others:
                    continue
                where = position(ours, others, direction)
                comparators = (
                    Comparator(ours_code, ours, True),
                    *(Comparator(code, by_area.get(code), False) for code in members),
                )
                found.append(
                    PositionView(
                        group,
                        mapping,
                        period,
                        ends[period],
                        ours,
                        where,
                        in_words(where, group_words(group)),
                        comparators,
                    )
                )
    return found


async def _betters(session: AsyncSession, reader: Reader, chosen: Sequence[MetricMapping]) -> dict[uuid.UUID, Better]:
    """Which way is better for each mapping, from its KPI's polarity or its measure's preferred
    direction; a KPI within a band is left out (no way is better)."""
    kpis = {k.id: k for k in await KpiRepository(session).all_in_organisation(reader)}
    measures = (
        {m.id: m for m in await ContextualMeasureRepository(session).all_in_organisation(reader)}
        if any(mapping.measure_id is not None for mapping in chosen)
        else {}
    )
    found: dict[uuid.UUID, Better] = {}
    for mapping in chosen:
        if mapping.kpi_id is not None and mapping.kpi_id in kpis:
            polarity = kpis[mapping.kpi_id].polarity
        elif mapping.measure_id is not None and mapping.measure_id in measures:
            polarity = measures[mapping.measure_id].preferred_direction
        else:
            continue
        if polarity == Polarity.HIGHER_IS_BETTER:
            found[mapping.id] = Better.HIGHER
        elif polarity == Polarity.LOWER_IS_BETTER:
            found[mapping.id] = Better.LOWER
    return found


async def kpi_positions(
    session: AsyncSession, actor: Actor, kpi_id: uuid.UUID, *, period: str | None, group_id: uuid.UUID | None
) -> list[PositionView]:
    """A KPI's positions (404 for a KPI the actor may not read)."""
    await KpiRepository(session).get(actor, kpi_id, lock=False)
    if group_id is not None:
        await ComparatorGroupRepository(session).get(actor, group_id, lock=False)
    return await positions(session, actor, PositionFilters(kpi_id=kpi_id, period=period, group_id=group_id))


def headline(views: Sequence[PositionView]) -> PositionView | None:
    """The position status and the reports show for a KPI: its latest period's, among its nearest
    neighbours if it has any, else the first group by name."""
    if not views:
        return None
    return max(views, key=lambda v: (v.period_end, v.group.kind == "nearest_neighbours", _reverse(v.group.name)))


def _reverse(name: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in name)


@dataclass(frozen=True)
class Headline:
    """A KPI's headline position in plain values (status keeps it with the KPI's status)."""

    group_id: uuid.UUID
    group_name: str
    group_kind: str
    metric_id: str
    period: str
    our_value: Decimal
    rank: int
    compared: int
    quartile: int
    median: Decimal
    best_quartile: Decimal
    distance_to_best_quartile: Decimal
    in_words: str


def headline_of(view: PositionView) -> Headline:
    where = view.position
    return Headline(
        group_id=view.group.id,
        group_name=view.group.name,
        group_kind=view.group.kind,
        metric_id=view.mapping.metric_id,
        period=view.period,
        our_value=view.our_value,
        rank=where.rank,
        compared=where.of,
        quartile=where.quartile,
        median=where.median,
        best_quartile=where.best_quartile,
        distance_to_best_quartile=where.distance_to_best_quartile,
        in_words=view.words,
    )


async def kpi_headlines(
    session: AsyncSession, reader: Reader, ours_code: str | None, kpi_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Headline]:
    """Each of these KPIs' headline position (:func:`headline`), for those that have one."""
    if ours_code is None or not kpi_ids:
        return {}
    by_kpi: dict[uuid.UUID, list[PositionView]] = defaultdict(list)
    for view in await positions_of(session, reader, ours_code, PositionFilters(kpis_only=True)):
        if view.mapping.kpi_id is not None and view.mapping.kpi_id in kpi_ids:
            by_kpi[view.mapping.kpi_id].append(view)
    found: dict[uuid.UUID, Headline] = {}
    for kpi_id, views in by_kpi.items():
        best = headline(views)
        if best is not None:
            found[kpi_id] = headline_of(best)
    return found


# --- Kept positions, for the feeds ------------------------------------------------------------

_KEPT = (
    "kpi_id",
    "measure_id",
    "period_end",
    "our_value",
    "rank",
    "compared",
    "quartile",
    "median",
    "best_quartile",
    "distance_to_best_quartile",
    "in_words",
)


async def keep_positions(session: AsyncSession, actor: Actor, as_of: date) -> None:
    """Bring the kept positions of the actor's council up to date: a row is added, changed or
    removed only where its figures did, so a feed's ``updated_since`` sees only what moved. Kept
    positions are derived figures, not records anyone writes: they are not audited."""
    views = await positions(session, actor)
    wanted: dict[tuple[uuid.UUID, str, str], dict[str, Any]] = {
        (v.group.id, v.mapping.metric_id, v.period): {
            "kpi_id": v.mapping.kpi_id,
            "measure_id": v.mapping.measure_id,
            "period_end": v.period_end,
            "our_value": v.our_value,
            "rank": v.position.rank,
            "compared": v.position.of,
            "quartile": v.position.quartile,
            "median": v.position.median,
            "best_quartile": v.position.best_quartile,
            "distance_to_best_quartile": v.position.distance_to_best_quartile,
            "in_words": v.words,
        }
        for v in views
    }
    kept = {
        (p.group_id, p.metric_id, p.period): p
        for p in await BenchmarkPositionRepository(session).all_in_organisation(actor)
    }
    for key, gone in kept.items():
        if key not in wanted:
            await session.delete(gone)
    for key, figures in wanted.items():
        row = kept.get(key)
        if row is None:
            group_id, metric_id, period = key
            session.add(
                BenchmarkPosition(
                    organisation_id=actor.organisation_id,
                    group_id=group_id,
                    metric_id=metric_id,
                    period=period,
                    **figures,
                )
            )
        elif any(getattr(row, name) != figures[name] for name in _KEPT):
            for name in _KEPT:
                setattr(row, name, figures[name])
    await session.flush()
