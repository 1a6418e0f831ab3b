"""What a council publishes as open data: its public KPIs and their published values.

No actor reads here: the public has no credentials, and what it may see is exactly a council's public
KPIs (``kpi.public``, not archived) and the latest publication of each of their periods
(``published_value``), never a submission's current state. A commentary goes out only where the
performance team made it public; who published a value does not go out at all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.domain import Period, Rag
from pmf_api.domain.evaluation import rate_period
from pmf_api.domain.report_summary import RAG_TEXT
from pmf_api.framework.organisations.repository import OrganisationRepository
from pmf_api.performance import mapping
from pmf_api.performance.kpis.repository import public_kpis, public_kpis_of
from pmf_api.performance.submissions.repository import OpenValue, latest_publications, organisations_publishing
from pmf_api.performance.targets.repository import KpiTargets, TargetRepository
from pmf_api.platform.errors import NotFound

if TYPE_CHECKING:
    from pmf_api.performance.kpis.models import Kpi

LICENCE_NAME = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


def attribution(council: str) -> str:
    """The attribution statement the licence asks re-users to give."""
    return f"Contains public sector information published by {council}, licensed under the {LICENCE_NAME}."


@dataclass(frozen=True)
class OpenCouncil:
    code: str
    name: str


@dataclass(frozen=True)
class OpenKpi:
    code: str
    title: str
    definition: str | None
    why_it_matters: str | None
    unit: str
    polarity: str
    frequency: str
    decimal_places: int
    statutory: bool
    source: str | None


@dataclass(frozen=True)
class OpenRow:
    """One published value of one KPI, as it goes out."""

    kpi_code: str
    kpi_title: str
    unit: str
    period: str
    financial_year: str
    period_end: date
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    revision: int
    published_at: datetime
    commentary: str | None
    target: Decimal | None = None
    judged_value: Decimal | None = None
    rag: str | None = None

    @property
    def rag_text(self) -> str:
        """The status in words (never colour alone)."""
        return RAG_TEXT[self.rag] if self.rag else "No target"


@dataclass(frozen=True)
class OpenDataset:
    council: OpenCouncil
    kpis: list[OpenKpi]
    values: list[OpenRow]

    @property
    def last_published_at(self) -> datetime | None:
        return max((row.published_at for row in self.values), default=None)

    def values_of(self, kpi_code: str) -> list[OpenRow]:
        return [row for row in self.values if row.kpi_code == kpi_code]


async def councils(session: AsyncSession) -> list[OpenCouncil]:
    """The councils that publish: those with a published value of a public KPI, by code."""
    repository = OrganisationRepository(session)
    found = []
    for organisation_id in await organisations_publishing(session, public_kpis()):
        organisation = await repository.find(organisation_id)
        if organisation is not None:
            found.append(OpenCouncil(organisation.code, organisation.name))
    return sorted(found, key=lambda council: council.code)


def _status(kpi: Kpi, value: OpenValue, observations: dict[Period, Any], targets: KpiTargets | None) -> dict[str, Any]:
    """The period's target and RAG as the rules judge it (``domain.evaluation.rate_period``), from the
    published values alone and the KPI's approved targets: a value still being checked counts for
    nothing here, so a cumulative KPI's year to date is the sum of what was published."""
    period = Period.parse(value.period)
    target = (targets.in_force(period) if targets else {}).get(period.financial_year)
    rated = rate_period(mapping.definition_of(kpi), observations, target, period, due=True)
    rag = rated.rag.value if rated.rag in (Rag.GREEN, Rag.AMBER, Rag.RED) else None
    return {"target": rated.target, "judged_value": rated.judged_value if rag else None, "rag": rag}


def _no_council(code: str) -> NotFound:
    # The same answer for a council that does not exist and one that publishes nothing.
    return NotFound(detail=f"No council publishes open data under the code {code!r}")


async def dataset(session: AsyncSession, council_code: str) -> OpenDataset:
    """A council's open data: its public KPIs and their published values (404 when it publishes none)."""
    organisation = await OrganisationRepository(session).find_by_code(council_code)
    if organisation is None:
        raise _no_council(council_code)
    kpis = await public_kpis_of(session, organisation.id)
    by_id = {kpi.id: kpi for kpi in kpis}
    published: list[OpenValue] = await latest_publications(session, public_kpis(organisation.id))
    if not published:
        raise _no_council(council_code)
    targets = await TargetRepository(session).of_kpis(public_kpis(organisation.id))
    observations: dict[uuid.UUID, dict[Period, Any]] = {}
    for value in published:
        observations.setdefault(value.kpi_id, {})[Period.parse(value.period)] = mapping.observation_from(
            value.period, value.value, value.numerator, value.denominator, None, None
        )
    rows = [
        OpenRow(
            **_status(by_id[value.kpi_id], value, observations[value.kpi_id], targets.get(value.kpi_id)),
            kpi_code=by_id[value.kpi_id].code,
            kpi_title=by_id[value.kpi_id].title,
            unit=by_id[value.kpi_id].unit,
            period=value.period,
            financial_year=value.financial_year,
            period_end=value.period_end,
            value=value.value,
            numerator=value.numerator,
            denominator=value.denominator,
            revision=value.revision,
            published_at=value.published_at,
            commentary=value.commentary,
        )
        for value in published
        if value.kpi_id in by_id
    ]
    rows.sort(key=lambda row: (row.kpi_code, row.period_end))
    return OpenDataset(
        OpenCouncil(organisation.code, organisation.name),
        [
            OpenKpi(
                code=kpi.code,
                title=kpi.title,
                definition=kpi.definition,
                why_it_matters=kpi.why_it_matters,
                unit=kpi.unit,
                polarity=kpi.polarity,
                frequency=kpi.frequency,
                decimal_places=kpi.decimal_places,
                statutory=kpi.statutory,
                source=kpi.source,
            )
            for kpi in kpis
        ],
        rows,
    )


async def kpi_dataset(session: AsyncSession, council_code: str, kpi_code: str) -> tuple[OpenDataset, OpenKpi]:
    """One public KPI of a council with its published values. A KPI that is not public answers as
    one that does not exist, so the answer says nothing of the council's other KPIs."""
    found = await dataset(session, council_code)
    kpi = next((kpi for kpi in found.kpis if kpi.code == kpi_code), None)
    if kpi is None:
        raise NotFound(detail=f"{found.council.name} publishes no KPI with the code {kpi_code!r}")
    return OpenDataset(found.council, [kpi], found.values_of(kpi_code)), kpi
