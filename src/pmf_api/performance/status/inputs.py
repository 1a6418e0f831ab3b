"""What a KPI's status is computed from, declared once, and the cache keys made from that declaration.

Status keeps what it computed (a whole scorecard, each KPI's evaluation, each response item) while
its inputs stay the same. :data:`STATUS_INPUTS` lists every repository whose rows status reads,
beside the organisation itself (its settings and year start). Both keys come from that one list:

* the scorecard's :func:`data_version`: each input's fingerprint across the organisation, so a kept
  scorecard is used only while nothing it read has changed;
* each KPI's :func:`evaluation_keys`: the fingerprints, for that KPI, of the inputs whose rows belong
  to one KPI (its definition, targets, values), and the organisation-wide ones of the others, so
  one corrected value re-evaluates one KPI.

A fingerprint is a count, a version sum and the latest change: rows are never deleted (records are
archived) and every change bumps a row's version and its ``updated_at``, so it moves with any insert
or update. ``tests/integration/test_status_inputs.py`` fails when status reads a table that no input
declares: a new input of status (as open interventions were) must be added here, and only here.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.framework.organisations.repository import OrganisationRepository, ServiceRepository
from pmf_api.framework.plans.repository import OutcomeRepository
from pmf_api.performance.benchmarks.repository import (
    BenchmarkValueRepository,
    ComparatorGroupRepository,
    MetricMappingRepository,
)
from pmf_api.performance.interventions.repository import InterventionRepository
from pmf_api.performance.kpis.repository import KpiRepository
from pmf_api.performance.submissions.repository import SubmissionRepository
from pmf_api.performance.targets.repository import TargetRepository
from pmf_api.platform.db.repository import OwnedRepository


@dataclass(frozen=True)
class StatusInput:
    repository: type[OwnedRepository[Any]]
    # The column naming the KPI a row belongs to, for inputs whose rows belong to one KPI; None for
    # inputs that bear on every KPI (where services sit, which priority an outcome serves).
    kpi_column: Any = None  # an ORM column attribute, e.g. ``Target.kpi_id``
    # False for inputs the evaluation does not read (the benchmark position, worked out beside it):
    # they move the scorecard's data version, never a KPI's evaluation key.
    evaluated: bool = True

    @property
    def tables(self) -> frozenset[str]:
        return frozenset(model.__tablename__ for model in self.repository.models_read())


STATUS_INPUTS: tuple[StatusInput, ...] = (
    StatusInput(KpiRepository, KpiRepository.model.id),
    StatusInput(TargetRepository, TargetRepository.model.kpi_id),
    StatusInput(SubmissionRepository, SubmissionRepository.model.kpi_id),
    # An open KPI Intervention Form: escalation says whether it may close, the review keeps the KPI
    # among the exceptions, and status shows the form.
    StatusInput(InterventionRepository, InterventionRepository.model.kpi_id),
    StatusInput(ServiceRepository),
    StatusInput(OutcomeRepository),
    # The benchmark position beside each KPI's status (seed 003_2a403038ecab8362.txt): its
    # comparator groups, its metric mapping and the values published for each council.
    StatusInput(ComparatorGroupRepository, evaluated=False),
    StatusInput(MetricMappingRepository, evaluated=False),
    StatusInput(BenchmarkValueRepository, evaluated=False),
)

# The organisation is read for its settings and the month its year starts: its version moves with both.
DECLARED_TABLES = frozenset({OrganisationRepository.model.__tablename__}).union(
    *(each.tables for each in STATUS_INPUTS)
)


def _fingerprint(model: Any, *where: Any) -> list[Any]:
    return [
        select(func.count()).where(*where).scalar_subquery(),
        select(func.coalesce(func.sum(model.version), 0)).where(*where).scalar_subquery(),
        select(func.max(model.updated_at)).where(*where).scalar_subquery(),
    ]


async def data_version(session: AsyncSession, organisation: Any) -> tuple[Any, ...]:
    """A fingerprint of everything status reads in ``organisation``, in one query."""
    parts = [
        column
        for each in STATUS_INPUTS
        for column in _fingerprint(each.repository.model, each.repository.model.organisation_id == organisation.id)
    ]
    row = (await session.execute(select(*parts))).one()
    return (organisation.id, organisation.version, organisation.financial_year_start_month, *row)


async def evaluation_keys(
    session: AsyncSession, version: tuple[Any, ...], kpi_ids: Sequence[uuid.UUID] | Any
) -> dict[uuid.UUID, Hashable]:
    """Each KPI's part of what its evaluation depends on: the per-KPI fingerprints of the inputs
    whose rows belong to one KPI (one query) and ``version``'s organisation-wide part of the others
    (``version`` is :func:`data_version`'s)."""
    per_kpi = [each for each in STATUS_INPUTS if each.kpi_column is not None]
    organisation_wide = tuple(
        version[3 + 3 * index : 6 + 3 * index]
        for index, each in enumerate(STATUS_INPUTS)
        if each.kpi_column is None and each.evaluated
    )
    queries = [
        select(
            each.kpi_column.label("kpi_id"),
            func.count(),
            func.sum(each.repository.model.version),
            func.max(each.repository.model.updated_at),
            literal(index).label("input"),
        )
        .where(each.kpi_column.in_(kpi_ids))
        .group_by(each.kpi_column)
        for index, each in enumerate(per_kpi)
        if each.kpi_column is not None
    ]
    found: dict[uuid.UUID, list[Any]] = {}
    for kpi_id, count, versions, changed, index in await session.execute(union_all(*queries)):
        found.setdefault(kpi_id, [None] * len(per_kpi))[index] = (count, versions, changed)
    head = (version[:3], organisation_wide)
    return {kpi_id: (head, tuple(parts)) for kpi_id, parts in found.items()}
