"""Calculated KPIs' formulas: parsing, printing, checking and evaluating (issue 11, section 3)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain.formula import (
    MAX_DEPTH,
    MAX_FORMULA_LENGTH,
    Binary,
    Call,
    FormulaError,
    MissingInput,
    Negate,
    Node,
    Number,
    Reference,
    ZeroDivisor,
    parse,
    references,
    render,
)
from pmf_api.domain.formula_checks import (
    InputKpi,
    check_formula,
    find_cycle,
    fits_unit,
    unguarded_divisions,
    unit_of,
)
from pmf_api.domain.formula_values import computed_state, evaluate
from pmf_api.domain.kpi import Unit
from pmf_api.domain.periods import Frequency
from pmf_api.domain.workflow import SubmissionState as S

D = Decimal


# --- parsing and printing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("1", "1"),
        ("1.50", "1.50"),
        ("{A}+{B}", "{A} + {B}"),
        ("{A} - ({B} - {C})", "{A} - ({B} - {C})"),
        ("({A} - {B}) - {C}", "{A} - {B} - {C}"),
        ("{A} * ({B} + {C})", "{A} * ({B} + {C})"),
        ("{A} / {B} * 100", "{A} / {B} * 100"),
        ("{A} / ({B} * 100)", "{A} / ({B} * 100)"),
        ("-{A}", "-{A}"),
        ("-({A} + {B})", "-({A} + {B})"),
        ("--{A}", "--{A}"),
        ("SUM({A},{B}, 3)", "sum({A}, {B}, 3)"),
        ("avg({ HS-01 }, {HS/02})", "avg({HS-01}, {HS/02})"),
        ("max(min({A}, {B}), 0)", "max(min({A}, {B}), 0)"),
        ("({A} * 2 + {B} * 3) / 5", "({A} * 2 + {B} * 3) / 5"),
    ],
)
def test_a_formula_prints_in_one_canonical_form(text: str, canonical: str) -> None:
    assert render(parse(text)) == canonical
    assert parse(canonical) == parse(text)


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("", "empty", 0),
        ("   ", "empty", 3),
        ("{A} +", "ends where a value was expected", 5),
        ("{A} {B}", "Unexpected '{B}'", 4),
        ("({A}", "Expected ')' to close the '('", 4),
        ("{A", "not closed", 0),
        ("{}", "holds a KPI's code", 0),
        ("{A;B}", "holds a KPI's code", 0),
        ("1.2.3", "'1.2.3' is not a number", 0),
        (".", "'.' is not a number", 0),
        ("2 ^ 3", "'^' has no meaning", 2),
        ("__import__('os')", "'_' has no meaning", 0),
        ("eval(1)", "'eval' is not a function", 0),
        ("sum 1", "Expected '(' after sum", 4),
        ("sum(1, 2", "Expected ')' to close sum(", 8),
        ("sum()", "Expected a number, a {KPI} or '(' but found ')'", 4),
        ("* 2", "found '*'", 0),
        ("(1 {A})", "Expected ')' to close the '('", 3),
        ("1 + + {A} )", "found '+'", 4),
    ],
)
def test_a_bad_formula_says_what_and_where(text: str, message: str, position: int) -> None:
    with pytest.raises(FormulaError) as raised:
        parse(text)
    assert message in raised.value.message
    assert raised.value.position == position
    assert raised.value.field == "formula"
    assert f"(at position {position})" in raised.value.message


def test_a_formula_has_limits() -> None:
    with pytest.raises(FormulaError, match="at most 1000 characters"):
        parse("1" * (MAX_FORMULA_LENGTH + 1))
    with pytest.raises(FormulaError, match="nests at most"):
        parse("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(FormulaError, match="nests at most"):
        parse("-" * (MAX_DEPTH + 1) + "1")


def test_references_are_listed_once_in_order() -> None:
    assert references(parse("{B} + sum({A}, -{B}) / {C}")) == ["B", "A", "C"]


def test_nodes_compare_by_meaning_not_position() -> None:
    assert parse("{A}+1") == parse("{A} + 1")
    assert len({parse("{A}+1"), parse("{A} + 1")}) == 1
    assert len({Number(D(1)), Reference("A"), Negate(Number(D(1))), Call("sum", (Number(D(1)),))}) == 4
    assert Number(D(1)) != Reference("1")


# Formulas built at random: printing then parsing gives the same formula.
_codes = st.sampled_from(["A", "B", "HS-01", "WS_2"])
_leaf = st.one_of(
    st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False, allow_infinity=False).map(Number),
    _codes.map(Reference),
)


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        children.map(Negate),
        st.tuples(st.sampled_from("+-*/"), children, children).map(lambda t: Binary(t[0], t[1], t[2])),
        st.tuples(st.sampled_from(["sum", "avg", "min", "max"]), st.lists(children, min_size=1, max_size=3)).map(
            lambda t: Call(t[0], tuple(t[1]))
        ),
    )


formulas = st.recursive(_leaf, _extend, max_leaves=12)


@given(formulas)
def test_parse_of_render_is_the_formula(formula: Node) -> None:
    assert parse(render(formula)) == formula


@given(st.lists(st.decimals(min_value=-1000, max_value=1000, places=2), min_size=1, max_size=6))
def test_a_sum_formula_is_the_sum_of_its_inputs(values: list[Decimal]) -> None:
    codes = [f"K{i}" for i in range(len(values))]
    by_code = dict(zip(codes, values, strict=True))
    added = " + ".join("{" + c + "}" for c in codes)
    called = "sum(" + ", ".join("{" + c + "}" for c in codes) + ")"
    assert evaluate(parse(added), by_code) == sum(values, D(0))
    assert evaluate(parse(called), by_code) == sum(values, D(0))


# --- evaluation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values", "on_missing", "on_zero", "expected"),
    [
        ("{A} - {B}", {"A": D(5), "B": D(7)}, MissingInput.MISSING, None, D(-2)),
        ("{A} * 2 / 4", {"A": D(5)}, MissingInput.MISSING, None, D("2.5")),
        ("-{A}", {"A": D(5)}, MissingInput.MISSING, None, D(-5)),
        ("avg({A}, {B})", {"A": D(5), "B": D(7)}, MissingInput.MISSING, None, D(6)),
        ("min({A}, {B})", {"A": D(5), "B": D(7)}, MissingInput.MISSING, None, D(5)),
        ("max({A}, {B})", {"A": D(5), "B": D(7)}, MissingInput.MISSING, None, D(7)),
        ("{A} + {B}", {"A": D(5)}, MissingInput.MISSING, None, None),
        ("{A} + {B}", {"A": D(5), "B": None}, MissingInput.ZERO, None, D(5)),
        ("{A} + {B}", {"A": D(5)}, MissingInput.SKIP, None, None),
        ("sum({A}, {B})", {"A": D(5)}, MissingInput.SKIP, None, D(5)),
        ("avg({A}, {B})", {"A": D(5)}, MissingInput.SKIP, None, D(5)),
        ("sum({A}, {B})", {"A": D(5)}, MissingInput.MISSING, None, None),
        ("sum({A}, {B})", {}, MissingInput.SKIP, None, None),
        ("{A} / {B}", {"A": D(5), "B": D(0)}, MissingInput.MISSING, ZeroDivisor.MISSING, None),
        ("{A} / {B}", {"A": D(5), "B": D(0)}, MissingInput.MISSING, ZeroDivisor.ZERO, D(0)),
        ("{A} / {B}", {"A": D(5), "B": D(0)}, MissingInput.MISSING, None, None),
        ("{A} / {B}", {"A": D(6), "B": D(3)}, MissingInput.MISSING, None, D(2)),
    ],
)
def test_evaluation_follows_the_rules_for_missing_inputs_and_zero_divisors(
    text: str,
    values: dict[str, Decimal | None],
    on_missing: MissingInput,
    on_zero: ZeroDivisor | None,
    expected: Decimal | None,
) -> None:
    assert evaluate(parse(text), values, on_missing=on_missing, on_zero_divisor=on_zero) == expected


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([], S.DRAFT),
        ([S.PUBLISHED, S.PUBLISHED], S.PUBLISHED),
        ([S.PUBLISHED, S.VALIDATED], S.VALIDATED),
        ([S.PUBLISHED, S.RESUBMITTED], S.SUBMITTED),
        ([S.SUBMITTED, S.VALIDATED], S.SUBMITTED),
        ([S.PUBLISHED, S.QUERIED], S.DRAFT),
        ([S.DRAFT, S.PUBLISHED], S.DRAFT),
    ],
)
def test_a_calculated_value_goes_as_far_as_its_least_advanced_input(states: list[S], expected: S) -> None:
    assert computed_state(states) is expected


# --- units, divisions, cycles -----------------------------------------------------------------------

UNITS = {"T": Unit.COUNT, "U": Unit.COUNT, "P": Unit.PERCENTAGE, "Q": Unit.RATIO, "M": Unit.CURRENCY, "D": Unit.DAYS}


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("1 + 2", "scalar"),
        ("{T} + {U}", "count"),
        ("{T} + 5", "count"),
        ("-{T}", "count"),
        ("sum({T}, {U}, 1)", "count"),
        ("{T} * 2", "count"),
        ("2 * {T}", "count"),
        ("{T} / 2", "count"),
        ("{T} / {U}", "ratio"),
        ("{T} / {U} * 100", "ratio"),
        ("{P} + {Q}", "ratio"),
        ("{P} * {T}", "count"),
        ("{T} * {P}", "count"),
        ("{T} / {P}", "count"),
        ("{P} / {Q}", "ratio"),
        ("{M} / {T}", "rate"),
    ],
)
def test_the_unit_of_a_formula(text: str, unit: str) -> None:
    assert unit_of(parse(text), UNITS) == unit


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{T} + {P}", "'+' between count and ratio"),
        ("{T} - {M}", "'-' between count and currency"),
        ("sum({T}, {D})", "sum() of count and days"),
        ("{T} * {U}", "Multiplying count by count"),
    ],
)
def test_mixed_units_are_refused(text: str, message: str) -> None:
    with pytest.raises(FormulaError, match=re.escape(message)):
        unit_of(parse(text), UNITS)


@pytest.mark.parametrize(
    ("formula_unit", "kpi_unit", "fits"),
    [
        ("scalar", Unit.COUNT, True),
        ("count", Unit.NUMBER, True),
        ("ratio", Unit.PERCENTAGE, True),
        ("count", Unit.PERCENTAGE, False),
        ("count", Unit.COUNT, True),
        ("currency", Unit.COUNT, False),
        ("ratio", Unit.COUNT, False),
    ],
)
def test_which_kpis_a_formula_fits(formula_unit: str, kpi_unit: Unit, fits: bool) -> None:
    assert fits_unit(formula_unit, kpi_unit) is fits


@pytest.mark.parametrize(
    ("text", "positions"),
    [
        ("{A} / 2", []),
        ("{A} / ({B} - 1)", [4]),
        ("1 / 0", [2]),
        ("-({A} / {B})", [6]),
        ("{A} / -{B}", [4]),
        ("sum(1, {A} / {B})", [11]),
        ("({A} / {B}) / {C}", [5, 12]),
    ],
)
def test_divisions_by_an_input_are_found(text: str, positions: list[int]) -> None:
    assert unguarded_divisions(parse(text)) == positions


@pytest.mark.parametrize(
    ("graph", "start", "cycle"),
    [
        ({"A": ["B"], "B": ["C"], "C": []}, "A", None),
        ({"A": ["B"], "B": ["A"]}, "A", ["A", "B", "A"]),
        ({"A": ["B", "C"], "B": ["C"], "C": ["A"]}, "A", ["A", "B", "C", "A"]),
        ({"A": ["B", "C"], "B": [], "C": ["B"]}, "A", None),
        ({"A": ["A"]}, "A", ["A", "A"]),
        ({"A": ["B"], "B": ["B"]}, "A", None),
    ],
)
def test_cycles_are_found(graph: dict[str, list[str]], start: str, cycle: list[str] | None) -> None:
    assert find_cycle(graph, start) == cycle


KPIS = {
    "TOTAL": InputKpi("TOTAL", Unit.COUNT, Frequency.MONTHLY, parse("{FOOD} + {GARDEN}")),
    "FOOD": InputKpi("FOOD", Unit.COUNT),
    "GARDEN": InputKpi("GARDEN", Unit.COUNT),
    "SHARE": InputKpi("SHARE", Unit.PERCENTAGE),
    "YEARLY": InputKpi("YEARLY", Unit.COUNT, Frequency.ANNUAL),
}


@pytest.mark.parametrize(
    ("code", "unit", "text", "on_zero", "message", "position"),
    [
        ("SHARE", Unit.PERCENTAGE, "{SHARE} * 2", None, "SHARE cannot be calculated from itself", 0),
        ("SHARE", Unit.PERCENTAGE, "{FOOD} / {NOPE}", None, "No KPI with code NOPE", 9),
        ("NEW", Unit.COUNT, "1 - -sum({FOOD}, {NOPE})", None, "No KPI with code NOPE", 17),
        ("FOOD", Unit.COUNT, "{TOTAL} - {GARDEN}", None, "refers back to itself: FOOD -> TOTAL -> FOOD", 0),
        ("FOOD", Unit.COUNT, "{YEARLY}", None, "YEARLY is reported annual but FOOD monthly", 0),
        ("SHARE", Unit.PERCENTAGE, "{FOOD} + {GARDEN}", None, "gives count, but SHARE is measured in percentage", 0),
        ("NEW", Unit.COUNT, "{FOOD} / {TOTAL}", ZeroDivisor.ZERO, "gives a ratio of like quantities", 0),
        ("NEW", Unit.PERCENTAGE, "{FOOD} / {TOTAL} * 100", None, "divides by an input that can be zero", 7),
    ],
)
def test_a_formula_is_checked_against_the_organisations_kpis(
    code: str, unit: Unit, text: str, on_zero: ZeroDivisor | None, message: str, position: int
) -> None:
    with pytest.raises(FormulaError) as raised:
        check_formula(text, code=code, unit=unit, kpis=KPIS, on_zero_divisor=on_zero)
    assert message in raised.value.message
    assert raised.value.position == position


def test_a_good_formula_is_returned_parsed() -> None:
    node = check_formula(
        "{FOOD} / {TOTAL} * 100", code="NEW", unit=Unit.PERCENTAGE, kpis=KPIS, on_zero_divisor=ZeroDivisor.MISSING
    )
    assert render(node) == "{FOOD} / {TOTAL} * 100"
    # A KPI's own earlier formula does not count against its new one.
    node = check_formula("{FOOD} + {GARDEN} + 1", code="TOTAL", unit=Unit.COUNT, kpis=KPIS, on_zero_divisor=None)
    assert references(node) == ["FOOD", "GARDEN"]
