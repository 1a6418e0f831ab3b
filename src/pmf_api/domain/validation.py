"""Sense-checks on a submission, shown to the performance team as flags.

Seed 001_ec6bae7b38cacc6f.txt, C.2.2 and Appendix E.1: values are "sense-checked by the performance
team" and comments "screened to ensure they are appropriate and descriptive". Each flag has a stable
snake_case ``code``, a ``severity`` (``error``: the value cannot be right as given; ``warning``:
worth a query; ``info``: for awareness) and a message. The checks and their codes:

========================================  ========  ==================================================
code                                      severity  when
========================================  ========  ==================================================
``missing_value``                         error     no value (nor numerator and denominator)
``percentage_out_of_range``               error     a percentage below 0 or above 100
``denominator_not_positive``              error     a ratio's denominator is zero or negative
``numerator_exceeds_denominator``         error     numerator above denominator for a percentage
``negative_count``                        error     a count below zero
``outside_expected_range``                warning   outside the range given in the DQT
``outside_process_limits``                warning   outside the SPC process limits
``unusual_jump``                          warning   the change from last period is more than
                                                    ``jump_factor`` (default 3) x the usual change
``missing_comment``                       error     Amber or Red without a comment
``short_comment``                         warning   a Red comment under ``short_comment_ratio``
                                                    (default half) of the owner's usual length
``forecast_out_of_line``                  warning   the owner's forecast is outside the 80% interval
                                                    of the forecast from the data
========================================  ========  ==================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from statistics import median

from pmf_api.domain.forecast import Forecast
from pmf_api.domain.kpi import Aggregation, KpiDefinition, Observation, Unit
from pmf_api.domain.rag import Rag
from pmf_api.domain.spc import SpcLimits, moving_ranges

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Flag:
    code: str
    severity: Severity
    message: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class ValidationConfig:
    jump_factor: Decimal = Decimal(3)
    min_history_for_jump: int = 3
    short_comment_ratio: Decimal = Decimal("0.5")
    min_comments_for_usual: int = 3


def check_submission(
    definition: KpiDefinition,
    observation: Observation,
    *,
    history: Sequence[Observation] = (),
    rag: Rag | None = None,
    expected_range: tuple[Decimal | None, Decimal | None] | None = None,
    process_limits: SpcLimits | None = None,
    forecast: Forecast | None = None,
    config: ValidationConfig = ValidationConfig(),
) -> list[Flag]:
    """Every flag raised by one submission; ``history`` holds earlier observations, oldest first."""
    scale = definition.scale
    previous = [v for v in (o.measured(scale) for o in history) if v is not None]
    return submission_flags(
        definition,
        observation,
        history=history,
        previous_values=previous,
        previous_ranges=moving_ranges(previous),
        rag=rag,
        expected_range=expected_range,
        process_limits=process_limits,
        forecast=forecast,
        config=config,
    )


def submission_flags(
    definition: KpiDefinition,
    observation: Observation,
    *,
    history: Sequence[Observation],
    previous_values: Sequence[Decimal],
    previous_ranges: Sequence[Decimal],
    rag: Rag | None,
    expected_range: tuple[Decimal | None, Decimal | None] | None,
    process_limits: SpcLimits | None,
    forecast: Forecast | None,
    config: ValidationConfig,
) -> list[Flag]:
    """:func:`check_submission` for a caller that already has the measured values of ``history``
    (``previous_values``: those not ``None``, oldest first) and their moving ranges, as
    :func:`~pmf_api.domain.evaluation.evaluate_kpi` has from the SPC chart."""
    flags: list[Flag] = []
    value = observation.measured(definition.scale)
    flags.extend(_check_ratio(definition, observation))
    if value is None:
        if not any(flag.code == "denominator_not_positive" for flag in flags):
            flags.append(Flag("missing_value", Severity.ERROR, "No value has been given for this period.", "value"))
    else:
        flags.extend(
            _check_value(definition, value, previous_values, previous_ranges, expected_range, process_limits, config)
        )
    flags.extend(_check_comment(observation, history, rag, config))
    if forecast is not None and forecast.owner_outside_interval:
        flags.append(
            Flag(
                "forecast_out_of_line",
                Severity.WARNING,
                f"The year-end forecast of {forecast.owner_forecast} is outside the range the data suggest "
                f"({forecast.lower} to {forecast.upper}).",
                "owner_forecast",
            )
        )
    return flags


def _check_ratio(definition: KpiDefinition, observation: Observation) -> list[Flag]:
    numerator, denominator = observation.numerator, observation.denominator
    if definition.aggregation is not Aggregation.RATIO or numerator is None or denominator is None:
        return []
    if denominator <= _ZERO:
        return [
            Flag(
                "denominator_not_positive",
                Severity.ERROR,
                f"The denominator is {denominator}; it must be above zero.",
                "denominator",
            )
        ]
    if definition.unit is Unit.PERCENTAGE and numerator > denominator:
        return [
            Flag(
                "numerator_exceeds_denominator",
                Severity.ERROR,
                f"The numerator ({numerator}) is larger than the denominator ({denominator}).",
                "numerator",
            )
        ]
    return []


def _check_value(
    definition: KpiDefinition,
    value: Decimal,
    previous: Sequence[Decimal],
    changes: Sequence[Decimal],
    expected_range: tuple[Decimal | None, Decimal | None] | None,
    process_limits: SpcLimits | None,
    config: ValidationConfig,
) -> list[Flag]:
    flags: list[Flag] = []
    if definition.unit is Unit.PERCENTAGE and not _ZERO <= value <= _HUNDRED:
        flags.append(Flag("percentage_out_of_range", Severity.ERROR, f"{value}% is not between 0 and 100.", "value"))
    if definition.unit is Unit.COUNT and value < _ZERO:
        flags.append(Flag("negative_count", Severity.ERROR, f"A count cannot be negative ({value}).", "value"))
    if expected_range is not None:
        low, high = expected_range
        if (low is not None and value < low) or (high is not None and value > high):
            flags.append(
                Flag(
                    "outside_expected_range",
                    Severity.WARNING,
                    f"{value} is outside the expected range ({low if low is not None else 'no minimum'} to "
                    f"{high if high is not None else 'no maximum'}).",
                    "value",
                )
            )
    if process_limits is not None and not (
        process_limits.lower_process_limit <= value <= process_limits.upper_process_limit
    ):
        flags.append(
            Flag(
                "outside_process_limits",
                Severity.WARNING,
                f"{value} is outside the process limits ({process_limits.lower_process_limit:.2f} to "
                f"{process_limits.upper_process_limit:.2f}): check it, and explain it if it is right.",
                "value",
            )
        )
    if len(previous) >= config.min_history_for_jump:
        usual = sum(changes, _ZERO) / len(changes)
        jump = abs(value - previous[-1])
        if jump > config.jump_factor * usual:
            flags.append(
                Flag(
                    "unusual_jump",
                    Severity.WARNING,
                    f"The change from last period ({previous[-1]} to {value}) is larger than usual "
                    f"(typically {usual:.2f}).",
                    "value",
                )
            )
    return flags


def _check_comment(
    observation: Observation, history: Sequence[Observation], rag: Rag | None, config: ValidationConfig
) -> list[Flag]:
    comment = observation.comment.strip()
    if rag in (Rag.AMBER, Rag.RED) and not comment:
        return [
            Flag(
                "missing_comment",
                Severity.ERROR,
                f"The value is {rag.value.title()}: a comment explaining what happened and why is needed.",
                "comment",
            )
        ]
    if rag is not Rag.RED:
        return []
    lengths = [length for o in history if (length := len(o.comment.strip()))]
    if len(lengths) >= config.min_comments_for_usual:
        usual = Decimal(median(lengths))
        if len(comment) < config.short_comment_ratio * usual:
            return [
                Flag(
                    "short_comment",
                    Severity.WARNING,
                    f"The comment on a Red value is {len(comment)} characters, much shorter than usual "
                    f"({usual} characters): say what caused it and what will be done.",
                    "comment",
                )
            ]
    return []
