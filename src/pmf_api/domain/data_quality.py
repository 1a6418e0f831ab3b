"""Data Quality Templates and data quality reviews (seed 001_ec6bae7b38cacc6f.txt, Appendix B;
seed 003_2a403038ecab8362.txt, section 5).

"Before each year of reporting, a data quality template is completed by key stakeholders for each
KPI" (seed 001, B.1): one template per KPI per financial year, answering the questions of B.2, signed
off by the service manager with B.2's declaration. A signed template is the record of the agreed
method, so it never changes: a change is a new version (a draft) that must be signed again, and when
it is signed the version before it is superseded. At most one version of a KPI's year is in force
(signed) at a time.

Data quality reviews with services (B.1) rate the KPI's practice against its template on the six
characteristics of good data quality that seed 003 adopts from the Audit Commission.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from pmf_api.domain.errors import DomainError, TransitionNotAllowed
from pmf_api.domain.roles import Role

# Seed 001, B.2, "Service Manager sign-off", word for word.
SIGN_OFF_DECLARATION = (
    "I confirm that the above documented procedure is an appropriate and robust procedure that will "
    "ensure that the produced results are accurate and reliable for this indicator. I also confirm that "
    "the instructions are detailed enough for another officer to be able to generate the same result in "
    "the event of an absence."
)

# The questions of B.2, by the field that holds each answer, in the template's order.
TEMPLATE_QUESTIONS: dict[str, str] = {
    "statistics_collected_by": "Who is responsible for collecting the monthly statistics for this KPI?",
    "forecast_produced_by": "Who is responsible for producing an end of year forecast for this KPI?",
    "commentary_provided_by": "Who is responsible for providing commentary of the performance of this KPI?",
    "backup_officers": (
        "In the absence of the above officer(s), which colleague(s) can access and provide performance results?"
    ),
    "systems_and_spreadsheets": "Please link systems / databases / spreadsheets used to collect the data.",
    "collection_and_calculation_method": "Please detail how the data is collected and how the result is calculated.",
    "why_it_matters": (
        "Why is it important for this metric to reach its target and be established as a corporate KPI "
        "shared with members and the public?"
    ),
    "seasonality": "Will seasonality affect this monthly outcome of this metric? If yes, why?",
    "amber_factors": (
        "Please outline any smaller contributing factors or variables that may prevent this metric from "
        "reaching its target level (Performing Amber)"
    ),
    "red_factors": (
        "Please outline any significant contributing factors or variables that could cause this metric to "
        "perform below the intervention level (Performing Red)"
    ),
    "interventions_available": (
        "If this metric stays below the intervention level for an extended period, what actions can be "
        "taken to raise it into the minimum acceptable range (Amber)?"
    ),
    "benchmarking_available": "Is there any Local/National Benchmarking data available for this metric?",
}

# Who signs a template off: the service manager of the KPI's service (seed 001, B.2).
SIGNER_ROLE = Role.SERVICE_MANAGER


class TemplateState(StrEnum):
    DRAFT = "draft"  # being written; editable
    SIGNED = "signed"  # signed off by the service manager: in force, read-only
    SUPERSEDED = "superseded"  # a later version of the same year was signed


class Characteristic(StrEnum):
    """The six characteristics of good data quality (seed 003, section 5, after the Audit Commission)."""

    ACCURACY = "accuracy"
    VALIDITY = "validity"
    RELIABILITY = "reliability"
    TIMELINESS = "timeliness"
    RELEVANCE = "relevance"
    COMPLETENESS = "completeness"


class Rating(StrEnum):
    """How well a KPI's practice meets one characteristic. Seed 003 names the characteristics but no
    scale; three steps read like the RAG the seeds report everything else in (good ~ Green, adequate ~
    Amber, poor ~ Red) and are what a reviewer can judge from one conversation with a service."""

    GOOD = "good"
    ADEQUATE = "adequate"
    POOR = "poor"


@dataclass(frozen=True, slots=True)
class Version:
    """One version of a KPI's template for a year: its number and state."""

    number: int
    state: TemplateState


def unanswered(answers: Mapping[str, str | None]) -> list[str]:
    """The B.2 questions (by field) left empty: a template is signed only when every one is answered
    ("in enough detail so that a different officer could complete this process")."""
    return [name for name in TEMPLATE_QUESTIONS if not (answers.get(name) or "").strip()]


def require_editable(state: TemplateState) -> None:
    """A template changes only while a draft; a signed one changes by a new version."""
    if state is not TemplateState.DRAFT:
        remedy = (
            "make a new version (it must be signed again)"
            if state is TemplateState.SIGNED
            else "change the version in force instead"
        )
        raise TransitionNotAllowed(
            f"This data quality template is {state.value} and cannot be changed: {remedy}.",
            current=state.value,
            requested="edit",
        )


def sign(state: TemplateState, roles_over_kpi: Iterable[Role], answers: Mapping[str, str | None]) -> TemplateState:
    """Sign a draft off; ``roles_over_kpi`` are the signer's roles whose scope reaches the KPI's service.

    Only the service manager of the KPI's service signs (seed 001, B.2): not the performance team,
    not a director, not a service manager of another service. Every question must be answered."""
    if state is not TemplateState.DRAFT:
        raise TransitionNotAllowed(
            f"Only a draft is signed off; this version is already {state.value}.",
            current=state.value,
            requested=TemplateState.SIGNED.value,
        )
    if SIGNER_ROLE not in frozenset(roles_over_kpi):
        raise TransitionNotAllowed(
            "Only the service manager of the KPI's service signs its data quality template off "
            "(seed 001, B.2); you do not hold the service_manager role over this KPI's service.",
            current=state.value,
            requested=TemplateState.SIGNED.value,
            allowed_roles=(SIGNER_ROLE.value,),
        )
    missing = unanswered(answers)
    if missing:
        raise DomainError(
            "Every question of the template is answered before it is signed off; unanswered: " + ", ".join(missing),
            field=missing[0],
        )
    return TemplateState.SIGNED


def superseded_by_signing(versions: Iterable[Version], signed_number: int) -> list[int]:
    """The versions that signing ``signed_number`` supersedes: the one in force before it."""
    return [v.number for v in versions if v.state is TemplateState.SIGNED and v.number != signed_number]


def next_version(versions: Iterable[Version]) -> int:
    """The number of a new version of a KPI's template for a year.

    A new version is made from the one in force (signed) when nothing newer is being written: while a
    draft exists, that draft is where changes go."""
    versions = sorted(versions, key=lambda v: v.number)
    if not versions:
        raise DomainError("There is no template for this KPI and year to make a new version of.")
    drafts = [v.number for v in versions if v.state is TemplateState.DRAFT]
    if drafts:
        raise TransitionNotAllowed(
            f"Version {drafts[-1]} is a draft still being written: change it rather than starting another.",
            current=TemplateState.DRAFT.value,
            requested="new version",
        )
    return versions[-1].number + 1


def in_force(versions: Iterable[Version]) -> int | None:
    """The number of the version in force (the signed one), if any."""
    signed = [v.number for v in versions if v.state is TemplateState.SIGNED]
    return max(signed) if signed else None


def publication_refusal(*, required: bool, template_signed: bool, kpi_code: str, financial_year: str) -> str | None:
    """Why a KPI's value for a period of ``financial_year`` may not be published, or None.

    With the organisation's gate on, values are published only once the KPI's template for that year
    is signed ("before each year of reporting, a data quality template is completed", seed 001, B.1)."""
    if not required or template_signed:
        return None
    return (
        f"{kpi_code} has no signed data quality template for {financial_year}: the organisation publishes a "
        "KPI's values only once its service manager has signed the year's template off"
    )
