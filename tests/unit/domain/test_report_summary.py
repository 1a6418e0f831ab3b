"""What a report says in words (issue 13; seed 001_ec6bae7b38cacc6f.txt C.2 and seed 002's highlights and
exceptions): tables of RAG words, units, exceptions, sentences and chart text, and properties of them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain.report_summary import (
    RAG_TEXT,
    ChartFacts,
    KpiLine,
    chart_alt,
    exceptions,
    highlights,
    improving_run,
    is_exception,
    rag_word,
    restatement_sentence,
    with_unit,
)

WAS = KpiLine("WAS-01", "Household waste recycled", "red", "41.2%", "50.0%")


@pytest.mark.parametrize(
    ("rag", "value_state", "word"),
    [
        ("green", "counted", "green"),
        ("missing", "missing", "missing"),
        (None, "missing", "missing"),
        (None, "awaiting_validation", "not_rated"),
        (None, "not_yet_due", "not_rated"),
        (None, "counted", "not_rated"),  # counted, without a target
    ],
)
def test_rag_word(rag: str | None, value_state: str, word: str) -> None:
    assert rag_word(rag, value_state) == word
    assert RAG_TEXT[word].split(":")[0].lower().replace(" ", "_") == word


@pytest.mark.parametrize(
    ("figure", "unit", "shown"),
    [
        (None, "percentage", None),
        ("41.2", "percentage", "41.2%"),
        ("1200.00", "currency", "£1200.00"),
        ("12", "days", "12 days"),
        ("7", "count", "7"),
    ],
)
def test_with_unit(figure: str | None, unit: str, shown: str | None) -> None:
    assert with_unit(figure, unit) == shown


@pytest.mark.parametrize(
    ("values", "higher_is_better", "run"),
    [
        ([], True, 0),
        ([1.0], True, 0),
        ([1.0, 2.0, 3.0], True, 2),
        ([3.0, 2.0, 1.0], True, 0),
        ([3.0, 2.0, 1.0], False, 2),
        ([1.0, None, 2.0, 3.0], True, 1),  # a gap ends the run
        ([1.0, 2.0, 2.0], True, 0),  # unchanged is not better
        ([5.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], True, 6),
    ],
)
def test_improving_run(values: list[float | None], higher_is_better: bool, run: int) -> None:
    assert improving_run(values, higher_is_better) == run


@pytest.mark.parametrize(
    ("line", "exception"),
    [
        (KpiLine("A", "a", "green"), False),
        (KpiLine("A", "a", "amber"), False),
        (KpiLine("A", "a", "red"), True),
        (KpiLine("A", "a", "missing"), True),
        (KpiLine("A", "a", "green", needs_intervention=True), True),
        (KpiLine("A", "a", "amber", variation="concern"), True),
        (KpiLine("A", "a", "not_rated", variation="improvement"), False),
    ],
)
def test_is_exception(line: KpiLine, exception: bool) -> None:
    assert is_exception(line) is exception


def test_exceptions_in_plain_english() -> None:
    lines = [
        WAS,
        KpiLine("HOU-02", "Homeless households in temporary accommodation", "red", "212"),
        KpiLine("PLA-01", "Major planning applications decided in time", "missing"),
        KpiLine("REV-03", "Council tax collected", "red", None, "97.0%", needs_intervention=True),
        KpiLine("ASC-04", "Reviews completed", "amber", "80%", "85%", variation="concern", queried=True),
        KpiLine("LIB-01", "Library visits", "green"),
    ]
    assert exceptions(lines) == [
        "3 of 6 KPIs are Red: WAS-01 Household waste recycled (41.2%, target 50.0%); HOU-02 Homeless households "
        "in temporary accommodation (212); REV-03 Council tax collected.",
        "1 of 6 KPIs is missing a value: PLA-01 Major planning applications decided in time.",
        "1 of 6 KPIs is recommended for a KPI Intervention Form: REV-03 Council tax collected.",
        "1 of 6 KPIs is queried: ASC-04 Reviews completed.",
        "ASC-04 Reviews completed shows special-cause concern on its SPC chart.",
    ]
    assert exceptions([KpiLine("LIB-01", "Library visits", "green")]) == []


def test_highlights_in_plain_english() -> None:
    lines = [
        KpiLine("WAS-01", "Household waste recycled", "green", improving_run=6, variation="improvement"),
        KpiLine("LIB-01", "Library visits", "green", improving_run=7),
        KpiLine("PAR-02", "Parks satisfaction", "amber", variation="improvement"),
        KpiLine("HOU-02", "Homelessness", "red", improving_run=5, period_word="quarters"),
    ]
    assert highlights(lines) == [
        "2 of 4 KPIs are Green (on or better than target).",
        "WAS-01 has improved for 6 months in a row (SPC special cause: improvement).",
        "LIB-01 has improved for 7 months in a row.",
        "PAR-02 Parks satisfaction shows special-cause improvement on its SPC chart.",
    ]
    assert highlights([KpiLine("HOU-02", "Homelessness", "red")]) == []


@pytest.mark.parametrize(
    ("facts", "text"),
    [
        (
            ChartFacts("WAS-01", 36, "months", "2023/24 P7", "2026/27 P6", "48.5%", "50.0%", "44.1", "53.3", True),
            "Trend of WAS-01 over 36 months from 2023/24 P7 to 2026/27 P6: latest 48.5% against a target of "
            "50.0%; within process limits 44.1 to 53.3.",
        ),
        (
            ChartFacts("WAS-01", 12, "months", "2025/26 P7", "2026/27 P6", "38.0%", "50.0%", "44.1", "53.3", False),
            "Trend of WAS-01 over 12 months from 2025/26 P7 to 2026/27 P6: latest 38.0% against a target of "
            "50.0%; outside process limits 44.1 to 53.3.",
        ),
        (
            ChartFacts("HOU-02", 4, "quarters", "2025/26 Q3", "2026/27 Q2", None, None),
            "Trend of HOU-02 over 4 quarters from 2025/26 Q3 to 2026/27 Q2: no value for the latest period with no "
            "target.",
        ),
        (ChartFacts("NEW-01", 0, "months", None, None, None, None), "Trend of NEW-01: no values counted yet."),
    ],
)
def test_chart_alt(facts: ChartFacts, text: str) -> None:
    assert chart_alt(facts) == text


RAGS = st.sampled_from(["green", "amber", "red", "missing", "not_rated"])
LINES = st.lists(
    st.builds(
        KpiLine,
        code=st.from_regex(r"[A-Z]{3}-0[1-9]", fullmatch=True),
        title=st.text(min_size=1, max_size=20),
        rag=RAGS,
        variation=st.sampled_from([None, "common_cause", "improvement", "concern"]),
        improving_run=st.integers(0, 12),
        needs_intervention=st.booleans(),
        queried=st.booleans(),
    ),
    max_size=12,
)


@given(LINES)
def test_sentences_are_deterministic_and_name_every_exception(lines: list[KpiLine]) -> None:
    said = exceptions(lines)
    assert said == exceptions(list(lines)) and highlights(lines) == highlights(list(lines))
    # Every exception is named in some sentence, and no sentence is made when none is an exception.
    for line in lines:
        if is_exception(line):
            assert any(line.code in sentence for sentence in said)
    if not any(is_exception(line) or line.queried for line in lines):
        assert said == []
    # Counts in "n of N" never exceed N.
    for sentence in said + highlights(lines):
        if " of " in sentence and sentence[0].isdigit():
            count, total = sentence.split(" KPIs")[0].split(" of ")
            assert 0 < int(count) <= int(total) == len(lines)


@given(st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), max_size=40), st.booleans())
def test_improving_run_is_bounded(values: list[float | None], higher_is_better: bool) -> None:
    run = improving_run(values, higher_is_better)
    assert 0 <= run <= max(len(values) - 1, 0)
    if run:
        assert values[-1] is not None and values[-run - 1] is not None


@pytest.mark.parametrize(
    ("reported", "restated", "reason", "sentence"),
    [
        (
            ("45.2%", "green", date(2025, 7, 15)),
            ("44.1%", "amber", date(2025, 9, 2)),
            "Source system corrected.",
            "WAS-01 Recycling, 2025/26 P5: reported 45.2% Green on 15 July 2025; "
            "restated 44.1% Amber on 2 September 2025: Source system corrected",
        ),
        (
            (None, None, None),
            ("12", "not_rated", date(2026, 1, 5)),
            "late return",
            "WAS-01 Recycling, 2025/26 P5: reported no value; restated 12 Not rated on 5 January 2026: late return",
        ),
    ],
)
def test_restatement_sentence(
    reported: tuple[str | None, str | None, date | None],
    restated: tuple[str | None, str | None, date],
    reason: str,
    sentence: str,
) -> None:
    assert restatement_sentence("WAS-01 Recycling", "2025/26 P5", reported, restated, reason) == sentence


@given(st.text(min_size=1, max_size=30), st.dates(), st.dates())
def test_a_restatement_names_both_sides_and_its_reason(reason: str, reported_on: date, restated_on: date) -> None:
    sentence = restatement_sentence("K", "P", ("1", "red", reported_on), ("2", "green", restated_on), reason)
    assert "reported 1 Red" in sentence
    assert "restated 2 Green" in sentence
    assert sentence.endswith(reason.rstrip("."))
