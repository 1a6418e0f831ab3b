"""Use cases of Data Quality Templates and data quality reviews (seed 001_ec6bae7b38cacc6f.txt,
Appendix B; seed 003_2a403038ecab8362.txt, section 5).

A template is drafted for a KPI and a financial year, by default from last year's (the one in force,
else the newest), edited while a draft, and signed off by the service manager of the KPI's service
with B.2's declaration, their name and the date. A signed template is read-only: a change is a new
version, a draft again, that must be signed; signing it supersedes the version before. The rules are
``pmf_api.domain.data_quality``'s; this module loads, checks who may, writes and audits.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor, Placement
from pmf_api.access.policy import WRITERS, Resource, require_read
from pmf_api.domain.data_quality import (
    SIGN_OFF_DECLARATION,
    TEMPLATE_QUESTIONS,
    Characteristic,
    TemplateState,
    next_version,
    publication_refusal,
    require_editable,
    sign,
    superseded_by_signing,
)
from pmf_api.domain.errors import DomainError, TransitionNotAllowed
from pmf_api.domain.periods import FinancialYear, financial_year_of
from pmf_api.domain.workflow import Role
from pmf_api.framework.organisations.service import get_organisation, settings_of
from pmf_api.performance.data_quality.models import DataQualityReview, DataQualityTemplate
from pmf_api.performance.data_quality.repository import (
    DataQualityReviewRepository,
    DataQualityTemplateRepository,
    KpisWithoutSignedTemplate,
    as_versions,
)
from pmf_api.performance.kpis import service as kpi_service
from pmf_api.performance.kpis.repository import KpiRepository, placement_of_kpi
from pmf_api.platform import audit
from pmf_api.platform.db.pages import ListQuery, Page
from pmf_api.platform.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    UnsignedTemplate,
    invalid,
)

if TYPE_CHECKING:
    from pmf_api.performance.kpis.models import Kpi

ANSWERS = tuple(TEMPLATE_QUESTIONS)
RATINGS = tuple(c.value for c in Characteristic)


templates = records.EntitySpec(
    repository=DataQualityTemplateRepository,
    resource=Resource.kpi,
    references=(records.Reference("kpi_id", KpiRepository),),
    placement=placement_of_kpi,
)
reviews = records.EntitySpec(
    repository=DataQualityReviewRepository,
    resource=Resource.kpi,
    references=(records.Reference("kpi_id", KpiRepository),),
    placement=placement_of_kpi,
)


# --- Who may ----------------------------------------------------------------------------------


def _require_template_writer(actor: Actor, kpi: Kpi, where: Placement | None) -> None:
    """Templates are written by whoever may change the KPI (the performance team, its service manager
    or director) and by its owner and backup, who keep it true (product brief: KPI owner)."""
    owner = actor.person_id is not None and actor.person_id in {kpi.owner_id, kpi.backup_owner_id}
    if owner or actor.holds(WRITERS[Resource.kpi], where):
        return
    raise PermissionDenied(
        detail=f"Writing {kpi.code}'s data quality template needs one of the roles "
        f"{', '.join(sorted(WRITERS[Resource.kpi]))} over its service, or to be its owner or backup owner"
    )


def _require_reviewer(actor: Actor, kpi: Kpi, where: Placement | None) -> None:
    """Data quality reviews are the performance team's, held with the service (seed 001, B.1)."""
    if not actor.holds({Role.PERFORMANCE}, where):
        raise PermissionDenied(
            detail=f"Recording a data quality review of {kpi.code} needs the performance role over its service"
        )


async def _load_kpi(session: AsyncSession, actor: Actor, kpi_id: uuid.UUID) -> Kpi:
    try:
        return await kpi_service.load_kpi(session, actor, kpi_id, lock=False)
    except NotFound:
        raise invalid("kpi_id", f"No KPI with id {kpi_id} in this organisation") from None


def _answers(source: DataQualityTemplate | None) -> dict[str, Any]:
    return {name: getattr(source, name) for name in ANSWERS} if source is not None else {}


def _require_current(template: DataQualityTemplate, expected_version: int | None) -> None:
    """A stale ``If-Match`` is refused before anything is looked at or written."""
    if expected_version is not None and expected_version != template.version:
        raise PreconditionFailed.if_match(
            f"You read version {expected_version} but the template is now at version {template.version}"
        )


# --- Templates --------------------------------------------------------------------------------


async def create_template(session: AsyncSession, actor: Actor, data: Mapping[str, Any]) -> DataQualityTemplate:
    """Draft a KPI's template for a year (version 1), from last year's unless ``from_previous_year`` is
    false; answers sent in the request replace the copied ones."""
    kpi = await _load_kpi(session, actor, data["kpi_id"])
    where = await placement_of_kpi(session, {"kpi_id": kpi.id})
    _require_template_writer(actor, kpi, where)
    year = data["financial_year"]
    repository = DataQualityTemplateRepository(session)
    existing = await repository.versions(kpi.id, year)
    if existing:
        raise Conflict(
            detail=f"{kpi.code} already has a data quality template for {year} (version "
            f"{existing[-1].version_number}, {existing[-1].state}): change the draft, or make a new version "
            "of the signed one"
        )
    source = None
    if data.get("from_previous_year", True):
        try:
            previous = str(FinancialYear.parse(year).previous())
        except DomainError:
            previous = None
        source = None if previous is None else await repository.latest(kpi.id, previous)
    answers = {**_answers(source), **{k: v for k, v in data.items() if k in ANSWERS}}
    template = DataQualityTemplate(
        organisation_id=actor.organisation_id,
        kpi_id=kpi.id,
        financial_year=year,
        version_number=1,
        state=TemplateState.DRAFT.value,
        copied_from_id=source.id if source is not None else None,
        **answers,
    )
    await records.guard_unique(
        session,
        lambda: audit.create(session, actor, template),
        f"{kpi.code} already has a data quality template for {year}: change it or make a new version",
    )
    return template


async def get_template(session: AsyncSession, actor: Actor, template_id: uuid.UUID) -> DataQualityTemplate:
    return await records.get(session, actor, templates, template_id)


async def update_template(
    session: AsyncSession,
    actor: Actor,
    template_id: uuid.UUID,
    changes: Mapping[str, Any],
    expected_version: int | None,
) -> DataQualityTemplate:
    """Change a draft's answers; a signed template is refused (409): make a new version."""
    template = await get_template(session, actor, template_id)
    kpi = await _load_kpi(session, actor, template.kpi_id)
    _require_template_writer(actor, kpi, await placement_of_kpi(session, {"kpi_id": kpi.id}))
    require_editable(TemplateState(template.state))
    await audit.update(session, actor, template, {k: v for k, v in changes.items() if k in ANSWERS}, expected_version)
    return template


async def sign_template(
    session: AsyncSession,
    actor: Actor,
    template_id: uuid.UUID,
    data: Mapping[str, Any],
    expected_version: int | None,
    *,
    as_of: date,
) -> DataQualityTemplate:
    """The service manager's sign-off with B.2's declaration, name and date; the version it replaces
    (if any) is superseded in the same transaction."""
    template = await get_template(session, actor, template_id)
    kpi = await _load_kpi(session, actor, template.kpi_id)
    where = await placement_of_kpi(session, {"kpi_id": kpi.id})
    _require_current(template, expected_version)
    state = sign(TemplateState(template.state), actor.roles_over(where), _answers(template))
    signed_on: date = data.get("signed_on") or as_of
    if signed_on > as_of:
        raise invalid("signed_on", f"A sign-off is dated today or earlier, not {signed_on.isoformat()}")
    repository = DataQualityTemplateRepository(session)
    versions = await repository.versions(template.kpi_id, template.financial_year)
    for number in superseded_by_signing(as_versions(versions), template.version_number):
        earlier = next(t for t in versions if t.version_number == number)
        await audit.update(
            session,
            actor,
            earlier,
            {"state": TemplateState.SUPERSEDED.value},
            None,
            action="supersede",
            note=f"Superseded by version {template.version_number}",
        )
    changes = {
        "state": state.value,
        "declaration": SIGN_OFF_DECLARATION,
        "signed_by_name": data.get("name") or actor.name,
        "signed_by": actor.subject,
        "signed_on": signed_on,
        "signed_at": datetime.now(UTC),
    }
    await audit.update(session, actor, template, changes, expected_version, action="sign", note=SIGN_OFF_DECLARATION)
    return template


async def new_version(
    session: AsyncSession, actor: Actor, template_id: uuid.UUID, expected_version: int | None
) -> DataQualityTemplate:
    """A new version (a draft) of the signed template in force, with its answers, to change and sign again."""
    template = await get_template(session, actor, template_id)
    kpi = await _load_kpi(session, actor, template.kpi_id)
    _require_template_writer(actor, kpi, await placement_of_kpi(session, {"kpi_id": kpi.id}))
    _require_current(template, expected_version)
    versions = await DataQualityTemplateRepository(session).versions(template.kpi_id, template.financial_year)
    number = next_version(as_versions(versions))
    if template.state != TemplateState.SIGNED.value:
        raise TransitionNotAllowed(
            f"A new version is made from the version in force (signed); version {template.version_number} "
            f"is {template.state}.",
            current=template.state,
            requested="new version",
        )
    draft = DataQualityTemplate(
        organisation_id=actor.organisation_id,
        kpi_id=template.kpi_id,
        financial_year=template.financial_year,
        version_number=number,
        state=TemplateState.DRAFT.value,
        copied_from_id=template.id,
        **_answers(template),
    )
    await records.guard_unique(
        session,
        lambda: audit.create(session, actor, draft),
        "Someone else made a new version of this template at the same moment; read the versions again",
    )
    return draft


async def list_templates(session: AsyncSession, actor: Actor, query: ListQuery) -> Page[DataQualityTemplate]:
    return await records.list_page(session, actor, templates, query)


@dataclass(frozen=True)
class UnsignedKpi:
    """A KPI with no signed template for a year, and the draft being written, if any."""

    kpi_id: uuid.UUID
    kpi_code: str
    kpi_title: str
    service_id: uuid.UUID
    financial_year: str
    draft_template_id: uuid.UUID | None


async def kpis_without_signed_template(
    session: AsyncSession,
    actor: Actor,
    financial_year: str | None,
    *,
    as_of: date,
    service_id: uuid.UUID | None = None,
    directorate_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[UnsignedKpi]:
    """A page of the KPIs (not archived) without a signed template for ``financial_year`` (the year in
    progress on ``as_of`` when None), by code."""
    require_read(actor)
    if financial_year is None:
        organisation = await get_organisation(session, actor)
        financial_year = str(financial_year_of(as_of, organisation.financial_year_start_month))
    filters = {"financial_year": financial_year, "service_id": service_id, "directorate_id": directorate_id}
    query = ListQuery(filters=filters, sort="code", cursor=cursor, limit=limit)
    page = await KpisWithoutSignedTemplate(session).page(actor, query)
    drafts = await DataQualityTemplateRepository(session).drafts_of([k.id for k in page.items], financial_year)
    items = [
        UnsignedKpi(kpi.id, kpi.code, kpi.title, kpi.service_id, financial_year, drafts.get(kpi.id))
        for kpi in page.items
    ]
    return Page(items, page.next_cursor)


# --- The gate on publication (called by the submissions service) -------------------------------


async def require_publishable(session: AsyncSession, actor: Actor, kpi: Kpi, financial_year: str) -> None:
    """Refuse (409, ``data-quality-template-unsigned``) to publish ``kpi``'s value for a period of
    ``financial_year`` when the organisation requires a signed template and the year's is not signed.

    Every path that publishes a value goes through the submissions service's one move to ``published``,
    which calls this."""
    refusal = await _publication_refusal(session, actor, kpi, financial_year)
    if refusal is not None:
        raise UnsignedTemplate(detail=refusal)


async def may_publish(session: AsyncSession, actor: Actor, kpi: Kpi, financial_year: str) -> bool:
    """Whether the gate lets ``kpi``'s value for a period of ``financial_year`` be published (a
    calculated KPI's computed value stops at validated when it does not)."""
    return await _publication_refusal(session, actor, kpi, financial_year) is None


async def _publication_refusal(session: AsyncSession, actor: Actor, kpi: Kpi, financial_year: str) -> str | None:
    required = settings_of(await get_organisation(session, actor)).require_signed_template_to_publish
    signed = required and await DataQualityTemplateRepository(session).is_signed(kpi.id, financial_year)
    return publication_refusal(
        required=required, template_signed=signed, kpi_code=kpi.code, financial_year=financial_year
    )


# --- Reviews ----------------------------------------------------------------------------------


def _review_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {k: data[k] for k in ("reviewed_on", "reviewers", "observations") if k in data}
    if data.get("ratings") is not None:
        values |= {name: str(data["ratings"][name]) for name in RATINGS if name in data["ratings"]}
    if "follow_up_actions" in data:
        values["follow_up_actions"] = [
            # A PATCH carries only what was sent, nested items included: an action not saying `done` is not done
            {"done": False, **action, "due_date": action["due_date"].isoformat() if action.get("due_date") else None}
            for action in data["follow_up_actions"] or []
        ]
    return values


async def create_review(session: AsyncSession, actor: Actor, data: Mapping[str, Any]) -> DataQualityReview:
    """Record a review of a KPI's practice against a signed version of its template."""
    try:
        template = await get_template(session, actor, data["template_id"])
    except NotFound:
        raise invalid("template_id", f"No data quality template with id {data['template_id']}") from None
    kpi = await _load_kpi(session, actor, template.kpi_id)
    _require_reviewer(actor, kpi, await placement_of_kpi(session, {"kpi_id": kpi.id}))
    if template.state == TemplateState.DRAFT.value:
        raise invalid(
            "template_id",
            f"Version {template.version_number} of {kpi.code}'s template for {template.financial_year} is a "
            "draft: practice is reviewed against a signed template (the agreed method)",
        )
    review = DataQualityReview(
        organisation_id=actor.organisation_id,
        kpi_id=kpi.id,
        template_id=template.id,
        financial_year=template.financial_year,
        template_version_number=template.version_number,
        **{"observations": None, "follow_up_actions": [], **_review_values(data)},
    )
    await audit.create(session, actor, review)
    return review


async def get_review(session: AsyncSession, actor: Actor, review_id: uuid.UUID) -> DataQualityReview:
    return await records.get(session, actor, reviews, review_id)


async def update_review(
    session: AsyncSession,
    actor: Actor,
    review_id: uuid.UUID,
    changes: Mapping[str, Any],
    expected_version: int | None,
) -> DataQualityReview:
    """Change a review: its observations and ratings, or its follow-up actions (sent whole: mark one done)."""
    review = await get_review(session, actor, review_id)
    kpi = await _load_kpi(session, actor, review.kpi_id)
    _require_reviewer(actor, kpi, await placement_of_kpi(session, {"kpi_id": kpi.id}))
    await audit.update(session, actor, review, _review_values(changes), expected_version)
    return review


async def list_reviews(session: AsyncSession, actor: Actor, query: ListQuery) -> Page[DataQualityReview]:
    return await records.list_page(session, actor, reviews, query)
