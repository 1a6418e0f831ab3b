"""Queries of the audit trail (its rows are written by ``pmf_api.platform.audit``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement, and_, bindparam, or_, true

from pmf_api.access.actor import Actor
from pmf_api.domain.roles import Role
from pmf_api.platform.audit import AuditEntry
from pmf_api.platform.db.repository import OwnedRepository, Reader

# Records whose audit entries only the performance team reads: an individual's objectives are seen
# by the person, their line manager and the performance team only (framework.objectives), so
# internal audit does not read them through the trail either.
PRIVATE_ENTITY_TYPES = ("objective",)
READS_PRIVATE_ENTRIES = frozenset({Role.PERFORMANCE})


class AuditRepository(OwnedRepository[AuditEntry]):
    model = AuditEntry
    what = "audit entry"
    sortable = {"at": AuditEntry.at}
    default_sort = "-at"
    filters = {
        "since": lambda value: AuditEntry.at >= value,
        "until": lambda value: AuditEntry.at < value,
    }

    @classmethod
    def read_rule(cls) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = and_(
            AuditEntry.organisation_id == bindparam("reader_organisation_id"),
            or_(
                bindparam("reader_reads_private", type_=Boolean()) == true(),
                AuditEntry.entity_type.not_in(PRIVATE_ENTITY_TYPES),
            ),
        )
        return condition

    @classmethod
    def read_params(cls, reader: Reader) -> dict[str, Any]:
        private = isinstance(reader, Actor) and reader.holds(READS_PRIVATE_ENTRIES)
        return {"reader_organisation_id": reader.organisation_id, "reader_reads_private": private}
