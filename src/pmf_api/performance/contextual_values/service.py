"""Use cases for contextual measures' values: record one, list a measure's values with their
direction of travel, show an outcome's measures with their latest values (seed 000_a1d4643dc9bd64fe.txt,
seed 001_ec6bae7b38cacc6f.txt: contextual outcome measures are "presented against our preferred
direction of travel", with no target and no RAG).

A duplicate period is refused here (409): a value is recorded once; a revised figure replaces it
through the import (``importing``), which says so row by row and audits the change.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_read, require_write
from pmf_api.domain import DomainError, Frequency, Period
from pmf_api.domain.contextual import comparison_periods, contextual_direction, value_problems
from pmf_api.domain.direction import DirectionOfTravel
from pmf_api.domain.kpi import Polarity
from pmf_api.framework.organisations.service import get_organisation
from pmf_api.framework.plans.repository import OutcomeRepository
from pmf_api.performance.contextual_values.models import ContextualValue
from pmf_api.performance.contextual_values.repository import ContextualValueRepository
from pmf_api.performance.kpis.repository import ContextualMeasureRepository
from pmf_api.platform import audit, events
from pmf_api.platform.errors import Conflict, field_problems, invalid, refuse

if TYPE_CHECKING:
    from pmf_api.performance.kpis.models import ContextualMeasure


@dataclass(frozen=True)
class ValueView:
    """A value and its direction of travel against the measure's preferred direction."""

    value: ContextualValue
    direction: DirectionOfTravel


@dataclass(frozen=True)
class MeasureView:
    measure: ContextualMeasure
    latest: ValueView | None


def checked_period(text: str, measure: ContextualMeasure, published_on: date, as_of: date, start_month: int) -> Period:
    """The value's period, refused (422, at the field) unless it is one of the measure's frequency
    that has ended and the publication date has come."""
    try:
        period = Period.parse(text)
    except DomainError as exc:
        raise invalid("period", exc.message) from None
    frequency = Frequency(measure.frequency)
    refuse(
        field_problems(value_problems(period, published_on, frequency=frequency, as_of=as_of, start_month=start_month))
    )
    return period


async def add_value(
    session: AsyncSession, actor: Actor, measure_id: uuid.UUID, data: Mapping[str, Any], *, as_of: date
) -> ValueView:
    """Record a published value (the performance team); a period that has a value already is 409."""
    measure = await ContextualMeasureRepository(session).get(actor, measure_id)
    require_write(actor, Resource.contextual_measure)
    organisation = await get_organisation(session, actor)
    period = checked_period(
        data["period"], measure, data["published_on"], as_of, organisation.financial_year_start_month
    )
    values = ContextualValueRepository(session)
    if await values.for_period(actor, measure.id, str(period)) is not None:
        raise Conflict(
            detail=f"{measure.code} has a value for {period} already: import the revised figure to replace it "
            "(POST /contextual-values/import)"
        )
    entity = new_value(actor, measure, period, data, organisation.financial_year_start_month)
    await audit.create(session, actor, entity)
    await session.flush()
    history = await values.of_measures(actor, [measure.id])
    view = view_of(entity, measure, history)
    await announce(session, measure, view)
    return view


async def announce(session: AsyncSession, measure: ContextualMeasure, view: ValueView) -> None:
    """Tell webhook subscribers of a value recorded or revised, in the write's transaction."""
    value = view.value
    await events.emit(
        session,
        organisation_id=value.organisation_id,
        event_type="contextual_value.published",
        subject={"measure_id": measure.id, "period": value.period},
        data={
            "measure_code": measure.code,
            "value": value.value,
            "source": value.source,
            "published_on": value.published_on,
            "direction": {
                "against_previous": view.direction.against_previous.value,
                "against_last_year": view.direction.against_last_year.value,
            },
        },
    )


def new_value(
    actor: Actor, measure: ContextualMeasure, period: Period, data: Mapping[str, Any], start_month: int
) -> ContextualValue:
    return ContextualValue(
        organisation_id=actor.organisation_id,
        measure_id=measure.id,
        period=str(period),
        period_end=period.end_date(start_month),
        value=data["value"],
        source=data["source"],
        published_on=data["published_on"],
        note=data.get("note"),
    )


async def list_values(session: AsyncSession, actor: Actor, measure_id: uuid.UUID) -> list[ValueView]:
    """A measure's values, oldest period first, each with its direction of travel."""
    require_read(actor)
    measure = await ContextualMeasureRepository(session).get(actor, measure_id)
    history = await ContextualValueRepository(session).of_measures(actor, [measure.id])
    return [view_of(value, measure, history) for value in history]


async def outcome_measures(session: AsyncSession, actor: Actor, outcome_id: uuid.UUID) -> list[MeasureView]:
    """An outcome's contextual measures, each with its latest value and that value's direction."""
    require_read(actor)
    await OutcomeRepository(session).get(actor, outcome_id)
    measures = await ContextualMeasureRepository(session).of_outcome(actor, outcome_id)
    values = await ContextualValueRepository(session).of_measures(actor, (m.id for m in measures))
    by_measure: dict[uuid.UUID, list[ContextualValue]] = defaultdict(list)
    for value in values:
        by_measure[value.measure_id].append(value)
    views = []
    for measure in measures:
        history = by_measure.get(measure.id, [])
        views.append(MeasureView(measure, view_of(history[-1], measure, history) if history else None))
    return views


def view_of(value: ContextualValue, measure: ContextualMeasure, history: Sequence[ContextualValue]) -> ValueView:
    by_period: dict[str, Decimal] = {v.period: v.value for v in history}
    compared = comparison_periods(Period.parse(value.period))
    previous = by_period.get(str(compared.previous)) if compared.previous else None
    last_year = by_period.get(str(compared.last_year)) if compared.last_year else None
    direction = contextual_direction(
        value.value,
        previous,
        last_year,
        preferred=Polarity(measure.preferred_direction),
        decimal_places=measure.decimal_places,
    )
    return ValueView(value, direction)
