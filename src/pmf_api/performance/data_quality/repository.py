"""Queries of data quality templates and reviews, and of the KPIs still without a signed template.

Other features read a KPI's template through here: the submissions service asks
:meth:`DataQualityTemplateRepository.is_signed` before it publishes a value (the organisation's gate).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, select

from pmf_api.domain.data_quality import TemplateState, Version
from pmf_api.performance.data_quality.models import DataQualityReview, DataQualityTemplate
from pmf_api.performance.kpis.repository import KpiRepository
from pmf_api.platform.db.repository import OwnedRepository

_Kpi = KpiRepository.model


def signed_kpis(financial_year: Any) -> Select[Any]:
    """The ids of the KPIs whose template for ``financial_year`` is signed, as a subquery."""
    return select(DataQualityTemplate.kpi_id).where(
        DataQualityTemplate.financial_year == financial_year,
        DataQualityTemplate.state == TemplateState.SIGNED.value,
    )


def _without_signed_template(financial_year: BindParameter[Any]) -> ColumnElement[bool]:
    return _Kpi.id.not_in(signed_kpis(financial_year))


class DataQualityTemplateRepository(OwnedRepository[DataQualityTemplate]):
    model = DataQualityTemplate
    what = "data quality template"
    sortable = {
        "financial_year": DataQualityTemplate.financial_year,
        "version_number": DataQualityTemplate.version_number,
        "updated_at": DataQualityTemplate.updated_at,
    }
    default_sort = "-financial_year"

    async def versions(self, kpi_id: uuid.UUID, financial_year: str) -> list[DataQualityTemplate]:
        """Every version of a KPI's template for a year, oldest first (locked in a unit that writes)."""
        statement = (
            select(DataQualityTemplate)
            .where(DataQualityTemplate.kpi_id == kpi_id, DataQualityTemplate.financial_year == financial_year)
            .order_by(DataQualityTemplate.version_number)
        )
        return list(await self.session.scalars(statement))

    async def latest(self, kpi_id: uuid.UUID, financial_year: str) -> DataQualityTemplate | None:
        """The version to start next year's from: the one in force (signed), else the newest."""
        versions = await self.versions(kpi_id, financial_year)
        signed = [t for t in versions if t.state == TemplateState.SIGNED.value]
        chosen = signed or versions
        return chosen[-1] if chosen else None

    async def is_signed(self, kpi_id: uuid.UUID, financial_year: str) -> bool:
        """Whether a version of the KPI's template for the year is signed (in force)."""
        found = await self.session.scalar(
            select(DataQualityTemplate.id)
            .where(
                DataQualityTemplate.kpi_id == kpi_id,
                DataQualityTemplate.financial_year == financial_year,
                DataQualityTemplate.state == TemplateState.SIGNED.value,
            )
            .limit(1)
        )
        return found is not None

    async def drafts_of(self, kpi_ids: Collection[uuid.UUID], financial_year: str) -> dict[uuid.UUID, uuid.UUID]:
        """The draft being written for each of ``kpi_ids`` in the year (its id), where there is one."""
        if not kpi_ids:
            return {}
        rows = await self.session.execute(
            select(DataQualityTemplate.kpi_id, DataQualityTemplate.id).where(
                DataQualityTemplate.kpi_id.in_(sorted(kpi_ids)),
                DataQualityTemplate.financial_year == financial_year,
                DataQualityTemplate.state == TemplateState.DRAFT.value,
            )
        )
        return {row.kpi_id: row.id for row in rows}

    async def waiting_for_sign_off(self, organisation_id: uuid.UUID, financial_years: Collection[str]) -> list[Any]:
        """The drafts of ``financial_years`` waiting for the service manager's sign-off, with where their
        KPI sits (for reminders: who is to sign is a service manager whose scope reaches ``service_id``).

        Rows of (organisation_id, template_id, kpi_id, kpi_code, financial_year, version_number, service_id)."""
        statement = (
            select(
                DataQualityTemplate.organisation_id,
                DataQualityTemplate.id.label("template_id"),
                DataQualityTemplate.kpi_id,
                _Kpi.code.label("kpi_code"),
                DataQualityTemplate.financial_year,
                DataQualityTemplate.version_number,
                _Kpi.service_id,
            )
            .join(_Kpi, _Kpi.id == DataQualityTemplate.kpi_id)
            .where(
                DataQualityTemplate.organisation_id == organisation_id,
                DataQualityTemplate.financial_year.in_(sorted(financial_years)),
                DataQualityTemplate.state == TemplateState.DRAFT.value,
                _Kpi.archived_at.is_(None),
            )
            .order_by(_Kpi.code, DataQualityTemplate.financial_year)
        )
        return list(await self.session.execute(statement))


def as_versions(templates: Collection[DataQualityTemplate]) -> list[Version]:
    return [Version(t.version_number, TemplateState(t.state)) for t in templates]


class KpisWithoutSignedTemplate(KpiRepository):
    """The KPIs (not archived) with no signed template for the year the list's ``financial_year`` names."""

    what = "KPI"
    filters = {**KpiRepository.filters, "financial_year": _without_signed_template}


class DataQualityReviewRepository(OwnedRepository[DataQualityReview]):
    model = DataQualityReview
    what = "data quality review"
    sortable = {
        "reviewed_on": DataQualityReview.reviewed_on,
        "updated_at": DataQualityReview.updated_at,
    }
    default_sort = "-reviewed_on"
