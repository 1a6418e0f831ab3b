"""The ``kpi-values`` feed: one row per KPI per period, the flat table Power BI reads (seed
001_ec6bae7b38cacc6f.txt, C.2.3; issue 14).

Each row is what the status of that KPI in that period says (``performance.status.evaluation``:
the same rules as the scorecard, never a copy of them): the value exactly and at the KPI's decimal
places, the target and intervention level, RAG, year to date, direction of travel, the SPC
variation and assurance icons as words (NHS "Making Data Count" users ask for the icons as data),
the forecast, the period's commentary and its submission's state, with the KPI's names in the
structure and the plan. Periods: those of the KPI's frequency that ended in the 36 months before
``as_of``.

Rows are materialised (``models.FeedKpiValue``) and refreshed by ``kpi_value_rows.refresh``, the feed's
``prepare``, for the KPIs whose digest of inputs moved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, bindparam, select

from pmf_api.access.actor import Actor
from pmf_api.performance.kpis.repository import KpiRepository
from pmf_api.platform.db.repository import OwnedRepository
from pmf_api.publishing.feeds import kpi_value_rows
from pmf_api.publishing.feeds.definitions import ColumnKind, Feed, FeedColumn, register
from pmf_api.publishing.feeds.models import FeedKpiValue

S, INT, D, DT, DAY, U = (
    ColumnKind.STRING,
    ColumnKind.INTEGER,
    ColumnKind.DECIMAL,
    ColumnKind.DATETIME,
    ColumnKind.DATE,
    ColumnKind.UUID,
)

COLUMNS = (
    FeedColumn("kpi_id", U, "The KPI", nullable=False),
    FeedColumn("kpi_code", S, "The KPI's code", nullable=False),
    FeedColumn("kpi_title", S, "The KPI's title", nullable=False),
    FeedColumn(
        "period", S, "The period: 2026/27 P5 (a month), 2026/27 Q2 (a quarter), 2026/27 (a year)", nullable=False
    ),
    FeedColumn("financial_year", S, "The financial year of the period, as 2026/27", nullable=False),
    FeedColumn("period_start", DAY, "The first day of the period", nullable=False),
    FeedColumn("period_end", DAY, "The last day of the period (range_start and range_end filter it)", nullable=False),
    FeedColumn("frequency", S, "monthly, quarterly or annual: the KPI's frequency", nullable=False),
    FeedColumn("unit", S, "The KPI's unit (percentage, number, ...)", nullable=False),
    FeedColumn("polarity", S, "higher_is_better, lower_is_better or ...: which way is good", nullable=False),
    FeedColumn("decimal_places", INT, "The decimal places the council shows the KPI at", nullable=False),
    FeedColumn("service_id", U, "The KPI's service", nullable=False),
    FeedColumn("service_name", S, "The service's name"),
    FeedColumn("directorate_id", U, "The service's directorate"),
    FeedColumn("directorate_name", S, "The directorate's name"),
    FeedColumn("portfolio_id", U, "The KPI's portfolio"),
    FeedColumn("portfolio_name", S, "The portfolio's name"),
    FeedColumn("priority_id", U, "The corporate plan priority of the KPI's outcome"),
    FeedColumn("priority_title", S, "The priority's title"),
    FeedColumn("outcome_id", U, "The outcome the KPI measures"),
    FeedColumn("outcome_title", S, "The outcome's title"),
    FeedColumn("owner_id", U, "The KPI's owner"),
    FeedColumn("owner_name", S, "The owner's name"),
    FeedColumn("value", D, "The counted value, exactly (validated and published values only)"),
    FeedColumn("value_display", S, "The value at the KPI's decimal places, as the RAG compared it"),
    FeedColumn("target", D, "The target of the period in force"),
    FeedColumn("target_display", S, "The target at the KPI's decimal places"),
    FeedColumn("intervention_level", D, "The intervention level of the period"),
    FeedColumn("rag", S, "green, amber, red or missing; empty when not rated (no target, awaiting validation)"),
    FeedColumn("rag_basis", S, "period or ytd: whether the RAG rates the period or the year to date", nullable=False),
    FeedColumn("ytd_value", D, "The year-to-date figure"),
    FeedColumn("ytd_target", D, "The profiled year-to-date target"),
    FeedColumn("ytd_rag", S, "The year-to-date figure's RAG against the year-to-date target"),
    FeedColumn("direction", S, "Direction of travel against the previous period: improving, worsening, ..."),
    FeedColumn("direction_against_last_year", S, "Direction of travel against the same period last year"),
    FeedColumn("spc_variation", S, "SPC variation icon: common_cause, improvement, concern or neutral"),
    FeedColumn("spc_assurance", S, "SPC assurance icon: consistently_pass, consistently_fail or hit_and_miss"),
    FeedColumn("forecast_outturn", D, "The forecast year-end outturn"),
    FeedColumn("forecast_rag", S, "The forecast outturn's RAG against the annual target"),
    FeedColumn("commentary", S, "The commentary of the period's counted value"),
    FeedColumn("submission_state", S, "The period's submission state, whatever it is (draft, submitted, ...)"),
    FeedColumn("value_state", S, "counted, awaiting_validation, missing or not_due", nullable=False),
    FeedColumn("updated_at", DT, "When the row's content last changed (updated_since filters it)", nullable=False),
)


def _statement() -> Select[Any]:
    """The rows of the KPIs the reader may read (``KpiRepository``'s read rule, with its parameters)."""
    table = FeedKpiValue
    council = table.organisation_id == bindparam("reader_organisation_id", type_=table.organisation_id.type)
    rows = select(*(getattr(table, column.name).label(column.name) for column in COLUMNS)).where(council)
    if _reads_kpis_council_wide():
        return rows  # the council's rows are exactly those of the KPIs the reader may read
    readable_kpis = select(KpiRepository.model.id).where(KpiRepository.read_rule())
    return rows.where(table.kpi_id.in_(readable_kpis))


def _reads_kpis_council_wide() -> bool:
    """Whether KPIs are read by the default rule (a reader's council's): then the rows need no
    second look at the KPIs (a third of the time of a whole feed's page on PostgreSQL)."""
    below = KpiRepository.__mro__[: KpiRepository.__mro__.index(OwnedRepository)]
    return not any(name in vars(cls) for cls in below for name in ("read_rule", "read_params"))


def _params(actor: Actor) -> Mapping[str, Any]:
    return KpiRepository.read_params(actor)


KPI_VALUES = register(
    Feed(
        name="kpi-values",
        entity_set="KpiValues",
        entity_type="KpiValue",
        title="KPI values",
        description="One row per KPI per period (the KPI's frequency, 36 months back): its names in the structure "
        "and the plan, the value exactly and as shown, target, intervention level, RAG, year to date, direction of "
        "travel, SPC variation and assurance, forecast, commentary and the submission's state (seed "
        "001_ec6bae7b38cacc6f.txt, C.2.3).",
        columns=COLUMNS,
        key=("kpi_id", "period_start"),
        build=_statement,
        params=_params,
        period_end="period_end",
        updated="updated_at",
        prepare=kpi_value_rows.refresh,
    )
)
