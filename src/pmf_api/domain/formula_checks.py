"""Checks of a calculated KPI's formula against the organisation's KPIs: units, divisions by an input
that can be zero, references to itself, unknown KPIs or other frequencies, and cycles (issue 11, section 3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pmf_api.domain.formula import (
    Binary,
    Call,
    FormulaError,
    Negate,
    Node,
    Number,
    Reference,
    ZeroDivisor,
    parse,
    references,
)
from pmf_api.domain.kpi import Unit
from pmf_api.domain.periods import Frequency

# What a formula's value is measured in: a KPI unit, "scalar" (a bare number, which takes the unit of
# what it meets), or "ratio" (like over like: a proportion, shown as a percentage or ratio).
SCALAR = "scalar"
RATIO = "ratio"
DIMENSIONLESS_UNITS = frozenset({Unit.PERCENTAGE, Unit.RATIO})
# A KPI in these units may hold any computed figure: they say nothing of what is counted.
ANY_UNITS = frozenset({Unit.NUMBER, Unit.SCORE, Unit.RATE})


def unit_of(node: Node, units: Mapping[str, Unit]) -> str:
    """The unit the formula's value is in, or FormulaError where units are mixed: adding a
    percentage to a count, or multiplying two measured quantities, means nothing to a reader."""
    if isinstance(node, Number):
        return SCALAR
    if isinstance(node, Reference):
        unit = units[node.code]
        return RATIO if unit in DIMENSIONLESS_UNITS else unit.value
    if isinstance(node, Negate):
        return unit_of(node.operand, units)
    if isinstance(node, Call):
        found = [unit_of(a, units) for a in node.arguments]
        return _same_unit(found, node.position, f"{node.function}() of")
    left, right = unit_of(node.left, units), unit_of(node.right, units)
    if node.operator in "+-":
        return _same_unit([left, right], node.position, "'" + node.operator + "' between")
    if node.operator == "*":
        if SCALAR in (left, right):
            return right if left == SCALAR else left
        if RATIO in (left, right):
            return right if left == RATIO else left
        raise FormulaError(f"Multiplying {left} by {right} gives no unit a KPI is measured in", node.position)
    # Division: like over like is a ratio; anything over a bare number keeps its unit; a quantity over
    # another quantity (a count per day) is a rate.
    if right == SCALAR or (right == RATIO and left != RATIO):
        return left
    if left == right:
        return RATIO
    return Unit.RATE.value


def _same_unit(found: Sequence[str], position: int, what: str) -> str:
    measured = list(dict.fromkeys(u for u in found if u != SCALAR))
    if len(measured) > 1:
        raise FormulaError(f"{what} {' and '.join(measured)}: the units differ", position)
    return measured[0] if measured else SCALAR


def fits_unit(formula_unit: str, kpi_unit: Unit) -> bool:
    """Whether a KPI measured in ``kpi_unit`` can hold the formula's value."""
    if formula_unit == SCALAR or kpi_unit in ANY_UNITS:
        return True
    if kpi_unit in DIMENSIONLESS_UNITS:
        return formula_unit == RATIO
    return formula_unit == kpi_unit.value


def unguarded_divisions(node: Node) -> list[int]:
    """Positions of the divisions whose divisor depends on a KPI's value (so can be zero)."""
    found: list[int] = []
    _divisions(node, found)
    return found


def _divisions(node: Node, found: list[int]) -> None:
    if isinstance(node, Negate):
        _divisions(node.operand, found)
    elif isinstance(node, Call):
        for argument in node.arguments:
            _divisions(argument, found)
    elif isinstance(node, Binary):
        _divisions(node.left, found)
        _divisions(node.right, found)
        if node.operator == "/" and (references(node.right) or _is_zero(node.right)):
            found.append(node.position)


def _is_zero(node: Node) -> bool:
    return isinstance(node, Number) and node.value == 0


@dataclass(frozen=True)
class InputKpi:
    """What a formula needs to know of a KPI it refers to."""

    code: str
    unit: Unit
    frequency: Frequency = Frequency.MONTHLY
    formula: Node | None = None  # when the input is itself calculated


def check_formula(
    text: str,
    *,
    code: str,
    unit: Unit,
    frequency: Frequency = Frequency.MONTHLY,
    kpis: Mapping[str, InputKpi],
    on_zero_divisor: ZeroDivisor | None,
) -> Node:
    """The parsed formula of KPI ``code`` (measured in ``unit``), if every rule holds: it refers only
    to ``kpis`` (the organisation's KPIs by code), never to itself or through others back to itself,
    its units agree with each other and with the KPI's, and a division by an input says what happens
    when that input is zero. Otherwise FormulaError, at the position at fault."""
    node = parse(text)
    for reference in _references_with_positions(node):
        if reference.code == code:
            raise FormulaError(f"{code} cannot be calculated from itself", reference.position)
        if reference.code not in kpis:
            raise FormulaError(f"No KPI with code {reference.code} in this organisation", reference.position)
        if kpis[reference.code].frequency is not frequency:
            raise FormulaError(
                f"{reference.code} is reported {kpis[reference.code].frequency.value} but {code} "
                f"{frequency.value}: a formula uses values of the same period",
                reference.position,
            )
    graph = {c: references(k.formula) for c, k in kpis.items() if k.formula is not None and c != code}
    graph[code] = references(node)
    cycle = find_cycle(graph, code)
    if cycle is not None:
        first = next(r for r in _references_with_positions(node) if r.code == cycle[1])
        raise FormulaError(f"The formula refers back to itself: {' -> '.join(cycle)}", first.position)
    formula_unit = unit_of(node, {c: k.unit for c, k in kpis.items()})
    if not fits_unit(formula_unit, unit):
        shown = "a ratio of like quantities" if formula_unit == RATIO else formula_unit
        raise FormulaError(f"The formula gives {shown}, but {code} is measured in {unit.value}", 0)
    divisions = unguarded_divisions(node)
    if divisions and on_zero_divisor is None:
        raise FormulaError(
            "This divides by an input that can be zero: say what happens then (on_zero_divisor: missing or zero)",
            divisions[0],
        )
    return node


def _references_with_positions(node: Node) -> list[Reference]:
    if isinstance(node, Reference):
        return [node]
    if isinstance(node, Negate):
        return _references_with_positions(node.operand)
    if isinstance(node, Binary):
        return _references_with_positions(node.left) + _references_with_positions(node.right)
    if isinstance(node, Call):
        return [r for a in node.arguments for r in _references_with_positions(a)]
    return []


def find_cycle(graph: Mapping[str, Sequence[str]], start: str) -> list[str] | None:
    """A path from ``start`` back to ``start`` through ``graph`` (KPI -> the KPIs its formula uses),
    e.g. ``["A", "B", "A"]``, or None."""
    seen: set[str] = set()

    def walk(code: str, path: list[str]) -> list[str] | None:
        for used in graph.get(code, ()):
            if used == start:
                return [*path, used]
            if used not in seen:
                seen.add(used)
                found = walk(used, [*path, used])
                if found is not None:
                    return found
        return None

    return walk(start, [start])
