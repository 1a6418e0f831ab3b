"""OData's system query options over one feed: ``$select``, ``$filter`` (``filters``), ``$orderby``,
``$top``, ``$skip``, ``$count``, ``$format``, and the ``$skiptoken`` of our own next links: each
checked against the feed's declared properties; what is not OData is 400, what this read-only
service does not serve is 501.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement

from pmf_api.publishing.feeds.definitions import Feed
from pmf_api.publishing.odata.errors import BadRequest, NotSupported
from pmf_api.publishing.odata.filters import Columns, translate_filter

MAX_TOP = 100_000  # $top above it is refused (a client pages with the next link instead)
MAX_SKIP = 2**31 - 1  # rows skipped at most ($skip and our $skiptoken together): past any council's rows
MAX_PAGE = 1_000  # rows per page at most: server-driven paging, whatever odata.maxpagesize asks
SUPPORTED_OPTIONS = frozenset({"$select", "$filter", "$orderby", "$top", "$skip", "$count", "$skiptoken", "$format"})
NOT_SUPPORTED_OPTIONS = frozenset(
    {"$expand", "$apply", "$search", "$compute", "$levels", "$index", "$deltatoken", "$schemaversion", "$id"}
)
_ORDER_ITEM = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$")


@dataclass(frozen=True)
class Options:
    """The system query options of one request, checked against the feed."""

    select: tuple[str, ...]  # the properties each row carries, in the feed's order
    selected: bool  # whether $select narrowed them (the context URL says which)
    where: ColumnElement[bool] | None
    order: tuple[tuple[str, bool], ...]  # (property, descending), the feed's key last
    top: int | None
    skip: int
    count: bool
    skiptoken: int  # rows of this result already sent, from our own next link


def one_each(items: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The system query options, each at most once; 501 for those we do not serve, 400 for unknown ones."""
    found: dict[str, str] = {}
    for name, value in items:
        if not name.startswith("$"):
            continue  # a custom query option: OData says a service ignores those it does not know
        option = name.lower()
        if option in NOT_SUPPORTED_OPTIONS:
            raise NotSupported(f"The system query option {option} is not supported", target=option)
        if option not in SUPPORTED_OPTIONS:
            raise BadRequest(f"{name} is not a system query option", target=name)
        if option in found:
            raise BadRequest(f"{option} is given more than once", target=option)
        found[option] = value
    fmt = found.get("$format")
    if fmt is not None:
        kind = fmt.split(";", 1)[0].strip().lower()
        if kind in ("xml", "atom", "application/xml", "application/atom+xml"):
            raise NotSupported("$format=xml is not supported: this service answers JSON", target="$format")
        if kind not in ("json", "application/json"):
            raise BadRequest(f"$format must be json, not {fmt!r}", target="$format")
    return found


def parse_options(feed: Feed, items: Sequence[tuple[str, str]], columns: Columns) -> Options:
    """The options of a request for ``feed``'s entity set; ``columns`` are its subquery's, by name."""
    found = one_each(items)
    select, selected = _select(feed, found.get("$select"))
    where = None
    if "$filter" in found:
        where = translate_filter(feed, found["$filter"], columns)
    order = _orderby(feed, found.get("$orderby"))
    top = _whole(found.get("$top"), "$top", maximum=MAX_TOP)
    skip = _whole(found.get("$skip"), "$skip", maximum=MAX_SKIP) or 0
    skiptoken = _whole(found.get("$skiptoken"), "$skiptoken", maximum=MAX_SKIP - skip) or 0
    count_text = found.get("$count")
    if count_text is not None and count_text.strip().lower() not in ("true", "false"):
        raise BadRequest(f"$count must be true or false, not {count_text!r}", target="$count")
    return Options(
        select=select,
        selected=selected,
        where=where,
        order=order,
        top=top,
        skip=skip,
        count=count_text is not None and count_text.strip().lower() == "true",
        skiptoken=skiptoken,
    )


def _select(feed: Feed, text: str | None) -> tuple[tuple[str, ...], bool]:
    everything = tuple(column.name for column in feed.columns)
    if text is None or text.strip() in ("", "*"):
        return everything, False
    wanted: set[str] = set()
    for item in text.split(","):
        name = item.strip()
        if name == "*":
            return everything, False
        if "/" in name or "(" in name:
            raise NotSupported(f"$select of {name!r}: only properties of {feed.entity_type} are selected", "$select")
        if feed.column(name) is None:
            raise BadRequest(f"{feed.entity_type} has no property {name!r}", target="$select")
        wanted.add(name)
    return tuple(name for name in everything if name in wanted), True


def _orderby(feed: Feed, text: str | None) -> tuple[tuple[str, bool], ...]:
    order: list[tuple[str, bool]] = []
    if text is not None and text.strip():
        for item in text.split(","):
            match = _ORDER_ITEM.match(item)
            if match is None:
                raise BadRequest(f"$orderby takes properties, each optionally asc or desc, not {item!r}", "$orderby")
            name = match.group(1)
            if feed.column(name) is None:
                raise BadRequest(f"{feed.entity_type} has no property {name!r}", target="$orderby")
            if name not in (seen for seen, _ in order):
                order.append((name, match.group(2) == "desc"))
    # The key last, so that pages never repeat nor skip a row between two with the same values.
    order += [(name, False) for name in feed.key if name not in (seen for seen, _ in order)]
    return tuple(order)


def _whole(text: str | None, option: str, *, maximum: int) -> int | None:
    if text is None:
        return None
    value = text.strip()
    if not value.isdigit() or not value.isascii():
        raise BadRequest(f"{option} must be a whole number of 0 or more, not {text!r}", target=option)
    if len(value) > 19 or int(value) > maximum:
        raise BadRequest(f"{option} must be at most {maximum}", target=option)
    return int(value)
