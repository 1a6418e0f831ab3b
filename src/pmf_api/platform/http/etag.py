"""ETags for records (``"<id prefix>-<version>"``): conditional reads (304) and conditional writes (412)."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import Header, Response

from pmf_api.platform.db.base import Entity
from pmf_api.platform.errors import PreconditionFailed


def etag_of(entity: Entity) -> str:
    return etag_for(entity.id, entity.version)


def etag_for(id: uuid.UUID, version: int) -> str:
    return f'"{id.hex[:8]}-{version}"'


def still_current(if_none_match: str | None, tag: str) -> bool:
    """Whether ``If-None-Match`` names ``tag``: the client's copy is current (answer 304)."""
    return if_none_match is not None and tag in {t.strip() for t in if_none_match.split(",")}


_ETAG = re.compile(r'^(?:W/)?"[0-9a-f]{8}-(\d+)"$')


def expected_version(if_match: str | None, entity_id: uuid.UUID | None = None) -> int | None:
    """The version named by ``If-Match``; None when absent or ``*`` (last write wins)."""
    if if_match is None or if_match.strip() == "*":
        return None
    for candidate in (c.strip() for c in if_match.split(",")):
        found = _ETAG.match(candidate)
        if found and (entity_id is None or candidate.strip('W/"').startswith(entity_id.hex[:8])):
            return int(found.group(1))
    raise PreconditionFailed.if_match(f"If-Match {if_match} names no version of this record")


IfNoneMatch = Annotated[str | None, Header(description="An ETag you hold; 304 if still current")]
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {304: {"description": "Not modified since the ETag you hold"}}


def not_modified(response: Response, entity: Entity, if_none_match: str | None) -> Response | None:
    """A 304 when the client's copy of ``entity`` is current; else None, with its ETag on ``response``."""
    tag = etag_of(entity)
    if still_current(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag})
    response.headers["ETag"] = tag
    return None


IfMatch = Annotated[
    str | None,
    Header(description="The ETag you read; a stale one gets 412 and nothing is changed"),
]


def with_etag(response: Response, entity: Entity) -> None:
    response.headers["ETag"] = etag_of(entity)
