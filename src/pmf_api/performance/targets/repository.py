"""Queries of targets and their revisions: one place loads the targets (with the revisions that
matter) of a set of KPIs and years, for the status, the sense-checks and the bulk push alike."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select

from pmf_api.domain import FinancialYear, KpiTarget, Period
from pmf_api.domain.workflow import TargetRevisionState
from pmf_api.performance import mapping
from pmf_api.performance.kpis.repository import kpis_of_service
from pmf_api.performance.targets.models import Target, TargetRevision
from pmf_api.platform.db.pages import Page, paginate
from pmf_api.platform.db.repository import OwnedRepository

# Statements stay well inside both databases' bound-parameter limits.
IN_CHUNK = 500
REVISION_ORDER = {"number": TargetRevision.number}


@dataclass
class KpiTargets:
    """A KPI's targets over some years, with the revisions of the years asked for (read-only rows
    with the models' attributes: ``mapping.TargetRow`` and ``mapping.RevisionRow``)."""

    targets: list[Any] = field(default_factory=list)
    revisions: dict[uuid.UUID, list[Any]] = field(default_factory=dict)  # by target id

    def in_force(self, period: Period) -> dict[FinancialYear, KpiTarget]:
        """Each year's target as the rules judge ``period`` against it (``mapping.targets_for``)."""
        return mapping.targets_for(self.targets, self.revisions, period) if self.targets else {}

    @property
    def versions(self) -> tuple[tuple[uuid.UUID, int], ...]:
        """Each target's id and version: a revision bumps its target's, so this moves with any change."""
        return tuple(sorted((target.id, target.version) for target in self.targets))


class TargetRepository(OwnedRepository[Target]):
    model = Target
    what = "target"
    sortable = {"financial_year": Target.financial_year, "updated_at": Target.updated_at}
    default_sort = "-financial_year"
    filters = {
        "service_id": lambda value: Target.kpi_id.in_(kpis_of_service(value)),
        "revision_pending": lambda value: Target.pending_revision.is_not(None) == value,
    }

    @classmethod
    def models_read(cls) -> tuple[type[Any], ...]:
        return (Target, TargetRevision)

    async def of_kpis(
        self,
        kpi_ids: Sequence[uuid.UUID] | Select[Any],
        years: Collection[str] | None = None,
        revision_years: Collection[str] | None = None,
    ) -> dict[uuid.UUID, KpiTargets]:
        """The targets of ``kpi_ids`` (ids, or a subquery giving them; of ``years``, else every
        year), with the revisions of ``revision_years`` (else of every year loaded), by KPI.

        Read-only rows (attributes as the models', no ORM objects: a scorecard loads thousands),
        two statements per chunk of KPIs."""
        found: dict[uuid.UUID, KpiTargets] = {}
        connection = await self.session.connection()
        chunks = [kpi_ids] if isinstance(kpi_ids, Select) else _chunks(kpi_ids)
        for chunk in chunks:
            targets = select(*Target.__table__.columns).where(Target.kpi_id.in_(chunk))
            if years is not None:
                targets = targets.where(Target.financial_year.in_(sorted(years)))
            for target in await connection.execute(targets):
                found.setdefault(target.kpi_id, KpiTargets()).targets.append(target)
            revised = (
                select(Target.kpi_id, *TargetRevision.__table__.columns)
                .join(Target, Target.id == TargetRevision.target_id)
                .where(Target.kpi_id.in_(chunk), TargetRevision.state == TargetRevisionState.APPROVED.value)
                .order_by(TargetRevision.target_id, TargetRevision.number)
            )
            if revision_years is not None or years is not None:
                revised = revised.where(Target.financial_year.in_(sorted(revision_years or years or ())))
            for revision in await connection.execute(revised):
                found[revision.kpi_id].revisions.setdefault(revision.target_id, []).append(revision)
        return found

    async def revision_page(self, target_id: uuid.UUID, *, cursor: str | None, limit: int) -> Page[TargetRevision]:
        """A page of a target's revisions, oldest first (keyset on the revision's number), whatever their
        state; only approved ones apply (``of_kpis`` loads no other)."""
        stmt = select(TargetRevision).where(TargetRevision.target_id == target_id)
        return await paginate(
            self.session, stmt, TargetRevision, sort="number", sortable=REVISION_ORDER, cursor=cursor, limit=limit
        )

    async def revision(self, target_id: uuid.UUID, number: int) -> TargetRevision | None:
        """A target's revision by its number (locked in a unit that writes)."""
        return await self.session.scalar(
            select(TargetRevision).where(TargetRevision.target_id == target_id, TargetRevision.number == number)
        )

    async def latest_revision(self, target: Target) -> TargetRevision:
        """The latest revision that applies (a refused one never did)."""
        revision = await self.session.scalar(
            select(TargetRevision)
            .where(TargetRevision.target_id == target.id, TargetRevision.state == TargetRevisionState.APPROVED.value)
            .order_by(TargetRevision.number.desc())
            .limit(1)
        )
        assert revision is not None, "every target has its first revision"
        return revision


def _chunks(ids: Sequence[uuid.UUID]) -> list[Sequence[uuid.UUID]]:
    return [ids[start : start + IN_CHUNK] for start in range(0, len(ids), IN_CHUNK)]
