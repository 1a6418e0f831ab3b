"""One KPI, action, risk or challenge of a snapshot's content as the report document shows it:
figures at the KPI's decimal places with their unit, RAG in words, SPC icons in words, the
trend chart's text alternative (``domain.report_summary``). Pure, like ``reporting.building``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, cast

from pmf_api.domain.rag import round_half_up
from pmf_api.domain.report_summary import (
    ACTION_RAG_TEXT,
    RAG_TEXT,
    RISK_RAG_TEXT,
    ChartFacts,
    KpiLine,
    chart_alt,
    improving_run,
    rag_word,
    with_unit,
)
from pmf_api.reporting.document import (
    HistoryPoint,
    RagCounts,
    RagWord,
    ReportAction,
    ReportChallenge,
    ReportKpi,
    ReportMilestone,
    ReportQuestion,
    ReportRisk,
)

Json = dict[str, Any]

PERIOD_WORDS = {"monthly": "months", "quarterly": "quarters", "annual": "years"}


# --- KPIs ------------------------------------------------------------------------------------


def words(value: str | None) -> str | None:
    """An enum value as words: 'hit_and_miss' is 'hit and miss'."""
    return None if value is None else value.replace("_", " ")


def _variation(value: str | None) -> str | None:
    if value is None:
        return None
    return "common cause" if value == "common_cause" else f"special cause: {value}"


def _places(value: float | int | None, decimal_places: int) -> str | None:
    if value is None:
        return None
    return format(round_half_up(Decimal(str(value)), decimal_places), "f")


def _rag(value: str | None) -> RagWord | None:
    return cast(RagWord, value) if value is not None else None


def _limit(value: float | int | None) -> float | None:
    return None if value is None else float(value)


def report_kpi(kpi: Json) -> ReportKpi:
    status: Json = kpi["status"]
    unit: str = status["unit"]
    places: int = status["decimal_places"]
    display: Json = status["display"]
    word = rag_word(status["rag"], status["value_state"])
    forecast: Json | None = status["forecast"]
    spc: Json | None = status["spc"]
    history = [HistoryPoint.model_validate(point) for point in kpi["history"]]
    period_word = PERIOD_WORDS[status["frequency"]]
    lower = None if spc is None else _limit(spc["lower_process_limit"])
    upper = None if spc is None else _limit(spc["upper_process_limit"])
    value = status["value"]
    within = None if value is None or lower is None or upper is None else lower <= float(value) <= upper
    # A snapshot frozen before benchmarking has no benchmark in its statuses
    benchmark: Json | None = status.get("benchmark")
    alt = chart_alt(
        ChartFacts(
            code=status["kpi_code"],
            points=len(history),
            period_word=period_word,
            first=history[0].period if history else None,
            last=history[-1].period if history else None,
            latest=with_unit(display["value"], unit),
            target=with_unit(display["target"], unit),
            lower_limit=_places(lower, places),
            upper_limit=_places(upper, places),
            latest_within_limits=within,
        )
    )
    return ReportKpi(
        kpi_id=status["kpi_id"],
        code=status["kpi_code"],
        title=status["kpi_title"],
        unit=unit,
        polarity=status["polarity"],
        frequency=status["frequency"],
        period=status["period"],
        service=kpi["service"],
        directorate=kpi["directorate"],
        portfolio=kpi["portfolio"],
        priority=kpi["priority"],
        outcome=kpi["outcome"],
        owner=kpi["owner"],
        value=with_unit(display["value"], unit),
        target=with_unit(display["target"], unit),
        intervention_level=with_unit(display["intervention_level"], unit),
        rag=cast(RagWord, word),
        rag_text=RAG_TEXT[word],
        ytd_value=with_unit(display["ytd_value"], unit),
        ytd_target=with_unit(display["ytd_target"], unit),
        ytd_rag=_rag(status["ytd_rag"]),
        direction_against_previous=words(status["direction_against_previous"]),
        direction_against_last_year=words(status["direction_against_last_year"]),
        variation=_variation(status["variation"]),
        assurance=words(status["assurance"]),
        forecast_outturn=None if forecast is None else with_unit(_places(forecast["outturn"], places), unit),
        forecast_rag=_rag(status["forecast_rag"]),
        needs_intervention=status["needs_intervention"],
        value_state=status["value_state"],
        submission_state=status["submission_state"],
        queried=kpi["queried"],
        flags=[flag["message"] for flag in status["flags"]],
        commentary=kpi["commentary"],
        history=history,
        process_mean=None if spc is None else _limit(spc["mean"]),
        lower_process_limit=lower,
        upper_process_limit=upper,
        chart_alt=alt,
        **benchmark_fields(benchmark, unit, places),
    )


def benchmark_fields(benchmark: Json | None, unit: str, places: int) -> Json:
    """The KPI's headline benchmark position as the report shows it: in words, and its figures."""
    if benchmark is None:
        return {}
    return {
        "benchmark": benchmark["in_words"],
        "benchmark_period": benchmark["period"],
        "benchmark_rank": benchmark["rank"],
        "benchmark_compared": benchmark["compared"],
        "benchmark_quartile": benchmark["quartile"],
        "benchmark_median": with_unit(_places(benchmark["median"], places), unit),
        "benchmark_best_quartile": with_unit(_places(benchmark["best_quartile"], places), unit),
        "benchmark_distance_to_best_quartile": with_unit(_places(benchmark["distance_to_best_quartile"], places), unit),
    }


def line_of(kpi: Json, shown: ReportKpi) -> KpiLine:
    polarity = shown.polarity
    run = 0
    if polarity != "within_band":
        run = improving_run([point.value for point in shown.history], polarity == "higher_is_better")
    return KpiLine(
        code=shown.code,
        title=shown.title,
        rag=shown.rag,
        value=shown.value,
        target=shown.target,
        variation=kpi["status"]["variation"],
        improving_run=run,
        needs_intervention=shown.needs_intervention,
        queried=shown.queried,
        period_word=PERIOD_WORDS[shown.frequency],
    )


def counts(label: str, rags: Iterable[str]) -> RagCounts:
    counts = RagCounts(label=label)
    for rag in rags:
        setattr(counts, rag, getattr(counts, rag) + 1)
    return counts


# --- Actions, risks, interventions, challenges ---------------------------------------------


def report_action(action: Json) -> ReportAction:
    update: Json | None = action["update"]
    word = "not_rated" if update is None else update["rag"]
    return ReportAction(
        action_id=action["action_id"],
        reference=action["code"],
        title=action["title"],
        category=action["category"],
        service=action["service"],
        directorate=action["directorate"],
        priority=action["priority"],
        outcome=action["outcome"],
        rag=word,
        rag_text=ACTION_RAG_TEXT[word],
        progress=None if update is None else update["progress"],
        status=words(action["status"]),
        commentary=None if update is None else update["commentary"],
        update_state=None if update is None else update["state"],
        milestones=[
            ReportMilestone(
                title=milestone["title"],
                due_date=milestone.get("due_date"),
                state=words(milestone["state"]) or "",
                late=bool(milestone.get("late")),
            )
            for milestone in action["milestones"]
        ],
    )


def report_risk(risk: Json, owner: str | None) -> ReportRisk:
    word = risk["residual_rag"]
    return ReportRisk(
        risk_id=risk["risk_id"],
        reference=risk["code"],
        title=risk["title"],
        register_name=risk["register"],
        owner=owner,
        residual_score=risk["residual_score"],
        rag=word,
        rag_text=RISK_RAG_TEXT[word],
        trend=risk["trend"],
        next_review=risk["next_review_due"],
        review_overdue=risk["review_overdue"],
    )


def subjects_of(content: Json) -> dict[str, str]:
    """What a challenge may be about, in words, by id."""
    found = {
        kpi["status"]["kpi_id"]: f"KPI {kpi['status']['kpi_code']} {kpi['status']['kpi_title']}"
        for kpi in content["kpis"]
    }
    found |= {action["action_id"]: f"Action {action['code']} {action['title']}" for action in content["actions"]}
    found |= {risk["risk_id"]: f"Risk {risk['code']} {risk['title']}" for risk in content["risks"]}
    return found


def report_challenge(challenge: Json, subjects: Mapping[str, str]) -> ReportChallenge:
    subject = subjects.get(challenge["subject_id"] or "") or challenge["title"]
    return ReportChallenge(
        challenge_id=challenge["challenge_id"],
        subject=subject,
        raised_by=challenge["raised_by"],
        meeting=challenge["meeting"] or challenge["panel"],
        raised_on=challenge["raised_on"],
        state=words(challenge["state"]) or "",
        questions=[ReportQuestion.model_validate(question) for question in challenge["questions"]],
    )
