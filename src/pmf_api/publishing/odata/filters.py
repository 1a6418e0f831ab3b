"""``$filter``: lexed and parsed by the ``odata-query`` library into its AST, translated here to
SQLAlchemy Core over a feed's subquery columns.

The translation is ours, so that only the feed's declared properties, the operators and functions
``$metadata`` says are supported, and literals of each property's type get through: what else
parses answers 501 (valid OData this service does not serve) or 400 (not valid, or not about this
entity type), never a 500. Nesting is bounded (a chain of one operator, as Power BI folds a list
into "a or b or c", counts once), and so is the expression's length.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from odata_query import ast
from odata_query.exceptions import ODataException
from odata_query.grammar import ODataLexer, ODataParser
from sqlalchemy import BigInteger, ColumnElement, Numeric, and_, false, func, literal, not_, or_, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import KeyedColumnElement
from sqlalchemy.sql.functions import FunctionElement

from pmf_api.publishing.feeds.definitions import ColumnKind, Feed
from pmf_api.publishing.odata.errors import BadRequest, NotSupported

MAX_FILTER_LENGTH = 8_000  # characters of $filter
MAX_FILTER_DEPTH = 40  # nested operators and calls in $filter
FILTER_FUNCTIONS = ("contains", "startswith", "endswith")
INT64 = (-(2**63), 2**63 - 1)
LARGEST_DECIMAL = Decimal(10) ** 18  # what a stored decimal (NUMERIC(24, 6)) can hold
Columns = ReadOnlyColumnCollection[str, KeyedColumnElement[Any]]  # a feed subquery's, by name


class decimal_value(FunctionElement[Any]):
    """A decimal column compared and sorted as a number: SQLite stores an exact decimal as text
    (``platform.db.base.ExactDecimal``), so there it is cast; PostgreSQL's NUMERIC is itself."""

    name = "decimal_value"
    inherit_cache = True
    type: Any = Numeric(asdecimal=False)


@compiles(decimal_value)
def _decimal_value(element: decimal_value, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(decimal_value, "sqlite")
def _decimal_value_sqlite(element: decimal_value, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS REAL)"


def translate_filter(feed: Feed, text: str, columns: Columns) -> ColumnElement[bool]:
    """``$filter`` as a condition on the feed's subquery ``columns``."""
    if len(text) > MAX_FILTER_LENGTH:
        raise BadRequest(f"$filter is longer than {MAX_FILTER_LENGTH} characters", target="$filter")
    if not text.strip():
        raise BadRequest("$filter is empty", target="$filter")
    try:
        tree = ODataParser().parse(ODataLexer().tokenize(text))
    except RecursionError:
        raise BadRequest(f"$filter nests deeper than {MAX_FILTER_DEPTH} levels", target="$filter") from None
    except ODataException as error:
        raise BadRequest(f"$filter is not an OData expression: {error}", target="$filter") from None
    except (ValueError, TypeError, IndexError, KeyError) as error:  # the lexer's own slips on odd input
        raise BadRequest(f"$filter is not an OData expression: {error}", target="$filter") from None
    if tree is None:
        raise BadRequest("$filter is not an OData expression", target="$filter")
    try:
        return _Translator(feed, columns).condition(tree, 0)
    except RecursionError:
        raise BadRequest(f"$filter nests deeper than {MAX_FILTER_DEPTH} levels", target="$filter") from None


_COMPARE: dict[type[ast._Comparator], Callable[[Any, Any], ColumnElement[bool]]] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}
_FLIPPED: dict[type[ast._Comparator], type[ast._Comparator]] = {
    ast.Eq: ast.Eq,
    ast.NotEq: ast.NotEq,
    ast.Lt: ast.Gt,
    ast.LtE: ast.GtE,
    ast.Gt: ast.Lt,
    ast.GtE: ast.LtE,
}


class _Translator:
    def __init__(self, feed: Feed, columns: Columns) -> None:
        self.feed = feed
        self.columns = columns

    def bad(self, message: str) -> BadRequest:
        return BadRequest(message, target="$filter")

    def condition(self, node: Any, depth: int) -> ColumnElement[bool]:
        if depth > MAX_FILTER_DEPTH:
            raise self.bad(f"$filter nests deeper than {MAX_FILTER_DEPTH} levels")
        if isinstance(node, ast.BoolOp):
            # A chain of one operator (Power BI folds a list's members into "a or b or c ...") is one
            # level, however long: only nesting counts towards the limit.
            operands = [self.condition(operand, depth + 1) for operand in _chain(node)]
            return and_(*operands) if isinstance(node.op, ast.And) else or_(*operands)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return not_(self.condition(node.operand, depth + 1))
        if isinstance(node, ast.Compare):
            return self.compare(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Identifier):
            name = self.property(node)
            if self.kind(name) is not ColumnKind.BOOLEAN:
                raise self.bad(f"{name} is not a boolean property: compare it with a value")
            return self.columns[name] == true()
        if isinstance(node, ast.Boolean):
            return true() if node.val.lower() == "true" else false()
        self.not_supported_shapes(node)
        raise self.bad(f"$filter must be a condition, not {type(node).__name__.lower()}")

    def not_supported_shapes(self, node: Any) -> None:
        if isinstance(node, ast.CollectionLambda):
            raise NotSupported("Lambda operators (any, all) are not supported", target="$filter")
        if isinstance(node, ast.BinOp):
            raise NotSupported("Arithmetic operators (add, sub, mul, div, mod) are not supported", target="$filter")
        if isinstance(node, ast.Attribute):
            raise self.bad(f"{self.feed.entity_type} has no navigation property {self.path(node)!r}")

    def path(self, node: Any) -> str:
        if isinstance(node, ast.Attribute):
            return f"{self.path(node.owner)}/{node.attr}"
        if isinstance(node, ast.Identifier):
            return node.name
        return type(node).__name__

    def property(self, node: ast.Identifier) -> str:
        if node.namespace or self.feed.column(node.name) is None:
            name = ".".join((*node.namespace, node.name))
            raise self.bad(f"{self.feed.entity_type} has no property {name!r}")
        return node.name

    def kind(self, name: str) -> ColumnKind:
        column = self.feed.column(name)
        assert column is not None
        return column.kind

    def operand(self, name: str) -> ColumnElement[Any]:
        column = self.columns[name]
        return decimal_value(column) if self.kind(name) is ColumnKind.DECIMAL else column

    def compare(self, node: ast.Compare, depth: int) -> ColumnElement[bool]:
        comparator, left, right = node.comparator, node.left, node.right
        for side in (left, right):
            self.not_supported_shapes(side)
            if isinstance(side, ast.Call):
                raise NotSupported(
                    f"Only {', '.join(FILTER_FUNCTIONS)} are supported, as conditions of their own", target="$filter"
                )
        if not isinstance(left, ast.Identifier) and isinstance(right, ast.Identifier):
            left, right = right, left
            comparator = _FLIPPED.get(type(comparator), type(comparator))()
        if not isinstance(left, ast.Identifier):
            raise self.bad("A comparison in $filter needs a property on one side")
        name = self.property(left)
        if isinstance(comparator, ast.In):
            if not isinstance(right, ast.List) or not right.val:
                raise self.bad(f"{name} in (...) takes a list of values")
            return self.operand(name).in_([self.bound(name, item) for item in right.val])
        if isinstance(right, ast.Identifier):
            other = self.property(right)
            if self.kind(other) is not self.kind(name):
                raise self.bad(f"{name} and {other} are of different types")
            return _COMPARE[type(comparator)](self.operand(name), self.operand(other))
        if isinstance(right, ast.Null):
            if isinstance(comparator, ast.Eq):
                return self.columns[name].is_(None)
            if isinstance(comparator, ast.NotEq):
                return self.columns[name].is_not(None)
            raise self.bad(f"{name} is compared with null only by eq and ne")
        if self.kind(name) is ColumnKind.BOOLEAN and not isinstance(comparator, ast.Eq | ast.NotEq):
            raise self.bad(f"{name} is a boolean: compare it by eq or ne")
        return _COMPARE[type(comparator)](self.operand(name), self.bound(name, right))

    def bound(self, name: str, node: Any) -> Any:
        """The literal as the bind parameter it is compared by: a decimal as a number (``operand``),
        a whole number as a 64-bit one (an Edm.Int64 past a 32-bit column's range is no error),
        anything else of the column's own type."""
        value = self.value(name, node)
        kind = self.kind(name)
        if kind is ColumnKind.DECIMAL:
            return literal(value, Numeric(asdecimal=False))
        if kind is ColumnKind.INTEGER:
            return literal(value, BigInteger())
        return value

    def value(self, name: str, node: Any) -> Any:
        """The literal ``node`` as a value of property ``name``'s type, or 400 saying why not."""
        kind = self.kind(name)
        try:
            converted = _LITERALS[kind](node)
        except (ValueError, ArithmeticError, InvalidOperation, TypeError, OverflowError):
            converted = None
        if converted is None:
            text = getattr(node, "val", type(node).__name__)
            raise self.bad(f"{name} is {_EDM[kind]}: {text!r} is not a value of that type")
        return converted

    def call(self, node: ast.Call) -> ColumnElement[bool]:
        function = node.func.name.lower()
        if node.func.namespace or function not in FILTER_FUNCTIONS:
            raise NotSupported(
                f"The function {node.func.name} is not supported in $filter (only {', '.join(FILTER_FUNCTIONS)})",
                target="$filter",
            )
        if len(node.args) != 2 or not isinstance(node.args[0], ast.Identifier):
            raise self.bad(f"{function} takes a string property and a string: {function}(code,'PI')")
        name = self.property(node.args[0])
        if self.kind(name) is not ColumnKind.STRING:
            raise self.bad(f"{function} takes a string property; {name} is {_EDM[self.kind(name)]}")
        if not isinstance(node.args[1], ast.String):
            raise self.bad(f"{function}'s second argument must be a string in single quotes")
        return text_function(function, self.columns[name], node.args[1].val)


def _chain(node: ast.BoolOp) -> list[Any]:
    """The operands of a chain of ``node``'s operator, left to right, without recursion."""
    operands: list[Any] = []
    pending: list[Any] = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, ast.BoolOp) and type(item.op) is type(node.op):
            pending += [item.right, item.left]
        else:
            operands.append(item)
    return operands


def text_function(function: str, column: KeyedColumnElement[Any], text: str) -> ColumnElement[bool]:
    """contains, startswith and endswith, case-sensitive on both databases as OData has them.

    Written without LIKE, so nothing in ``text`` is a wildcard (``%`` and ``_`` are themselves)
    and SQLite's case-insensitive LIKE does not make the answer differ between the databases.
    """
    if text == "":
        return column.is_not(None)
    if function == "contains":
        return func.replace(column, literal(text), literal("")) != column
    length = len(text)
    if function == "startswith":
        return func.substr(column, 1, length) == literal(text)
    # endswith: the last ``length`` characters (a shorter string never equals ``text``)
    return func.substr(column, func.length(column) - length + 1) == literal(text)


def _string(node: Any) -> str | None:
    return node.val if isinstance(node, ast.String) else None


def _integer(node: Any) -> int | None:
    if not isinstance(node, ast.Integer):
        return None
    value = int(node.val)
    return value if INT64[0] <= value <= INT64[1] else None


def _decimal(node: Any) -> Decimal | None:
    if not isinstance(node, ast.Integer | ast.Float):
        return None
    value = Decimal(node.val)
    return value if value.is_finite() and abs(value) < LARGEST_DECIMAL else None


def _boolean(node: Any) -> bool | None:
    return node.val.lower() == "true" if isinstance(node, ast.Boolean) else None


def _date(node: Any) -> date | None:
    return date.fromisoformat(node.val) if isinstance(node, ast.Date) else None


def _datetime(node: Any) -> datetime | None:
    if isinstance(node, ast.Date):
        return datetime.combine(date.fromisoformat(node.val), time(), UTC)
    if not isinstance(node, ast.DateTime):
        return None
    value = datetime.fromisoformat(node.val.replace("Z", "+00:00").replace("z", "+00:00"))
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def _uuid(node: Any) -> uuid.UUID | None:
    if isinstance(node, ast.GUID | ast.String):
        return uuid.UUID(node.val)
    return None


_LITERALS: dict[ColumnKind, Callable[[Any], Any]] = {
    ColumnKind.STRING: _string,
    ColumnKind.INTEGER: _integer,
    ColumnKind.DECIMAL: _decimal,
    ColumnKind.BOOLEAN: _boolean,
    ColumnKind.DATE: _date,
    ColumnKind.DATETIME: _datetime,
    ColumnKind.UUID: _uuid,
}

# How CSDL names each kind of column.
_EDM: dict[ColumnKind, str] = {
    ColumnKind.STRING: "Edm.String",
    ColumnKind.INTEGER: "Edm.Int64",
    ColumnKind.DECIMAL: "Edm.Decimal",
    ColumnKind.BOOLEAN: "Edm.Boolean",
    ColumnKind.DATE: "Edm.Date",
    ColumnKind.DATETIME: "Edm.DateTimeOffset",
    ColumnKind.UUID: "Edm.Guid",
}
EDM_TYPES = _EDM
