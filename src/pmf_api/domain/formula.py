"""Calculated KPIs: a formula over other KPIs' values for the same period (issue 11, section 3).

Seed 001_ec6bae7b38cacc6f.txt (Appendix B.2) asks "how the data is collected and how the result is
calculated"; some KPIs are calculated from others (a total over services, a rate of two counts). A
formula is parsed here by its own tokenizer and recursive-descent parser (never ``eval``), printed
back in one canonical form, checked for units and for divisions by an input that can be zero, and
evaluated on Decimals.

Grammar (whitespace is ignored)::

    expression := term (("+" | "-") term)*
    term       := factor (("*" | "/") factor)*
    factor     := "-" factor | number | reference | call | "(" expression ")"
    reference  := "{" KPI code "}"             e.g. {HS-01}
    call       := ("sum" | "avg" | "min" | "max") "(" expression ("," expression)* ")"

A weighted average is written out: ``({A} * 2 + {B} * 3) / 5``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from pmf_api.domain.errors import DomainError
from pmf_api.domain.kpi import Unit
from pmf_api.domain.periods import Frequency
from pmf_api.domain.workflow import SubmissionState

MAX_FORMULA_LENGTH = 1000
MAX_DEPTH = 50
FUNCTIONS = ("sum", "avg", "min", "max")
CODE_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./ ")


class FormulaError(DomainError):
    """A formula that cannot be used; ``position`` is the 0-based character it went wrong at."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at position {position})", field="formula")
        self.position = position


class MissingInput(StrEnum):
    """What a calculated KPI does when an input has no value for the period."""

    MISSING = "missing"  # the calculated value is missing too
    ZERO = "zero"  # the input counts as 0
    SKIP = "skip"  # the input is left out of sum/avg/min/max; elsewhere the value is missing


class ZeroDivisor(StrEnum):
    """What a calculated KPI does when it would divide by zero."""

    MISSING = "missing"  # the calculated value is missing
    ZERO = "zero"  # the calculated value is 0


# --- the tree ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    value: Decimal
    position: int = 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Number) and self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)


@dataclass(frozen=True)
class Reference:
    code: str
    position: int = 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reference) and self.code == other.code

    def __hash__(self) -> int:
        return hash(self.code)


@dataclass(frozen=True)
class Negate:
    operand: Node
    position: int = 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Negate) and self.operand == other.operand

    def __hash__(self) -> int:
        return hash(("-", self.operand))


@dataclass(frozen=True)
class Binary:
    operator: str
    left: Node
    right: Node
    position: int = 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Binary) and (self.operator, self.left, self.right) == (
            other.operator,
            other.left,
            other.right,
        )

    def __hash__(self) -> int:
        return hash((self.operator, self.left, self.right))


@dataclass(frozen=True)
class Call:
    function: str
    arguments: tuple[Node, ...]
    position: int = 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Call) and (self.function, self.arguments) == (other.function, other.arguments)

    def __hash__(self) -> int:
        return hash((self.function, self.arguments))


Node = Number | Reference | Negate | Binary | Call


# --- tokens -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # number, reference, name, operator, "(", ")", ",", end
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    """The formula's tokens, ending with an ``end`` token."""
    if len(text) > MAX_FORMULA_LENGTH:
        raise FormulaError(f"A formula is at most {MAX_FORMULA_LENGTH} characters", MAX_FORMULA_LENGTH)
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "+-*/(),":
            kind = "operator" if char in "+-*/" else char
            tokens.append(Token(kind, char, i))
            i += 1
        elif char.isdigit() or char == ".":
            start = i
            while i < len(text) and (text[i].isdigit() or text[i] == "."):
                i += 1
            number = text[start:i]
            if number.count(".") > 1 or number == ".":
                raise FormulaError(f"'{number}' is not a number", start)
            tokens.append(Token("number", number, start))
        elif char == "{":
            end = text.find("}", i)
            if end < 0:
                raise FormulaError("A KPI reference opened with '{' is not closed with '}'", i)
            code = text[i + 1 : end].strip()
            if not code or not set(code) <= CODE_CHARACTERS:
                raise FormulaError("A KPI reference holds a KPI's code, e.g. {HS-01}", i)
            tokens.append(Token("reference", code, i))
            i = end + 1
        elif char.isalpha():
            start = i
            while i < len(text) and text[i].isalpha():
                i += 1
            tokens.append(Token("name", text[start:i].lower(), start))
        else:
            raise FormulaError(f"'{char}' has no meaning in a formula", i)
    tokens.append(Token("end", "", len(text)))
    return tokens


# --- parsing ----------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def expect(self, kind: str, what: str) -> Token:
        if self.current.kind != kind:
            raise FormulaError(f"Expected {what}", self.current.position)
        return self.take()

    def nested(self, position: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"A formula nests at most {MAX_DEPTH} deep", position)

    def expression(self) -> Node:
        self.nested(self.current.position)
        node = self.term()
        while self.current.kind == "operator" and self.current.text in "+-":
            token = self.take()
            node = Binary(token.text, node, self.term(), token.position)
        self.depth -= 1
        return node

    def term(self) -> Node:
        node = self.factor()
        while self.current.kind == "operator" and self.current.text in "*/":
            token = self.take()
            node = Binary(token.text, node, self.factor(), token.position)
        return node

    def factor(self) -> Node:
        token = self.current
        if token.kind == "operator" and token.text == "-":
            self.take()
            self.nested(token.position)
            operand = self.factor()
            self.depth -= 1
            return Negate(operand, token.position)
        if token.kind == "number":
            self.take()
            return Number(Decimal(token.text), token.position)
        if token.kind == "reference":
            self.take()
            return Reference(token.text, token.position)
        if token.kind == "name":
            return self.call()
        if token.kind == "(":
            self.take()
            node = self.expression()
            self.expect(")", "')' to close the '('")
            return node
        if token.kind == "end":
            raise FormulaError("The formula ends where a value was expected", token.position)
        raise FormulaError(f"Expected a number, a {{KPI}} or '(' but found '{token.text}'", token.position)

    def call(self) -> Node:
        token = self.take()
        if token.text not in FUNCTIONS:
            raise FormulaError(
                f"'{token.text}' is not a function: use {', '.join(FUNCTIONS)}, or write a KPI as {{CODE}}",
                token.position,
            )
        self.expect("(", f"'(' after {token.text}")
        arguments = [self.expression()]
        while self.current.kind == ",":
            self.take()
            arguments.append(self.expression())
        self.expect(")", f"')' to close {token.text}(")
        return Call(token.text, tuple(arguments), token.position)


def parse(text: str) -> Node:
    """The formula's tree, or FormulaError saying where it went wrong."""
    parser = _Parser(text)
    if parser.current.kind == "end":
        raise FormulaError("The formula is empty", 0)
    node = parser.expression()
    if parser.current.kind != "end":
        raise FormulaError(f"Unexpected '{parser.current.text}'", parser.current.position)
    return node


# --- printing ---------------------------------------------------------------------------------------

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def render(node: Node) -> str:
    """The canonical text of a formula: ``parse(render(f)) == f``."""
    return _render(node, 0)


def _render(node: Node, context: int) -> str:
    if isinstance(node, Number):
        return format(node.value, "f")
    if isinstance(node, Reference):
        return "{" + node.code + "}"
    if isinstance(node, Negate):
        return "-" + _render(node.operand, 3)
    if isinstance(node, Call):
        return node.function + "(" + ", ".join(_render(a, 0) for a in node.arguments) + ")"
    precedence = _PRECEDENCE[node.operator]
    # Left-associative: the right operand binds tighter, so "a - (b - c)" keeps its parentheses.
    text = f"{_render(node.left, precedence)} {node.operator} {_render(node.right, precedence + 1)}"
    return f"({text})" if precedence < context else text


def references(node: Node) -> list[str]:
    """The KPI codes the formula refers to, in order of first appearance."""
    found: list[str] = []
    _collect(node, found)
    return list(dict.fromkeys(found))


def _collect(node: Node, found: list[str]) -> None:
    if isinstance(node, Reference):
        found.append(node.code)
    elif isinstance(node, Negate):
        _collect(node.operand, found)
    elif isinstance(node, Binary):
        _collect(node.left, found)
        _collect(node.right, found)
    elif isinstance(node, Call):
        for argument in node.arguments:
            _collect(argument, found)


# --- checks -----------------------------------------------------------------------------------------

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


# --- evaluation -------------------------------------------------------------------------------------


class _Missing(Exception):
    """An input, or a division, leaves the value missing."""


# How far a value has gone through the collection cycle: a calculated value goes as far as the least
# advanced of its inputs (a queried value is back with its owner, as a draft is).
_PROGRESS = {
    SubmissionState.DRAFT: 0,
    SubmissionState.QUERIED: 0,
    SubmissionState.SUBMITTED: 1,
    SubmissionState.RESUBMITTED: 1,
    SubmissionState.VALIDATED: 2,
    SubmissionState.PUBLISHED: 3,
}
_STATE_OF_PROGRESS = {
    0: SubmissionState.DRAFT,
    1: SubmissionState.SUBMITTED,
    2: SubmissionState.VALIDATED,
    3: SubmissionState.PUBLISHED,
}


def computed_state(input_states: Sequence[SubmissionState]) -> SubmissionState:
    """The state of a calculated value from the states of the input values it was computed from:
    published when every one is published, validated when every one is at least validated,
    submitted when every one is at least submitted, otherwise a draft (docs/rules.md)."""
    if not input_states:
        return SubmissionState.DRAFT
    return _STATE_OF_PROGRESS[min(_PROGRESS[state] for state in input_states)]


def evaluate(
    node: Node,
    values: Mapping[str, Decimal | None],
    *,
    on_missing: MissingInput = MissingInput.MISSING,
    on_zero_divisor: ZeroDivisor | None = None,
) -> Decimal | None:
    """The formula's value from its inputs' values (a code absent from ``values`` has none), or None
    when it is missing by the rules."""
    try:
        return _evaluate(node, values, on_missing, on_zero_divisor)
    except _Missing:
        return None


def _evaluate(
    node: Node,
    values: Mapping[str, Decimal | None],
    on_missing: MissingInput,
    on_zero: ZeroDivisor | None,
) -> Decimal:
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Reference):
        value = values.get(node.code)
        if value is not None:
            return value
        if on_missing is MissingInput.ZERO:
            return Decimal(0)
        raise _Missing
    if isinstance(node, Negate):
        return -_evaluate(node.operand, values, on_missing, on_zero)
    if isinstance(node, Call):
        found: list[Decimal] = []
        for argument in node.arguments:
            try:
                found.append(_evaluate(argument, values, on_missing, on_zero))
            except _Missing:
                if on_missing is not MissingInput.SKIP:
                    raise
        if not found:
            raise _Missing
        return _FUNCTIONS[node.function](found)
    left = _evaluate(node.left, values, on_missing, on_zero)
    right = _evaluate(node.right, values, on_missing, on_zero)
    if node.operator == "+":
        return left + right
    if node.operator == "-":
        return left - right
    if node.operator == "*":
        return left * right
    if right == 0:
        if on_zero is ZeroDivisor.ZERO:
            return Decimal(0)
        raise _Missing
    return left / right


_FUNCTIONS: dict[str, Callable[[list[Decimal]], Decimal]] = {
    "sum": lambda xs: sum(xs, Decimal(0)),
    "avg": lambda xs: sum(xs, Decimal(0)) / len(xs),
    "min": min,
    "max": max,
}
