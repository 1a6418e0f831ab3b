"""The KPIs feed: one row per KPI the reader may read, with where it sits and who owns it.

Served as ``/api/v1/feeds/kpis`` and as the OData entity set ``Kpis``; a Power BI model joins
KPI values to it by ``kpi_id``.
"""

from __future__ import annotations

from pmf_api.performance.kpis.repository import KpiRepository, kpi_rows
from pmf_api.publishing.feeds.definitions import ColumnKind, Feed, FeedColumn, register

S, N, D, B, T, U = (
    ColumnKind.STRING,
    ColumnKind.INTEGER,
    ColumnKind.DECIMAL,
    ColumnKind.BOOLEAN,
    ColumnKind.DATETIME,
    ColumnKind.UUID,
)

KPIS = register(
    Feed(
        name="kpis",
        entity_set="Kpis",
        entity_type="Kpi",
        title="KPIs",
        description=(
            "Every KPI you may read: its code, title, unit, polarity and frequency, where it sits and who owns it."
        ),
        columns=(
            FeedColumn("kpi_id", U, "The KPI's id", nullable=False),
            FeedColumn("code", S, "The council's code for the KPI", nullable=False),
            FeedColumn("title", S, "The KPI's title", nullable=False),
            FeedColumn("service_id", U, "The service that reports it", nullable=False),
            FeedColumn("service_name", S, "The service's name", nullable=False),
            FeedColumn("directorate_id", U, "The service's directorate", nullable=False),
            FeedColumn("directorate_name", S, "The directorate's name", nullable=False),
            FeedColumn("portfolio_id", U, "The cabinet portfolio it reports to (its own, else its service's)"),
            FeedColumn("portfolio_name", S, "The portfolio's name"),
            FeedColumn("unit", S, "What a value counts: number, percentage, currency, days, ...", nullable=False),
            FeedColumn("polarity", S, "Which way is better: higher_is_better, lower_is_better, ...", nullable=False),
            FeedColumn("frequency", S, "How often a value is due: monthly, quarterly, annual", nullable=False),
            FeedColumn("statutory", B, "Whether the council must report it", nullable=False),
            FeedColumn("decimal_places", N, "How many decimal places a value is shown with", nullable=False),
            FeedColumn("expected_min", D, "The lowest plausible value (lower is flagged when submitted)"),
            FeedColumn("expected_max", D, "The highest plausible value (higher is flagged when submitted)"),
            FeedColumn("owner_id", U, "The person who owns it"),
            FeedColumn("owner_name", S, "The owner's name"),
            FeedColumn("status", S, "active, or archived (kept for its history, no longer collected)", nullable=False),
            FeedColumn("updated_at", T, "When the KPI last changed (UTC)", nullable=False),
        ),
        key=("kpi_id",),
        build=kpi_rows,
        params=KpiRepository.read_params,
        period_end=None,
        updated="updated_at",
    )
)
