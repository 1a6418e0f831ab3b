"""A report's tables as rows of cells: what the XLSX (a sheet each) and the CSV are made of.

Cells are texts as the document gives them (figures at each KPI's decimal places, with their units),
whole numbers, booleans as "yes"/"no", dates in ISO 8601, and None for an empty cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pmf_api.reporting.document import RagCounts, ReportDocument, ReportKpi


@dataclass(frozen=True)
class Table:
    name: str  # a worksheet's name: at most 31 characters, none of []:*?/\
    title: str
    columns: Sequence[str]
    rows: list[list[Any]]


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


KPI_COLUMNS = (
    "priority",
    "outcome",
    "code",
    "title",
    "directorate",
    "service",
    "portfolio",
    "owner",
    "frequency",
    "period",
    "unit",
    "polarity",
    "value",
    "target",
    "intervention_level",
    "rag",
    "rag_text",
    "ytd_value",
    "ytd_target",
    "ytd_rag",
    "direction_against_previous",
    "direction_against_last_year",
    "variation",
    "assurance",
    "forecast_outturn",
    "forecast_rag",
    "needs_intervention",
    "value_state",
    "submission_state",
    "queried",
    "flags",
    "commentary",
    "benchmark",
    "benchmark_period",
    "benchmark_rank",
    "benchmark_compared",
    "benchmark_quartile",
    "benchmark_median",
    "benchmark_best_quartile",
    "benchmark_distance_to_best_quartile",
)


def kpi_row(kpi: ReportKpi) -> list[Any]:
    return [
        kpi.priority,
        kpi.outcome,
        kpi.code,
        kpi.title,
        kpi.directorate,
        kpi.service,
        kpi.portfolio,
        kpi.owner,
        kpi.frequency,
        kpi.period,
        kpi.unit,
        kpi.polarity,
        kpi.value,
        kpi.target,
        kpi.intervention_level,
        kpi.rag,
        kpi.rag_text,
        kpi.ytd_value,
        kpi.ytd_target,
        kpi.ytd_rag,
        kpi.direction_against_previous,
        kpi.direction_against_last_year,
        kpi.variation,
        kpi.assurance,
        kpi.forecast_outturn,
        kpi.forecast_rag,
        _yes(kpi.needs_intervention),
        kpi.value_state,
        kpi.submission_state,
        _yes(kpi.queried),
        "; ".join(kpi.flags) or None,
        kpi.commentary,
        kpi.benchmark,
        kpi.benchmark_period,
        kpi.benchmark_rank,
        kpi.benchmark_compared,
        kpi.benchmark_quartile,
        kpi.benchmark_median,
        kpi.benchmark_best_quartile,
        kpi.benchmark_distance_to_best_quartile,
    ]


def kpi_sections(document: ReportDocument) -> list[tuple[str, list[ReportKpi]]]:
    """The KPI lists of the document, by section: every KPI under its priority and outcome, then the
    board pack's lists."""
    sections: list[tuple[str, list[ReportKpi]]] = [("performance", document.all_kpis())]
    sections += [
        ("needing_intervention", document.needing_intervention),
        ("missing_values", document.missing_values),
        ("queried_values", document.queried_values),
    ]
    return [(name, kpis) for name, kpis in sections if kpis or name == "performance"]


COUNT_COLUMNS = ("group", "green", "amber", "red", "missing", "not_rated", "total")


def _counts(rows: Iterable[RagCounts]) -> list[list[Any]]:
    return [[row.label, row.green, row.amber, row.red, row.missing, row.not_rated, row.total] for row in rows]


def report_tables(document: ReportDocument) -> list[Table]:
    """Every table of the report, in the order the HTML shows them; empty tables are kept (a header
    row alone says there was nothing), so every report of a kind has the same sheets."""
    tables = [
        Table(
            "Report",
            "About this report",
            ("field", "value"),
            [
                ["council", document.council],
                ["title", document.title],
                ["kind", document.kind],
                ["period", document.period],
                ["period_start", document.period_start.isoformat()],
                ["period_end", document.period_end.isoformat()],
                ["scope", document.scope],
                ["snapshot_id", str(document.snapshot_id)],
                ["frozen_at", document.frozen_at.isoformat()],
                ["frozen_by", document.frozen_by],
            ],
        ),
        Table(
            "Summary",
            "Highlights and exceptions",
            ("kind", "text"),
            [["highlight", text] for text in document.highlights]
            + [["exception", text] for text in document.exceptions],
        ),
        Table("Counts by priority", "KPIs by RAG and priority", COUNT_COLUMNS, _counts(document.counts_by_priority)),
        Table(
            "Counts by directorate",
            "KPIs by RAG and directorate",
            COUNT_COLUMNS,
            _counts(document.counts_by_directorate),
        ),
        Table("Action counts", "Actions by RAG: Do, Enable, Influence", COUNT_COLUMNS, _counts(document.action_counts)),
    ]
    for section, kpis in kpi_sections(document):
        name = {
            "performance": "KPIs",
            "needing_intervention": "Needing intervention",
            "missing_values": "Missing values",
            "queried_values": "Queried values",
        }[section]
        tables.append(Table(name, name, KPI_COLUMNS, [kpi_row(kpi) for kpi in kpis]))
    actions = [
        action for priority in document.priorities for outcome in priority.outcomes for action in outcome.actions
    ]
    tables.append(
        Table(
            "Actions",
            "Actions",
            (
                "priority",
                "outcome",
                "category",
                "reference",
                "title",
                "directorate",
                "service",
                "rag",
                "rag_text",
                "progress_percent",
                "status",
                "update_state",
                "commentary",
            ),
            [
                [
                    action.priority,
                    action.outcome,
                    action.category,
                    action.reference,
                    action.title,
                    action.directorate,
                    action.service,
                    action.rag,
                    action.rag_text,
                    action.progress,
                    action.status,
                    action.update_state,
                    action.commentary,
                ]
                for action in actions
            ],
        )
    )
    tables.append(
        Table(
            "Milestones",
            "Milestones of the actions",
            ("action_reference", "action_title", "milestone", "due_date", "state", "late"),
            [
                [
                    action.reference,
                    action.title,
                    milestone.title,
                    _day(milestone.due_date),
                    milestone.state,
                    _yes(milestone.late),
                ]
                for action in actions
                for milestone in action.milestones
            ],
        )
    )
    tables.append(
        Table(
            "Contextual measures",
            "Contextual measures",
            ("outcome", "code", "title", "period", "value", "direction", "source"),
            [
                [item.outcome, item.code, item.title, item.period, item.value, item.direction, item.source]
                for priority in document.priorities
                for outcome in priority.outcomes
                for item in outcome.contextual
            ],
        )
    )
    tables.append(
        Table(
            "Interventions",
            "Interventions",
            ("kpi_code", "kpi_title", "state", "opened_on", "summary"),
            [
                [item.kpi_code, item.kpi_title, item.state, _day(item.opened_on), item.summary]
                for item in document.interventions
            ],
        )
    )
    tables.append(
        Table(
            "Risks",
            "Risks",
            (
                "reference",
                "title",
                "register",
                "owner",
                "residual_score",
                "rag",
                "rag_text",
                "trend",
                "next_review",
                "review_overdue",
            ),
            [
                [
                    risk.reference,
                    risk.title,
                    risk.register_name,
                    risk.owner,
                    risk.residual_score,
                    risk.rag,
                    risk.rag_text,
                    risk.trend,
                    _day(risk.next_review),
                    _yes(risk.review_overdue),
                ]
                for risk in document.risks
            ],
        )
    )
    tables.append(
        Table(
            "Scrutiny",
            "Scrutiny challenges and answers",
            (
                "subject",
                "raised_by",
                "meeting",
                "raised_on",
                "challenge_state",
                "question",
                "answer",
                "answered_by",
                "question_state",
            ),
            [
                [
                    challenge.subject,
                    challenge.raised_by,
                    challenge.meeting,
                    _day(challenge.raised_on),
                    challenge.state,
                    question.question,
                    question.answer,
                    question.answered_by,
                    question.state,
                ]
                for challenge in document.challenges
                for question in challenge.questions
            ]
            + [
                [
                    challenge.subject,
                    challenge.raised_by,
                    challenge.meeting,
                    _day(challenge.raised_on),
                    challenge.state,
                    None,
                    None,
                    None,
                    None,
                ]
                for challenge in document.challenges
                if not challenge.questions
            ],
        )
    )
    tables.append(
        Table(
            "Restatements",
            "Restatements",
            (
                "kpi_code",
                "kpi_title",
                "period",
                "reported_value",
                "reported_rag",
                "reported_on",
                "restated_value",
                "restated_rag",
                "restated_on",
                "reason",
                "sentence",
            ),
            [
                [
                    item.kpi_code,
                    item.kpi_title,
                    item.period,
                    item.reported_value,
                    item.reported_rag,
                    _day(item.reported_on),
                    item.restated_value,
                    item.restated_rag,
                    _day(item.restated_on),
                    item.reason,
                    item.sentence,
                ]
                for item in document.restatements
            ],
        )
    )
    tables.append(
        Table(
            "Finance",
            "Finance: budget monitoring",
            (
                "label",
                "budget",
                "actual_to_date",
                "forecast_outturn",
                "variance",
                "variance_percent",
                "variance_rag",
                "variance_rag_text",
                "complaints",
            ),
            [
                [
                    row.label,
                    row.budget,
                    row.actual_to_date,
                    row.forecast_outturn,
                    row.variance,
                    row.variance_percent,
                    row.variance_rag,
                    row.variance_rag_text,
                    row.complaints,
                ]
                for row in document.finance
            ],
        )
    )
    tables.append(
        Table(
            "Unvalidated at close",
            "KPIs not validated when the period closed",
            ("kpi",),
            [[text] for text in document.unvalidated_at_close],
        )
    )
    return tables
