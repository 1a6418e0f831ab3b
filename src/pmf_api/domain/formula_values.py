"""A calculated KPI's value from its inputs' values, and the state it takes (issue 11, section 3)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from pmf_api.domain.formula import Call, MissingInput, Negate, Node, Number, Reference, ZeroDivisor
from pmf_api.domain.workflow import SubmissionState


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
