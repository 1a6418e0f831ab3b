"""Calculated KPIs: a formula over other KPIs' values for the same period (issue 11, section 3).

Seed 001_ec6bae7b38cacc6f.txt (Appendix B.2) asks "how the data is collected and how the result is
calculated"; some KPIs are calculated from others (a total over services, a rate of two counts). A
formula is parsed here by its own tokenizer and recursive-descent parser (never ``eval``), printed
back in one canonical form, checked for units and for divisions by an input that can be zero, and
evaluated on Decimals (``formula_checks`` and ``formula_values``).

Grammar (whitespace is ignored)::

    expression := term (("+" | "-") term)*
    term       := factor (("*" | "/") factor)*
    factor     := "-" factor | number | reference | call | "(" expression ")"
    reference  := "{" KPI code "}"             e.g. {HS-01}
    call       := ("sum" | "avg" | "min" | "max") "(" expression ("," expression)* ")"

A weighted average is written out: ``({A} * 2 + {B} * 3) / 5``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from pmf_api.domain.errors import DomainError

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

    @property
    def shown(self) -> str:
        """The token as the formula writes it."""
        return "{" + self.text + "}" if self.kind == "reference" else self.text


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
        raise FormulaError(f"Expected a number, a {{KPI}} or '(' but found '{token.shown}'", token.position)

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
        raise FormulaError("The formula is empty", parser.current.position)
    node = parser.expression()
    if parser.current.kind != "end":
        raise FormulaError(f"Unexpected '{parser.current.shown}'", parser.current.position)
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
