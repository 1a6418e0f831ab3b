"""2026-11-30_service_plan_versions on both databases: existing service plans become version 1 with no
projects, and a Corporate Plan whose status said ``archived`` becomes an adopted plan that is archived."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import JSON, Integer, String, Uuid, insert, select
from sqlalchemy.sql.expression import TableClause, column, table

from pmf_api.platform.db.base import UTCDateTime
from pmf_api.platform.db.migrations import downgrade, upgrade
from tests.conftest import REQUIRE_POSTGRES, Backend, _drop_postgres_database
from tests.integration.test_migrations import _fresh_database, _run

BEFORE = "3e8a51c7d204"
_TYPES = {
    "id": Uuid(),
    "organisation_id": Uuid(),
    "directorate_id": Uuid(),
    "service_id": Uuid(),
    "copied_from_id": Uuid(),
    "settings": JSON(),
    "projects": JSON(),
    "before": JSON(),
    "after": JSON(),
    "entity_id": Uuid(),
    "service_plan_id": Uuid(),
    "at": UTCDateTime(),
    "reviewed_at": UTCDateTime(),
    "created_at": UTCDateTime(),
    "updated_at": UTCDateTime(),
    "archived_at": UTCDateTime(),
    "version": Integer(),
    "version_number": Integer(),
    "start_year": Integer(),
    "end_year": Integer(),
}


def _table(name: str, *names: str) -> TableClause:
    """The table as the migration left it, with the types its values bind with."""
    every = ("id", "created_at", "updated_at", "version", *names)
    return table(name, *(column(n, _TYPES.get(n, String())) for n in every))


_corporate = _table("corporate_plan", "status", "archived_at")


async def test_existing_plans_are_mapped(backend: Backend, tmp_path: Path) -> None:
    try:
        url, engine = await _fresh_database(backend.name, tmp_path)
    except OSError as exc:  # pragma: no cover - the backend fixture already skipped when unreachable
        if REQUIRE_POSTGRES:
            raise
        pytest.skip(str(exc))
    org, directorate, service, plan = (uuid.uuid4() for _ in range(4))
    archived, adopted, archived_before = (uuid.uuid4() for _ in range(3))
    changed = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    earlier = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
    try:
        await _run(engine, lambda c: upgrade(url, BEFORE, connection=c))
        stamps = {"created_at": changed, "updated_at": changed, "version": 1}
        async with engine.begin() as connection:
            await connection.execute(
                insert(_table("organisation", "code", "name", "settings")),
                {"id": org, "code": "OLD", "name": "Old Council", "settings": {}, **stamps},
            )
            await connection.execute(
                insert(_table("directorate", "organisation_id", "code", "name")),
                {"id": directorate, "organisation_id": org, "code": "D", "name": "Place", **stamps},
            )
            await connection.execute(
                insert(_table("service", "organisation_id", "code", "name", "directorate_id")),
                {
                    "id": service,
                    "organisation_id": org,
                    "code": "S",
                    "name": "Waste",
                    "directorate_id": directorate,
                    **stamps,
                },
            )
            await connection.execute(
                insert(_table("service_plan", "organisation_id", "service_id", "financial_year", "status")),
                {
                    "id": plan,
                    "organisation_id": org,
                    "service_id": service,
                    "financial_year": "2025/26",
                    "status": "approved",
                    **stamps,
                },
            )
            columns = ("organisation_id", "title", "start_year", "end_year", "status", "archived_at")
            for id, status, archived_at in (
                (archived, "archived", None),
                (adopted, "adopted", None),
                (archived_before, "archived", earlier),
            ):
                await connection.execute(
                    insert(_table("corporate_plan", *columns)),
                    {
                        "id": id,
                        "organisation_id": org,
                        "title": "CP",
                        "start_year": 2023,
                        "end_year": 2028,
                        "status": status,
                        "archived_at": archived_at,
                        **stamps,
                    },
                )
            # The plan's moves as the audit trail kept them (and another record's, which is no review)
            audit = _table(
                "audit_entry",
                "organisation_id",
                "at",
                "actor_subject",
                "actor_name",
                "entity_type",
                "entity_id",
                "action",
                "before",
                "after",
                "note",
            )
            moves = [
                (plan, "service_plan", "draft", "quality_review", "Ready", "manager@example.gov.uk"),
                (plan, "service_plan", "quality_review", "draft", "Add projects", "team@example.gov.uk"),
                (plan, "service_plan", "draft", "quality_review", None, "manager@example.gov.uk"),
                (plan, "service_plan", "quality_review", "strategic_review", None, "team@example.gov.uk"),
                (plan, "service_plan", "strategic_review", "approved", "Agreed", "director@example.gov.uk"),
                (archived, "corporate_plan", "draft", "adopted", None, "team@example.gov.uk"),
            ]
            for minute, (entity_id, entity_type, was, now, note, subject) in enumerate(moves):
                await connection.execute(
                    insert(audit),
                    {
                        "id": uuid.uuid4(),
                        "organisation_id": org,
                        "at": datetime(2026, 1, 5, 10, minute, tzinfo=UTC),
                        "actor_subject": subject,
                        "actor_name": subject,
                        "entity_type": entity_type,
                        "entity_id": entity_id,
                        "action": "transition",
                        "before": {"status": was},
                        "after": {"status": now},
                        "note": note,
                    },
                )
        await _run(engine, lambda c: upgrade(url, connection=c))
        async with engine.connect() as connection:
            review = _table(
                "service_plan_review", "service_plan_id", "step", "decision", "comment", "reviewer", "reviewed_at"
            )
            history = await connection.execute(
                select(
                    review.c.service_plan_id, review.c.step, review.c.decision, review.c.comment, review.c.reviewer
                ).order_by(review.c.reviewed_at)
            )
            assert [tuple(row) for row in history] == [
                (plan, "submission", "submitted", "Ready", "manager@example.gov.uk"),
                (plan, "quality_review", "sent_back", "Add projects", "team@example.gov.uk"),
                (plan, "submission", "submitted", None, "manager@example.gov.uk"),
                (plan, "quality_review", "passed", None, "team@example.gov.uk"),
                (plan, "strategic_review", "approved", "Agreed", "director@example.gov.uk"),
            ]
            plans_table = _table("service_plan", "version_number", "projects", "copied_from_id")
            row = (
                await connection.execute(
                    select(plans_table.c.version_number, plans_table.c.projects, plans_table.c.copied_from_id)
                )
            ).one()
            assert tuple(row) == (1, [], None)
            plans = {
                id: (status, archived_at is not None)
                for id, status, archived_at in await connection.execute(
                    select(_corporate.c.id, _corporate.c.status, _corporate.c.archived_at)
                )
            }
        assert plans == {archived: ("adopted", True), adopted: ("adopted", False), archived_before: ("adopted", True)}
        # A second version of the plan, and next year's plan copied from it (as `next-year` copies the plan
        # it is called on): the downgrade keeps one plan a service and year, so the second version goes
        # and next year's forgets where it came from, on PostgreSQL's foreign keys as on SQLite.
        second, following = uuid.uuid4(), uuid.uuid4()
        versions = _table(
            "service_plan",
            "organisation_id",
            "service_id",
            "financial_year",
            "status",
            "version_number",
            "copied_from_id",
            "projects",
        )
        async with engine.begin() as connection:
            for id, year, number, source in ((second, "2025/26", 2, plan), (following, "2026/27", 1, second)):
                await connection.execute(
                    insert(versions),
                    {
                        "id": id,
                        "organisation_id": org,
                        "service_id": service,
                        "financial_year": year,
                        "status": "draft",
                        "version_number": number,
                        "copied_from_id": source,
                        "projects": [],
                        **stamps,
                    },
                )
        # The downgrade gives archived plans their old status back
        await _run(engine, lambda c: downgrade(url, BEFORE, connection=c))
        async with engine.connect() as connection:
            statuses = {
                id: status for id, status in await connection.execute(select(_corporate.c.id, _corporate.c.status))
            }
            left = set(await connection.scalars(select(_table("service_plan").c.id)))
        assert statuses == {archived: "archived", adopted: "adopted", archived_before: "archived"}
        assert left == {plan, following}
    finally:
        await engine.dispose()
        if backend.name == "postgresql":
            await _drop_postgres_database(url)
