"""Escalation: when a KPI needs an intervention, when one may close, and what the monthly review sees.

Seed 001_ec6bae7b38cacc6f.txt, Appendix F: a KPI Intervention Form is filled in "when Performance is
below expectations and not considered a temporary lapse". "Below expectations" is Red (beyond the
intervention level); "not a temporary lapse" is read, by default, as any of:

* Red for ``consecutive_red_periods`` periods in a row (default 2);
* forecast to end the year Red, once the year is ``forecast_red_from_month`` months in (default 6:
  from the half-year, when a forecast rests on enough of the year);
* Red now with an SPC special cause of concern (a signal that this is not noise).

Periods with no value (Missing) are passed over: they neither count towards nor break a run of Red.
An open intervention may close when the KPI has been within tolerance (Green or Amber) for
``periods_in_tolerance_to_close`` periods in a row (default 3, the three months of progress the form
tracks); a Missing period does not count as recovery.

The highlights-and-exceptions review (seed 002_100bfcfd0ab8e4e8.txt: the Performance Improvement
Board reviews "'highlights' of good performance and 'exceptions' of underperformance") classes a KPI
as an *exception* when it is Red, Amber and worsening, Missing, or shows a special cause of concern;
as a *highlight* when it is Green and improving or shows a special cause of improvement; an exception
outranks a highlight. A KPI with an open KPI Intervention Form stays among the exceptions until the
form closes: the board follows how it is being addressed. Every decision carries its reasons in
words a scrutiny panel can read.

Thresholds are set per organisation (:class:`EscalationConfig`) and may be overridden per KPI
(:class:`EscalationOverrides`, merged by :func:`resolve_escalation_config`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from enum import StrEnum

from pmf_api.domain.direction import Direction
from pmf_api.domain.errors import InvalidValue
from pmf_api.domain.periods import Period
from pmf_api.domain.rag import Rag
from pmf_api.domain.spc import Variation


@dataclass(frozen=True, slots=True)
class EscalationConfig:
    consecutive_red_periods: int = 2
    forecast_red_from_month: int = 6
    forecast_red_escalates: bool = True
    spc_concern_while_red_escalates: bool = True
    periods_in_tolerance_to_close: int = 3
    amber_and_worsening_is_exception: bool = True

    def __post_init__(self) -> None:
        if self.consecutive_red_periods < 1:
            raise InvalidValue("At least one Red period is needed to escalate.", field="consecutive_red_periods")
        if not 1 <= self.forecast_red_from_month <= 12:
            raise InvalidValue("The forecast point must be a month from 1 to 12.", field="forecast_red_from_month")
        if self.periods_in_tolerance_to_close < 1:
            raise InvalidValue("At least one period is needed to close.", field="periods_in_tolerance_to_close")


@dataclass(frozen=True, slots=True)
class EscalationOverrides:
    """Per-KPI changes to the organisation's escalation thresholds (``None`` keeps the organisation's)."""

    consecutive_red_periods: int | None = None
    forecast_red_from_month: int | None = None
    forecast_red_escalates: bool | None = None
    spc_concern_while_red_escalates: bool | None = None
    periods_in_tolerance_to_close: int | None = None
    amber_and_worsening_is_exception: bool | None = None


def resolve_escalation_config(
    organisation: EscalationConfig, kpi: EscalationOverrides | None = None
) -> EscalationConfig:
    """The organisation's thresholds with the KPI's overrides applied."""
    if kpi is None:
        return organisation
    changes = {f.name: getattr(kpi, f.name) for f in fields(kpi) if getattr(kpi, f.name) is not None}
    return replace(organisation, **changes)


@dataclass(frozen=True, slots=True)
class Decision:
    """A yes/no decision and the reasons that produced it."""

    required: bool
    reasons: tuple[str, ...]


class ReviewCategory(StrEnum):
    EXCEPTION = "exception"
    HIGHLIGHT = "highlight"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class ReviewClassification:
    category: ReviewCategory
    reasons: tuple[str, ...]


def _label(period: Period) -> str:
    return str(period)


def needs_intervention(
    rag_history: Sequence[tuple[Period, Rag | None]],
    *,
    forecast_rag: Rag | None = None,
    variation: Variation | None = None,
    config: EscalationConfig = EscalationConfig(),
) -> Decision:
    """Whether the KPI needs an intervention now.

    ``rag_history`` is oldest first and ends with the current period.
    """
    if not rag_history:
        return Decision(False, ("No periods have been assessed yet.",))
    current_period, current_rag = rag_history[-1]
    reasons: list[str] = []
    red_run: list[Period] = []
    for period, rag in reversed(rag_history):
        if rag is Rag.MISSING:
            continue
        if rag is not Rag.RED:
            break
        red_run.append(period)
    if len(red_run) >= config.consecutive_red_periods:
        periods = ", ".join(_label(p) for p in reversed(red_run))
        reasons.append(
            f"Red (beyond the intervention level) for {len(red_run)} periods in a row ({periods}); "
            f"the threshold is {config.consecutive_red_periods}."
        )
    if (
        config.forecast_red_escalates
        and forecast_rag is Rag.RED
        and current_period.last_month_index >= config.forecast_red_from_month
    ):
        reasons.append(
            f"Forecast to end the year Red, and the year is {current_period.last_month_index} months in "
            f"(forecasts count from month {config.forecast_red_from_month})."
        )
    if config.spc_concern_while_red_escalates and current_rag is Rag.RED and variation is Variation.CONCERN:
        reasons.append("Red now, with a statistical signal of concern: this is not ordinary variation.")
    if reasons:
        return Decision(True, tuple(reasons))
    if red_run:
        return Decision(
            False,
            (
                f"Red for {len(red_run)} period(s), fewer than the {config.consecutive_red_periods} "
                "that show it is more than a temporary lapse.",
            ),
        )
    return Decision(False, ("Not Red: within tolerance or without a target.",))


def may_close_intervention(
    rag_history: Sequence[tuple[Period, Rag | None]], *, config: EscalationConfig = EscalationConfig()
) -> Decision:
    """Whether an open intervention may close: within tolerance for the last M periods."""
    needed = config.periods_in_tolerance_to_close
    recent = list(rag_history[-needed:])
    recovered = [p for p, rag in recent if rag in (Rag.GREEN, Rag.AMBER)]
    if len(recent) == needed and len(recovered) == needed:
        periods = ", ".join(_label(p) for p in recovered)
        return Decision(True, (f"Within tolerance (Green or Amber) for {needed} periods in a row ({periods}).",))
    return Decision(
        False,
        (f"Not yet within tolerance for {needed} periods in a row; {len(recovered)} of the last {len(recent)} were.",),
    )


INTERVENTION_OPEN_REASON = "A KPI Intervention Form is open: the KPI stays an exception until the form closes."

AWAITING_VALIDATION_REASON = (
    "Awaiting validation: a value has been submitted but is not validated yet, so it is not rated."
)


def classify_for_review(
    rag: Rag | None,
    direction: Direction,
    variation: Variation | None = None,
    *,
    config: EscalationConfig = EscalationConfig(),
    awaiting_validation: bool = False,
    intervention_open: bool = False,
) -> ReviewClassification:
    """Highlight, exception or neither, for the monthly review (seed 002_100bfcfd0ab8e4e8.txt).

    ``awaiting_validation``: the period's value was sent but is not validated yet, so it has no RAG;
    the reasons say so rather than calling it Missing. ``intervention_open``: a KPI Intervention
    Form is open (seed 001, Appendix F), which keeps the KPI among the exceptions."""
    exceptions: list[str] = []
    highlights: list[str] = []
    waiting = (AWAITING_VALIDATION_REASON,) if awaiting_validation and rag is None else ()
    if rag is Rag.RED:
        exceptions.append("Red: beyond the intervention level.")
    elif rag is Rag.MISSING:
        exceptions.append("Missing: the value was due and has not been submitted.")
    elif rag is Rag.AMBER and direction is Direction.WORSENING and config.amber_and_worsening_is_exception:
        exceptions.append("Amber and worse than last period.")
    elif rag is Rag.GREEN and direction is Direction.IMPROVING:
        highlights.append("Green and better than last period.")
    if variation is Variation.CONCERN:
        exceptions.append("A statistical signal of concern (special cause variation).")
    if intervention_open:
        exceptions.append(INTERVENTION_OPEN_REASON)
    elif variation is Variation.IMPROVEMENT:
        highlights.append("A statistical signal of improvement (special cause variation).")
    if exceptions:
        return ReviewClassification(ReviewCategory.EXCEPTION, (*waiting, *exceptions, *highlights))
    if highlights:
        return ReviewClassification(ReviewCategory.HIGHLIGHT, (*waiting, *highlights))
    return ReviewClassification(ReviewCategory.NONE, waiting or ("Neither a highlight nor an exception.",))
