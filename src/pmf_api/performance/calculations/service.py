"""Use cases of calculated KPIs: set a KPI's formula (checked by ``domain.formula``) and read it.

A formula refers to KPIs of the same organisation by code; it is refused (422 at ``#/formula``, with
the position) when it refers to itself or, through others, back to itself, to a KPI that is not there
(another council's KPIs are not there), to a KPI reported at another frequency, mixes units, or divides
by an input without saying what happens when it is zero. Setting it computes the KPI's values for
every period its inputs have values for, in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_write
from pmf_api.domain.formula import FormulaError, MissingInput, ZeroDivisor, parse, references, render
from pmf_api.domain.formula_checks import InputKpi, check_formula
from pmf_api.domain.kpi import Aggregation, Unit
from pmf_api.domain.periods import Frequency
from pmf_api.performance.kpis import service as kpi_service
from pmf_api.performance.kpis.repository import KpiRepository
from pmf_api.performance.submissions import calculated
from pmf_api.platform import audit
from pmf_api.platform.errors import Conflict, invalid

if TYPE_CHECKING:
    from pmf_api.performance.kpis.models import Kpi


@dataclass(frozen=True)
class FormulaView:
    kpi: Kpi
    inputs: list[tuple[uuid.UUID, str]]
    periods_recomputed: int = 0


async def get_formula(session: AsyncSession, actor: Actor, kpi_id: uuid.UUID) -> FormulaView:
    kpi = await kpi_service.load_kpi(session, actor, kpi_id, lock=False)
    return FormulaView(kpi, await _inputs(session, actor, kpi))


async def _inputs(session: AsyncSession, actor: Actor, kpi: Kpi) -> list[tuple[uuid.UUID, str]]:
    ids = [uuid.UUID(i) for i in kpi.formula_inputs or []]
    found = {k.id: k.code for k in await KpiRepository(session).of_ids(actor, ids)}
    return [(i, found[i]) for i in ids if i in found]


async def set_formula(
    session: AsyncSession, actor: Actor, kpi_id: uuid.UUID, data: dict[str, Any], expected_version: int | None
) -> FormulaView:
    """Make the KPI calculated by ``data["formula"]`` (or change its formula), and compute its values."""
    kpi = await kpi_service.load_kpi(session, actor, kpi_id)
    require_write(actor, Resource.kpi, await KpiRepository(session).placement(kpi.id))
    if Aggregation(kpi.aggregation) is Aggregation.RATIO:
        raise invalid(
            "formula",
            f"{kpi.code} adds up its year as a ratio of numerators and denominators, which a formula does not "
            "give: a calculated KPI's aggregation is sum, average or latest",
        )
    everyone = await KpiRepository(session).all_in_organisation(actor)
    known = {
        k.code: InputKpi(k.code, Unit(k.unit), Frequency(k.frequency), parse(k.formula) if k.formula else None)
        for k in everyone
    }
    on_zero = data.get("on_zero_divisor")
    try:
        node = check_formula(
            data["formula"],
            code=kpi.code,
            unit=Unit(kpi.unit),
            frequency=Frequency(kpi.frequency),
            kpis=known,
            on_zero_divisor=None if on_zero is None else ZeroDivisor(on_zero),
        )
    except FormulaError as exc:
        raise invalid("formula", exc.message) from None
    if kpi.formula is None and kpi.first_value_at is not None:
        raise Conflict(
            detail=f"{kpi.code} already has values entered by hand: a calculated KPI's values are all computed, "
            "so make a new KPI for the calculation"
        )
    by_code = {k.code: k.id for k in everyone}
    formula = render(node)
    changes: dict[str, Any] = {
        "formula": formula,
        "formula_inputs": [str(by_code[code]) for code in references(node)],
        "on_missing_input": MissingInput(data.get("on_missing_input") or MissingInput.MISSING).value,
        "on_zero_divisor": None if on_zero is None else ZeroDivisor(on_zero).value,
    }
    await audit.update(session, actor, kpi, changes, expected_version, action="set_formula", note=formula)
    changed = await calculated.recompute_all(session, actor, kpi)
    return FormulaView(kpi, await _inputs(session, actor, kpi), changed)
