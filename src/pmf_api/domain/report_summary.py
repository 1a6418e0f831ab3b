"""What a report says in words: RAG words, which KPIs are exceptions, and the plain-English
highlights and exceptions of the quarterly Corporate Performance Report and the monthly board pack
(seed 001_ec6bae7b38cacc6f.txt, C.2; seed 002's board reviews "highlights and exceptions").

Pure: figures arrive as the council shows them (strings at each KPI's decimal places); nothing
here reads the clock or a database, so the same lines always give the same sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

# RAG as a report shows it, in words beside its colour (never colour alone: WCAG 2.2, 1.4.1).
RAG_TEXT: dict[str, str] = {
    "green": "Green: on or better than target",
    "amber": "Amber: below target, within tolerance",
    "red": "Red: below the intervention level",
    "missing": "Missing: no value submitted",
    "not_rated": "Not rated: awaiting validation, not yet due or without a target",
}

ACTION_RAG_TEXT: dict[str, str] = {
    "green": "Green: on track",
    "amber": "Amber: at risk of slipping",
    "red": "Red: off track",
    "missing": "Missing: no update for the quarter",
    "not_rated": "Not rated: no update for the quarter",
}

RISK_RAG_TEXT: dict[str, str] = {
    "green": "Green: low residual risk",
    "amber": "Amber: medium residual risk",
    "red": "Red: high residual risk",
    "missing": "Missing: not scored",
    "not_rated": "Not rated",
}

# How a unit's figure is written after the number ("41.2%", "12 days").
UNIT_SUFFIX: dict[str, str] = {"percentage": "%", "days": " days", "weeks": " weeks", "hours": " hours"}

# Months of improvement in a row worth a highlight (SPC's trend rule: six points).
IMPROVING_RUN = 6


def rag_word(rag: str | None, value_state: str) -> str:
    """The report's RAG word for a KPI: its RAG; with none, 'missing' when its value is missing,
    else 'not_rated' (awaiting validation, not yet due, or no target)."""
    if rag is not None:
        return rag
    return "missing" if value_state == "missing" else "not_rated"


def with_unit(figure: str | None, unit: str) -> str | None:
    """A shown figure with its unit: '41.2' in percentage is '41.2%'; currency is in pounds."""
    if figure is None:
        return None
    if unit == "currency":
        return f"£{figure}"
    return figure + UNIT_SUFFIX.get(unit, "")


@dataclass(frozen=True)
class KpiLine:
    """What the summary needs of one KPI in the snapshot's period."""

    code: str
    title: str
    rag: str  # a RAG word (``rag_word``)
    value: str | None = None  # with its unit (``with_unit``)
    target: str | None = None
    variation: str | None = None  # SPC variation: common_cause, improvement, concern, neutral
    improving_run: int = 0  # periods in a row each better than the one before (``improving_run``)
    needs_intervention: bool = False
    queried: bool = False
    period_word: str = "months"


def improving_run(values: Sequence[float | None], higher_is_better: bool) -> int:
    """How many periods in a row, up to the latest, were each better than the one before (a gap
    or a change the wrong way ends the run)."""
    run = 0
    for later, earlier in zip(reversed(values[1:]), reversed(values[:-1]), strict=True):
        if later is None or earlier is None:
            break
        better = later > earlier if higher_is_better else later < earlier
        if not better:
            break
        run += 1
    return run


def is_exception(line: KpiLine) -> bool:
    """A KPI the report lists as an exception: Red, missing, needing intervention, or showing
    special-cause concern."""
    return line.rag in ("red", "missing") or line.needs_intervention or line.variation == "concern"


def _figures(line: KpiLine) -> str:
    if line.value is None:
        return ""
    if line.target is None:
        return f" ({line.value})"
    return f" ({line.value}, target {line.target})"


def _named(lines: Sequence[KpiLine], with_figures: bool) -> str:
    return "; ".join(f"{line.code} {line.title}" + (_figures(line) if with_figures else "") for line in lines)


def _count(lines: Sequence[KpiLine], total: int, what: str) -> str:
    verb = "is" if len(lines) == 1 else "are"
    return f"{len(lines)} of {total} KPIs {verb} {what}"


def highlights(lines: Sequence[KpiLine]) -> list[str]:
    """What went well, in sentences: how many are Green, and the KPIs improving in a run or with
    special-cause improvement."""
    total = len(lines)
    sentences: list[str] = []
    green = [line for line in lines if line.rag == "green"]
    if green:
        sentences.append(_count(green, total, "Green (on or better than target)") + ".")
    for line in lines:
        improving = line.variation == "improvement"
        if line.improving_run >= IMPROVING_RUN:
            cause = " (SPC special cause: improvement)" if improving else ""
            sentences.append(f"{line.code} has improved for {line.improving_run} {line.period_word} in a row{cause}.")
        elif improving:
            sentences.append(f"{line.code} {line.title} shows special-cause improvement on its SPC chart.")
    return sentences


def exceptions(lines: Sequence[KpiLine]) -> list[str]:
    """What needs attention, in sentences: Red, missing, needing intervention, queried, concern."""
    total = len(lines)
    sentences: list[str] = []
    red = [line for line in lines if line.rag == "red"]
    if red:
        sentences.append(_count(red, total, "Red") + ": " + _named(red, with_figures=True) + ".")
    missing = [line for line in lines if line.rag == "missing"]
    if missing:
        sentences.append(_count(missing, total, "missing a value") + ": " + _named(missing, with_figures=False) + ".")
    intervention = [line for line in lines if line.needs_intervention]
    if intervention:
        sentences.append(
            _count(intervention, total, "recommended for a KPI Intervention Form")
            + ": "
            + _named(intervention, with_figures=False)
            + "."
        )
    queried = [line for line in lines if line.queried]
    if queried:
        sentences.append(_count(queried, total, "queried") + ": " + _named(queried, with_figures=False) + ".")
    for line in lines:
        if line.variation == "concern":
            sentences.append(f"{line.code} {line.title} shows special-cause concern on its SPC chart.")
    return sentences


@dataclass(frozen=True)
class ChartFacts:
    """What a KPI's trend chart shows, for its text alternative."""

    code: str
    points: int
    period_word: str  # months, quarters, years
    first: str | None
    last: str | None
    latest: str | None  # with its unit
    target: str | None
    lower_limit: str | None = None
    upper_limit: str | None = None
    latest_within_limits: bool | None = None


def chart_alt(facts: ChartFacts) -> str:
    """'Trend of WAS-01 over 36 months from 2023/24 P7 to 2026/27 P6: latest 48.5% against a target of
    50.0%; within process limits 44.1 to 53.3.'"""
    if facts.points == 0 or facts.first is None or facts.last is None:
        return f"Trend of {facts.code}: no values counted yet."
    text = f"Trend of {facts.code} over {facts.points} {facts.period_word} from {facts.first} to {facts.last}"
    latest = "no value for the latest period" if facts.latest is None else f"latest {facts.latest}"
    text += f": {latest}"
    text += " with no target" if facts.target is None else f" against a target of {facts.target}"
    if facts.lower_limit is not None and facts.upper_limit is not None:
        where = "outside" if facts.latest_within_limits is False else "within"
        text += f"; {where} process limits {facts.lower_limit} to {facts.upper_limit}"
    return text + "."


def _figure_with_rag(figure: str | None, rag: str | None) -> str:
    shown_figure = "no value" if figure is None else figure
    return shown_figure if rag is None else f"{shown_figure} {rag.replace('_', ' ').capitalize()}"


def _on(day: date | None) -> str:
    return "" if day is None else f" on {day.day} {day:%B %Y}"


def restatement_sentence(
    kpi: str,
    period: str,
    reported: tuple[str | None, str | None, date | None],
    restated: tuple[str | None, str | None, date],
    reason: str,
) -> str:
    """A restatement in one sentence, each side its (figure, RAG word, day): "WAS-01 Household waste
    recycled, 2025/26 P5: reported 45.2% Green on 15 July 2025; restated 44.1% Amber on 2 September
    2025: source system corrected" (issue 13: a correction is a visible restatement, never silent)."""
    before = _figure_with_rag(reported[0], reported[1]) + _on(reported[2])
    after = _figure_with_rag(restated[0], restated[1]) + _on(restated[2])
    return f"{kpi}, {period}: reported {before}; restated {after}: {reason.rstrip('.')}"
