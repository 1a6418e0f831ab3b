"""ETags and conditional requests: one helper for every GET.

* Records carry ``"<id prefix>-<version>"`` (strong: the version moves with every change); a route
  that has the record sets it (:func:`with_etag`, :func:`not_modified`), and writes check ``If-Match``
  against it (:func:`expected_version`, 412 when stale).
* Every other ``GET`` answer (lists, the scorecard, status, collection, audit, templates) gets a weak
  tag of its body's bytes from :class:`ConditionalGets`, which also answers ``If-None-Match`` for every
  ``GET`` with 304 (RFC 9110 13.1.2: weak comparison, ``*``, a list of tags), whichever path answered
  it: a route, or the fast read path (``fast_reads``), which it wraps.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Annotated, Any

from fastapi import Header, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pmf_api.platform.db.base import Entity
from pmf_api.platform.errors import PreconditionFailed


def etag_of(entity: Entity) -> str:
    return etag_for(entity.id, entity.version)


def etag_for(id: uuid.UUID, version: int) -> str:
    return f'"{id.hex[:8]}-{version}"'


def etag_of_body(body: bytes) -> str:
    """A weak tag of a computed answer's bytes: the same bytes, the same tag."""
    return f'W/"{hashlib.sha256(body).hexdigest()[:24]}"'  # SHA-256: hardware-assisted on most CPUs


# An entity-tag in a header's list (RFC 9110 8.8.3): optionally weak, then quoted characters.
_ENTITY_TAG = re.compile(r'(?:W/)?"([\x21\x23-\x7e\x80-\xff]*)"')


def _opaque(tag: str) -> str | None:
    found = _ENTITY_TAG.fullmatch(tag.strip())
    return found.group(1) if found else None


def still_current(if_none_match: str | None, tag: str) -> bool:
    """Whether ``If-None-Match`` names ``tag``, so the client's copy is current (answer 304).

    Weak comparison (RFC 9110 8.8.3.2), as If-None-Match asks (13.1.2): ``W/"x"`` matches ``"x"``
    and ``"x"`` matches ``W/"x"``; ``*`` matches any; a list matches when any of its tags does.
    Anything that is not an entity-tag never matches (the full answer is sent)."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = _opaque(tag)
    return wanted is not None and wanted in _tags_in(if_none_match)


_LISTED_TAG = re.compile(r'[ \t]*(?:W/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*(?:,|$)')


def _tags_in(header: str) -> list[str]:
    """The opaque parts of a list of entity-tags; none at all when the list is not one (garbage)."""
    tags, position = [], 0
    while position < len(header):
        found = _LISTED_TAG.match(header, position)
        if found is not None:
            tags.append(found.group(1))
            position = found.end()
        elif header[position] in ", \t":  # empty list elements are allowed (RFC 9110 5.6.1)
            position += 1
        else:
            return []
    return tags


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


IF_NONE_MATCH_DESCRIPTION = (
    "ETags you hold (a list, or `*`); 304 with no body if one is still current. "
    'Compared weakly: `W/"x"` and `"x"` name the same answer.'
)
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match", description=IF_NONE_MATCH_DESCRIPTION)]
NOT_MODIFIED_DESCRIPTION = "Not modified since the ETag you hold (sent in `If-None-Match`): the ETag, no body"
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {304: {"description": NOT_MODIFIED_DESCRIPTION}}


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


# --- Every GET: an ETag, and 304 when If-None-Match names it ----------------------------------------

# Of a 200's headers, what a 304 keeps (RFC 9110 15.4.5: those that would describe the same answer);
# the body's own (length, type) go with the body.
_BODY_HEADERS = frozenset({b"content-length", b"content-type", b"content-encoding", b"content-disposition"})


class ConditionalGets:
    """ASGI middleware: a successful ``GET`` carries an ``ETag`` (the route's, else a weak tag of
    the body, :func:`etag_of_body`), and one whose tag ``If-None-Match`` names is a 304 with that
    ``ETag`` and no body. Other methods and statuses pass untouched; so does a ``GET`` whose route
    set its own tag, when the client sent no ``If-None-Match`` (the record reads: nothing buffered)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        if_none_match = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"if-none-match"), None)
        await self.app(scope, receive, _Conditional(send, if_none_match).send)


class _Conditional:
    """One GET's answer on its way out: passed on, tagged once its body is whole, or turned into a 304."""

    __slots__ = ("_body", "_downstream", "_if_none_match", "_mode", "_start")

    def __init__(self, downstream: Send, if_none_match: str | None) -> None:
        self._downstream = downstream
        self._if_none_match = if_none_match
        self._mode = "start"  # then "pass", "buffer" (no tag yet) or "drop" (a 304 was sent)
        self._start: Message = {}
        self._body: list[bytes] = []

    async def send(self, message: Message) -> None:
        if self._mode == "start" and message["type"] == "http.response.start":
            await self._begin(message)
        elif self._mode == "buffer" and message["type"] == "http.response.body":
            self._body.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._finish()
        elif self._mode != "drop":
            await self._downstream(message)

    async def _begin(self, start: Message) -> None:
        if start["status"] != 200:
            self._mode = "pass"
            await self._downstream(start)
            return
        tag = next((v.decode("latin-1") for k, v in start["headers"] if k == b"etag"), None)
        if tag is None:
            self._mode, self._start = "buffer", start
        elif still_current(self._if_none_match, tag):
            self._mode = "drop"
            await self._not_modified(start, tag)
        else:
            self._mode = "pass"
            await self._downstream(start)

    async def _finish(self) -> None:
        body = b"".join(self._body)
        tag = etag_of_body(body)
        if still_current(self._if_none_match, tag):
            self._mode = "drop"
            await self._not_modified(self._start, tag)
            return
        self._mode = "pass"
        headers = [*self._start["headers"], (b"etag", tag.encode("latin-1"))]
        await self._downstream({**self._start, "headers": headers})
        await self._downstream({"type": "http.response.body", "body": body})

    async def _not_modified(self, start: Message, tag: str) -> None:
        kept = [(k, v) for k, v in start["headers"] if k not in _BODY_HEADERS and k != b"etag"]
        headers = [*kept, (b"etag", tag.encode("latin-1"))]
        await self._downstream({"type": "http.response.start", "status": 304, "headers": headers})
        await self._downstream({"type": "http.response.body", "body": b""})


def document_conditional_gets(spec: dict[str, Any]) -> None:
    """Say in an OpenAPI document what :class:`ConditionalGets` does for each GET: its ``ETag``, the
    ``If-None-Match`` header and the 304 answer."""
    for item in spec.get("paths", {}).values():
        operation = item.get("get")
        if operation is None:
            continue
        parameters = operation.setdefault("parameters", [])
        if not any(p.get("in") == "header" and p.get("name", "").lower() == "if-none-match" for p in parameters):
            parameters.append(
                {
                    "name": "If-None-Match",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": IF_NONE_MATCH_DESCRIPTION,
                }
            )
        responses = operation.setdefault("responses", {})
        if "200" in responses:
            responses["200"].setdefault("headers", {})["ETag"] = {
                "description": "This answer's tag, for `If-None-Match` (and, on a record, `If-Match`)",
                "schema": {"type": "string"},
            }
        responses.setdefault("304", {"description": NOT_MODIFIED_DESCRIPTION})
        operation["responses"] = dict(sorted(responses.items()))
