"""Queries of the audit trail (its rows are written by ``pmf_api.platform.audit``)."""

from __future__ import annotations

from pmf_api.platform.audit import AuditEntry
from pmf_api.platform.db.repository import OwnedRepository


class AuditRepository(OwnedRepository[AuditEntry]):
    model = AuditEntry
    what = "audit entry"
    sortable = {"at": AuditEntry.at}
    default_sort = "-at"
    filters = {
        "since": lambda value: AuditEntry.at >= value,
        "until": lambda value: AuditEntry.at < value,
    }
