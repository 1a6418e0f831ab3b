from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest

from pmf_api.domain import (
    Aggregation,
    Assurance,
    EvaluationConfig,
    FinancialYear,
    Flag,
    KpiDefinition,
    KpiTarget,
    Observation,
    Period,
    Polarity,
    Rag,
    ReviewCategory,
    Severity,
    Tolerance,
    ToleranceKind,
    Unit,
    check_submission,
    evaluate_kpi,
    process_limits,
)
from pmf_api.domain.escalation import AWAITING_VALIDATION_REASON
from pmf_api.domain.forecast import Forecast, ForecastMethod
from tests.unit.domain.builders import d, months

P = Period.month
PERCENT_KPI = KpiDefinition("PCT", Polarity.HIGHER_IS_BETTER, unit=Unit.PERCENTAGE, aggregation=Aggregation.RATIO)
COUNT_KPI = KpiDefinition("CNT", Polarity.HIGHER_IS_BETTER, unit=Unit.COUNT)


def codes(flags: list[Flag]) -> list[str]:
    return [flag.code for flag in flags]


@pytest.mark.parametrize(
    ("definition", "observation", "kwargs", "expected"),
    [
        (COUNT_KPI, Observation(P("2025/26", 1)), {}, ["missing_value"]),
        (
            PERCENT_KPI,
            Observation(P("2025/26", 1), numerator=d(5), denominator=d(0)),
            {},
            ["denominator_not_positive"],
        ),
        (
            PERCENT_KPI,
            Observation(P("2025/26", 1), numerator=d(11), denominator=d(10)),
            {},
            ["numerator_exceeds_denominator", "percentage_out_of_range"],
        ),
        (
            KpiDefinition("P", Polarity.HIGHER_IS_BETTER, unit=Unit.PERCENTAGE),
            Observation(P("2025/26", 1), value=d(-1)),
            {},
            ["percentage_out_of_range"],
        ),
        (COUNT_KPI, Observation(P("2025/26", 1), value=d(-1)), {}, ["negative_count"]),
        (
            COUNT_KPI,
            Observation(P("2025/26", 1), value=d(50)),
            {"expected_range": (d(60), None)},
            ["outside_expected_range"],
        ),
        (
            COUNT_KPI,
            Observation(P("2025/26", 1), value=d(50)),
            {"expected_range": (None, d(40))},
            ["outside_expected_range"],
        ),
        (COUNT_KPI, Observation(P("2025/26", 1), value=d(50)), {"expected_range": (d(40), d(60))}, []),
        (
            COUNT_KPI,
            Observation(P("2025/26", 1), value=d(50)),
            {"process_limits": process_limits([d(10), d(12)] * 6)},
            ["outside_process_limits"],
        ),
        (
            COUNT_KPI,
            Observation(P("2025/26", 4), value=d(50)),
            {"history": months(2025, [10, 12, 10])},
            ["unusual_jump"],
        ),
        (COUNT_KPI, Observation(P("2025/26", 4), value=d(12)), {"history": months(2025, [10, 12, 10])}, []),
        (COUNT_KPI, Observation(P("2025/26", 1), value=d(5)), {"rag": Rag.RED}, ["missing_comment"]),
        (COUNT_KPI, Observation(P("2025/26", 1), value=d(5)), {"rag": Rag.AMBER}, ["missing_comment"]),
        (COUNT_KPI, Observation(P("2025/26", 1), value=d(5)), {"rag": Rag.GREEN}, []),
    ],
)
def test_sense_checks(
    definition: KpiDefinition, observation: Observation, kwargs: dict[str, object], expected: list[str]
) -> None:
    flags = check_submission(definition, observation, **kwargs)  # type: ignore[arg-type]
    assert codes(flags) == expected
    assert all(flag.message and isinstance(flag.severity, Severity) for flag in flags)


def test_short_red_comment() -> None:
    history = [
        Observation(P("2025/26", i), value=d(10), comment="A full explanation of the month's performance.")
        for i in (1, 2, 3)
    ]
    short = Observation(P("2025/26", 4), value=d(10), comment="Bad month.")
    assert codes(check_submission(COUNT_KPI, short, history=history, rag=Rag.RED)) == ["short_comment"]
    long = Observation(P("2025/26", 4), value=d(10), comment=history[0].comment)
    assert check_submission(COUNT_KPI, long, history=history, rag=Rag.RED) == []


def test_forecast_out_of_line_flag() -> None:
    forecast = Forecast(ForecastMethod.RUN_RATE, d(100), d(90), d(110), None, d(200), True, "")
    flags = check_submission(COUNT_KPI, Observation(P("2025/26", 1), value=d(5)), forecast=forecast)
    assert codes(flags) == ["forecast_out_of_line"]
    assert flags[0].severity is Severity.WARNING


def sum_kpi_history() -> list[Observation]:
    return [o for year in (2023, 2024) for o in months(year, [100] * 12)] + months(2025, [100, 100, 70, 60])


def test_evaluate_cumulative_kpi() -> None:
    target = KpiTarget(d(1200), Tolerance(ToleranceKind.PERCENTAGE, d(5)))
    evaluation = evaluate_kpi(COUNT_KPI, sum_kpi_history(), target, P("2025/26", 4), date(2025, 8, 20))
    # YTD 330 against a profiled 400 (intervention level 380): Red.
    assert (
        evaluation.status.judged_value,
        evaluation.status.target,
        evaluation.status.intervention_level,
    ) == (
        d(330),
        d(400),
        d(380),
    )
    assert evaluation.rag is Rag.RED
    assert evaluation.year_to_date.value == d(330)
    assert evaluation.escalation.required  # Red at P3 (YTD 270 < 285) and P4
    assert evaluation.review.category is ReviewCategory.EXCEPTION
    assert evaluation.forecast is not None and evaluation.forecast.rag is Rag.RED
    assert evaluation.spc is not None and evaluation.spc.sufficient_data
    assert "missing_comment" in [flag.code for flag in evaluation.flags]
    assert evaluation.closure is None


def test_evaluate_level_kpi_with_targets_by_year_and_missing_value() -> None:
    definition = KpiDefinition("LVL", Polarity.LOWER_IS_BETTER, aggregation=Aggregation.AVERAGE, decimal_places=1)
    targets = {
        FinancialYear(2024): KpiTarget(d(10), Tolerance(ToleranceKind.ABSOLUTE, d(2))),
        FinancialYear(2025): KpiTarget(d(10), Tolerance(ToleranceKind.ABSOLUTE, d(2))),
    }
    observations = months(2024, [9] * 12) + months(2025, [11, 13])
    due = evaluate_kpi(definition, observations, targets, P("2025/26", 3), date(2025, 7, 20), intervention_open=True)
    assert due.status.rag is Rag.MISSING
    assert due.closure is not None and not due.closure.required
    assert due.flags == ()
    not_yet = evaluate_kpi(definition, observations, targets, P("2025/26", 3), date(2025, 7, 1))
    assert not_yet.rag is None
    amber = evaluate_kpi(definition, observations, targets, P("2025/26", 1), date(2025, 6, 1))
    assert amber.rag is Rag.AMBER
    assert amber.direction.against_last_year.value == "worsening"
    assert amber.spc is not None and amber.spc.assurance is Assurance.CONSISTENTLY_PASS


def test_evaluate_ratio_kpi_and_no_target() -> None:
    observations = [Observation(P("2025/26", i), numerator=d(90), denominator=d(100), comment="ok") for i in (1, 2)]
    config = EvaluationConfig(submission_due_days=0)
    with_target = evaluate_kpi(
        KpiDefinition(
            "R",
            Polarity.HIGHER_IS_BETTER,
            unit=Unit.PERCENTAGE,
            aggregation=Aggregation.RATIO,
            rag_on_ytd=True,
        ),
        observations,
        KpiTarget(d(90)),
        P("2025/26", 2),
        date(2025, 6, 1),
        config=config,
    )
    assert with_target.rag is Rag.GREEN and with_target.value == d(90)
    no_target = evaluate_kpi(PERCENT_KPI, observations[:1], None, P("2025/26", 1), date(2025, 6, 1))
    assert no_target.rag is None and no_target.spc is None
    banded = evaluate_kpi(
        KpiDefinition("B", Polarity.WITHIN_BAND),
        months(2025, [3]),
        KpiTarget(None, band_lower=d(2), band_upper=d(4)),
        P("2025/26", 1),
        date(2025, 6, 1),
    )
    assert banded.rag is Rag.GREEN


def test_domain_imports_no_web_framework() -> None:
    modules = [
        "actions",
        "direction",
        "errors",
        "escalation",
        "evaluation",
        "forecast",
        "kpi",
        "periods",
        "rag",
        "risk",
        "spc",
        "validation",
        "workflow",
        "ytd",
    ]
    script = (
        "import sys\n"
        + "".join(f"import pmf_api.domain.{name}\n" for name in modules)
        + "import pmf_api.domain\n"
        + "frameworks = {'fastapi', 'sqlalchemy', 'pydantic', 'starlette'}\n"
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in frameworks)\n"
        + "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_every_public_name_is_exported() -> None:
    import pmf_api.domain as domain

    assert all(hasattr(domain, name) for name in domain.__all__)
    assert domain.__doc__ is not None and "evaluate_kpi" in domain.__doc__
    assert Decimal  # measured values are Decimals throughout


def test_definition_checks_and_scale() -> None:
    from pmf_api.domain import DomainError, InvalidValue

    with pytest.raises(InvalidValue):
        KpiDefinition("X", Polarity.HIGHER_IS_BETTER, decimal_places=11)
    per_thousand = KpiDefinition("X", Polarity.HIGHER_IS_BETTER, ratio_scale=d(1000))
    assert Observation(P("2025/26", 1), numerator=d(1), denominator=d(4)).measured(per_thousand.scale) == d(250)
    assert repr(DomainError("Bad", field="value")) == "DomainError(message='Bad', field='value')"


def test_a_value_awaiting_validation_is_not_rated_and_not_missing() -> None:
    """Sent but not validated: no RAG (not Missing), a review reason that says so, and escalation
    passing over it as over a value not yet in (Red in P1 and P2 still needs an intervention)."""
    definition = KpiDefinition("LVL", Polarity.LOWER_IS_BETTER, aggregation=Aggregation.AVERAGE, decimal_places=1)
    target = KpiTarget(d(10), Tolerance(ToleranceKind.ABSOLUTE, d(2)))
    observations = months(2025, [13, 13])
    missing = evaluate_kpi(definition, observations, target, P("2025/26", 3), date(2025, 7, 20))
    waiting = evaluate_kpi(
        definition, observations, target, P("2025/26", 3), date(2025, 7, 20), awaiting_validation=True
    )
    assert missing.rag is Rag.MISSING and waiting.rag is None
    assert missing.review.category is ReviewCategory.EXCEPTION
    assert any(reason.startswith("Missing") for reason in missing.review.reasons)
    assert waiting.review.reasons[0] == AWAITING_VALIDATION_REASON
    assert not any(reason.startswith("Missing") for reason in waiting.review.reasons)
    assert waiting.escalation == missing.escalation and waiting.escalation.required
    assert (waiting.status.target, waiting.status.intervention_level) == (d(10), d(12))
    # Before the value would count as Missing it is not rated either way; the review still says why.
    early = evaluate_kpi(definition, observations, target, P("2025/26", 3), date(2025, 7, 2), awaiting_validation=True)
    assert early.rag is None and early.review.reasons == (AWAITING_VALIDATION_REASON,)
