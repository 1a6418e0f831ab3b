"""Queries of API keys (the stored keys are ``pmf_api.access.keys``'s; this is their management)."""

from __future__ import annotations

from pmf_api.access.keys import ApiKey
from pmf_api.platform.db.repository import OwnedRepository


class ApiKeyRepository(OwnedRepository[ApiKey]):
    model = ApiKey
    what = "API key"
    sortable = {"created_at": ApiKey.created_at}
    default_sort = "-created_at"
    filters = {"active": lambda _value: ApiKey.revoked_at.is_(None)}
