"""A period's figures as an owner reports them: checked against how the KPI is reported
(``domain.figures``), stored, and sense-checked against the KPI's counted history and targets
(``domain.check_period``: flags never block a submission, they tell the performance team where to look)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Actor
from pmf_api.domain import (
    DomainError,
    EvaluationConfig,
    FinancialYear,
    Frequency,
    KpiDefinition,
    KpiTarget,
    Observation,
    Period,
    check_period,
)
from pmf_api.domain.figures import figure_problems, measured_value, missing_figure
from pmf_api.domain.workflow import (
    SubmissionState,
)
from pmf_api.framework.organisations.service import evaluation_config
from pmf_api.performance import mapping
from pmf_api.performance.submissions.models import Submission
from pmf_api.performance.submissions.repository import SubmissionRepository
from pmf_api.performance.targets.repository import KpiTargets, TargetRepository
from pmf_api.platform.db.base import DECIMAL_SCALE
from pmf_api.platform.errors import (
    FieldProblem,
    Location,
    field_problems,
    invalid,
    refuse,
)

if TYPE_CHECKING:
    from pmf_api.framework.organisations.models import Organisation
    from pmf_api.performance.kpis.models import Kpi

VALUE_FIELDS = ("value", "numerator", "denominator", "commentary", "owner_forecast")
# The domain's observation says "comment"; the API's field is "commentary".
FLAG_FIELDS: dict[str | None, str | None] = {"comment": "commentary"}


@dataclass(frozen=True)
class SubmissionValues:
    """What an owner reports for a period: the value (or numerator and denominator for a ratio
    KPI), a comment explaining it, and the year-end forecast (seed 001_ec6bae7b38cacc6f.txt, E.1)."""

    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    commentary: str | None = None
    owner_forecast: Decimal | None = None


def parse_period(
    text: str,
    kpi: Kpi,
    organisation: Organisation,
    as_of: date,
    field: str = "period",
    location: Location = Location.BODY,
) -> Period:
    """A period the KPI reports for (its frequency) that has ended by ``as_of``; ``field`` and
    ``location`` say where the request gave it."""
    try:
        period = Period.parse(text)
    except DomainError as exc:
        raise invalid(field, exc.message, location) from None
    frequency = Frequency(kpi.frequency)
    if period.frequency is not frequency:
        example = {Frequency.MONTHLY: "2026/27 P3", Frequency.QUARTERLY: "2026/27 Q1"}.get(frequency, "2026/27")
        message = f"{kpi.code} is reported {frequency.value}: give a period like {example}, not {text}"
        raise invalid(field, message, location)
    if period.end_date(organisation.financial_year_start_month) >= as_of:
        message = f"{period} has not ended yet: its values can be entered from the day after it ends"
        raise invalid(field, message, location)
    return period


def _figures(values: SubmissionValues | Submission) -> dict[str, Decimal | None]:
    return {"value": values.value, "numerator": values.numerator, "denominator": values.denominator}


def value_problems(kpi: Kpi, values: SubmissionValues, definition: KpiDefinition | None = None) -> list[FieldProblem]:
    """How the figures fit how the KPI is reported (``pmf_api.domain.figures``); a caller checking many
    values of one KPI passes its ``definition``."""
    return field_problems(figure_problems(definition or mapping.definition_of(kpi), **_figures(values)))


def check_values(kpi: Kpi, values: SubmissionValues) -> None:
    refuse(value_problems(kpi, values))


def require_figures(kpi: Kpi, figures: SubmissionValues | Submission) -> None:
    missing = missing_figure(mapping.definition_of(kpi), **_figures(figures))
    if missing is not None:
        raise invalid(missing.field or "", missing.message)


def stored_values(definition: KpiDefinition, values: SubmissionValues) -> dict[str, Any]:
    """The submission columns a save writes."""
    return {
        "value": measured_value(definition, **_figures(values), decimal_places=DECIMAL_SCALE),
        "numerator": values.numerator,
        "denominator": values.denominator,
        "commentary": values.commentary,
        "owner_forecast": values.owner_forecast,
    }


def flags_for(
    kpi: Kpi,
    definition: KpiDefinition,
    config: EvaluationConfig,
    period: Period,
    stored: dict[str, Any],
    earlier: Sequence[Observation],
    targets: Mapping[FinancialYear, KpiTarget],
    as_of: date,
) -> list[dict[str, Any]]:
    """The domain's sense-checks of a period's values against earlier counted values and targets."""
    observation = Observation(
        period=period,
        value=stored["value"],
        numerator=stored["numerator"],
        denominator=stored["denominator"],
        comment=stored["commentary"] or "",
        owner_forecast=stored["owner_forecast"],
    )
    flags = check_period(
        definition,
        [*earlier, observation],
        targets,
        period,
        as_of,
        config=config,
        expected_range=(kpi.expected_min, kpi.expected_max),
    )
    return [
        {"code": f.code, "severity": f.severity.value, "message": f.message, "field": FLAG_FIELDS.get(f.field, f.field)}
        for f in flags
    ]


async def sense_check(
    session: AsyncSession,
    kpi: Kpi,
    organisation: Organisation,
    period: Period,
    stored: dict[str, Any],
    as_of: date,
) -> list[dict[str, Any]]:
    """``flags_for`` one submission, loading the KPI's counted history and targets."""
    history = await SubmissionRepository(session).counted_before(
        kpi.id, period.end_date(organisation.financial_year_start_month)
    )
    targets = (await TargetRepository(session).of_kpis([kpi.id])).get(kpi.id, KpiTargets())
    return flags_for(
        kpi,
        mapping.definition_of(kpi),
        evaluation_config(organisation),
        period,
        stored,
        mapping.observations_of(history),
        targets.in_force(period),
        as_of,
    )


def same_value(current: Any, new: Any) -> bool:
    """Whether a stored column already holds ``new`` (decimals compare by value: 1.50 is 1.5)."""
    if current is None or new is None:
        return current is new
    if isinstance(current, Decimal) or isinstance(new, Decimal):
        return Decimal(current) == Decimal(new)
    return bool(current == new)


def not_editable_message(code: str, period: Period, state: SubmissionState) -> str:
    if state is SubmissionState.PUBLISHED:
        return f"{code} for {period} is published: open a revision with a reason to change it"
    return f"{code} for {period} is {state.value} and with the performance team; it can change once queried"


def draft_values(
    actor: Actor,
    kpi_id: uuid.UUID,
    period: Period,
    start_month: int,
    stored: Mapping[str, Any],
    now: datetime | None = None,
) -> dict[str, Any]:
    """Every column of a new submission (a draft) of ``stored`` figures and flags: what saving one
    value creates, and what a bulk push inserts many of at once."""
    now = now or datetime.now(UTC)
    return {
        "id": uuid.uuid4(),
        "organisation_id": actor.organisation_id,
        "kpi_id": kpi_id,
        "period": str(period),
        "financial_year": str(period.financial_year),
        "period_end": period.end_date(start_month),
        "state": SubmissionState.DRAFT.value,
        **{name: stored[name] for name in (*VALUE_FIELDS, "flags")},
        "revision": 1,
        "revision_reason": None,
        "entered_by": actor.subject,
        "submitted_by": None,
        "submitted_at": None,
        "first_submitted_at": None,
        "validated_by": None,
        "validated_at": None,
        "published_at": None,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
