"""Queries of data quality templates and reviews, and of the KPIs still without a signed template.

Other features read a KPI's template through here: the submissions service asks
:meth:`DataQualityTemplateRepository.is_signed` before it publishes a value (the organisation's gate).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, select

from pmf_api.domain.data_quality import SIGNER_ROLE, TemplateState, Version
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

    async def of_kpis(
        self, kpi_ids: Collection[uuid.UUID], financial_year: str
    ) -> dict[uuid.UUID, DataQualityTemplate]:
        """Each of ``kpi_ids``' template for the year, where it has one: the version in force (signed),
        else the newest (a draft being written)."""
        if not kpi_ids:
            return {}
        rows = await self.session.scalars(
            select(DataQualityTemplate)
            .where(
                DataQualityTemplate.kpi_id.in_(sorted(kpi_ids)), DataQualityTemplate.financial_year == financial_year
            )
            .order_by(DataQualityTemplate.version_number)
        )
        chosen: dict[uuid.UUID, DataQualityTemplate] = {}
        for template in rows:
            held = chosen.get(template.kpi_id)
            if held is None or held.state != TemplateState.SIGNED.value or template.state == TemplateState.SIGNED.value:
                chosen[template.kpi_id] = template
        return chosen

    async def sign_offs_due(self, organisation_id: uuid.UUID, financial_years: Collection[str]) -> list[SignOffDue]:
        """For reminders (a job, no actor): every KPI of the organisation (not archived) without a signed
        template for one of ``financial_years``, with the draft waiting for sign-off if there is one (else
        the template is still to be written), and who is to sign: a service manager whose scope reaches the
        KPI's service (``KpiRepository.placement`` gives its directorate and portfolio too). Ordered by year,
        then KPI code; one statement a year."""
        found: list[SignOffDue] = []
        for year in sorted(financial_years):
            draft = DataQualityTemplate.__table__.alias("draft")
            statement = (
                select(_Kpi.id, _Kpi.code, _Kpi.service_id, draft.c.id.label("template_id"), draft.c.version_number)
                .outerjoin(
                    draft,
                    (draft.c.kpi_id == _Kpi.id)
                    & (draft.c.financial_year == year)
                    & (draft.c.state == TemplateState.DRAFT.value),
                )
                .where(
                    _Kpi.organisation_id == organisation_id,
                    _Kpi.archived_at.is_(None),
                    _Kpi.id.not_in(signed_kpis(year)),
                )
                .order_by(_Kpi.code)
            )
            for row in await self.session.execute(statement):
                found.append(
                    SignOffDue(
                        organisation_id=organisation_id,
                        kpi_id=row.id,
                        kpi_code=row.code,
                        financial_year=year,
                        template_id=row.template_id,
                        version_number=row.version_number,
                        service_id=row.service_id,
                        signer_role=SIGNER_ROLE.value,
                    )
                )
        return found


@dataclass(frozen=True)
class SignOffDue:
    """A KPI whose template for a year is not signed: a draft waiting (``template_id``) or none yet."""

    organisation_id: uuid.UUID
    kpi_id: uuid.UUID
    kpi_code: str
    financial_year: str
    template_id: uuid.UUID | None  # the draft waiting for sign-off; None: no template written yet
    version_number: int | None
    service_id: uuid.UUID
    signer_role: str  # service_manager, with a scope reaching service_id (KpiRepository.placement says where)


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
