"""Data Quality Templates, one per KPI per financial year in numbered versions, and data quality
reviews (seed 001_ec6bae7b38cacc6f.txt, Appendix B; seed 003_2a403038ecab8362.txt, section 5)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pmf_api.platform.db.base import OrganisationOwned


class DataQualityTemplate(OrganisationOwned):
    """One version of a KPI's template for a year, holding the answers to the questions of B.2.

    A signed version is read-only; a change is a new version (a draft) that must be signed again, and
    signing it supersedes the one before (``domain.data_quality``)."""

    __tablename__ = "data_quality_template"
    __table_args__ = (UniqueConstraint("kpi_id", "financial_year", "version_number"),)

    kpi_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("kpi.id"), index=True)
    financial_year: Mapped[str] = mapped_column(String(7), index=True)
    version_number: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(String(12), default="draft")
    # Where it started from: last year's template (or the version before, for a new version)
    copied_from_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("data_quality_template.id"), default=None, index=True
    )
    # The answers to B.2's questions (``domain.data_quality.TEMPLATE_QUESTIONS``)
    statistics_collected_by: Mapped[str | None] = mapped_column(Text, default=None)
    forecast_produced_by: Mapped[str | None] = mapped_column(Text, default=None)
    commentary_provided_by: Mapped[str | None] = mapped_column(Text, default=None)
    backup_officers: Mapped[str | None] = mapped_column(Text, default=None)
    systems_and_spreadsheets: Mapped[str | None] = mapped_column(Text, default=None)
    collection_and_calculation_method: Mapped[str | None] = mapped_column(Text, default=None)
    why_it_matters: Mapped[str | None] = mapped_column(Text, default=None)
    seasonality: Mapped[str | None] = mapped_column(Text, default=None)
    amber_factors: Mapped[str | None] = mapped_column(Text, default=None)
    red_factors: Mapped[str | None] = mapped_column(Text, default=None)
    interventions_available: Mapped[str | None] = mapped_column(Text, default=None)
    benchmarking_available: Mapped[str | None] = mapped_column(Text, default=None)
    # The service manager's sign-off: the declaration as signed, their name, the date (B.2)
    declaration: Mapped[str | None] = mapped_column(Text, default=None)
    signed_by_name: Mapped[str | None] = mapped_column(String(200), default=None)
    signed_by: Mapped[str | None] = mapped_column(String(200), default=None)  # the signer's subject
    signed_on: Mapped[date | None] = mapped_column(default=None)
    signed_at: Mapped[datetime | None] = mapped_column(default=None)


class DataQualityReview(OrganisationOwned):
    """A review of a KPI's practice against one version of its template (seed 001, B.1), rated on the
    six characteristics of seed 003, with follow-up actions."""

    __tablename__ = "data_quality_review"

    kpi_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("kpi.id"), index=True)
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("data_quality_template.id"), index=True)
    financial_year: Mapped[str] = mapped_column(String(7), index=True)
    template_version_number: Mapped[int]
    reviewed_on: Mapped[date]
    reviewers: Mapped[list[str]]
    observations: Mapped[str | None] = mapped_column(Text, default=None)
    accuracy: Mapped[str] = mapped_column(String(10))
    validity: Mapped[str] = mapped_column(String(10))
    reliability: Mapped[str] = mapped_column(String(10))
    timeliness: Mapped[str] = mapped_column(String(10))
    relevance: Mapped[str] = mapped_column(String(10))
    completeness: Mapped[str] = mapped_column(String(10))
    # [{"action", "owner", "due_date", "done"}]: what the service agreed to change, and whether it has
    follow_up_actions: Mapped[list[dict[str, Any]]]

    @property
    def ratings(self) -> dict[str, str]:
        """The six ratings by characteristic (seed 003's order)."""
        return {name: getattr(self, name) for name in RATED}


RATED = ("accuracy", "validity", "reliability", "timeliness", "relevance", "completeness")
