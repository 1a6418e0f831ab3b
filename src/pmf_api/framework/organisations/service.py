"""Use cases for the council's structure: its directorates, services, portfolios and people."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access import records
from pmf_api.access.actor import Actor
from pmf_api.access.policy import Resource, require_read, require_write
from pmf_api.domain.evaluation import EvaluationConfig
from pmf_api.domain.settings import OrganisationSettings
from pmf_api.framework.organisations.models import Organisation
from pmf_api.framework.organisations.repository import (
    DirectorateRepository,
    OrganisationRepository,
    PersonRepository,
    PortfolioRepository,
    ServiceRepository,
)
from pmf_api.platform import audit
from pmf_api.platform.errors import NotFound

directorates = records.EntitySpec(
    repository=DirectorateRepository,
    resource=Resource.structure,
    references=(records.Reference("director_id", PersonRepository),),
)

portfolios = records.EntitySpec(
    repository=PortfolioRepository,
    resource=Resource.structure,
    references=(records.Reference("holder_id", PersonRepository),),
)

services = records.EntitySpec(
    repository=ServiceRepository,
    resource=Resource.structure,
    references=(
        records.Reference("directorate_id", DirectorateRepository),
        records.Reference("portfolio_id", PortfolioRepository),
        records.Reference("head_of_service_id", PersonRepository),
    ),
)

people = records.EntitySpec(
    repository=PersonRepository,
    resource=Resource.structure,
    references=(records.Reference("service_id", ServiceRepository),),
)


def four_eyes_required(organisation: Organisation) -> bool:
    """Whether the organisation keeps four-eyes (the default), or lets one person check their own work."""
    section = (organisation.settings or {}).get("four_eyes")
    return not (isinstance(section, dict) and section.get("required") is False)


async def get_organisation(session: AsyncSession, actor: Actor) -> Organisation:
    require_read(actor)
    organisation = await OrganisationRepository(session).find(actor.organisation_id)
    if organisation is None:
        raise NotFound(detail="Your organisation is not set up in this service")
    return organisation


async def update_organisation(
    session: AsyncSession, actor: Actor, changes: Mapping[str, Any], expected_version: int | None
) -> Organisation:
    organisation = await get_organisation(session, actor)
    require_write(actor, Resource.structure)
    changes = dict(changes)
    if "settings" in changes:
        # A section sent replaces that section; sections not sent are kept.
        sent = {k: v for k, v in (changes["settings"] or {}).items() if v is not None}
        changes["settings"] = {**(organisation.settings or {}), **sent}
    await audit.update(session, actor, organisation, changes, expected_version)
    return organisation


def settings_of(organisation: Organisation) -> OrganisationSettings:
    """The organisation's choices as one typed value (``domain.settings``)."""
    return OrganisationSettings.parse(organisation.settings)


def evaluation_config(organisation: Organisation) -> EvaluationConfig:
    """What the rules are configured with in ``organisation``: its settings and its year's first month."""
    return settings_of(organisation).evaluation_config(organisation.financial_year_start_month)
