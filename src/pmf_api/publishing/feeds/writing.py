"""Writing a page of a feed as JSON or CSV, and the models the spec describes them by.

Numbers stay numbers in both: a decimal is written exactly as stored (``-5.5``, never ``1E+1`` and
never a float's ``0.30000000000000004``), and in CSV it is never taken for a formula (a number is
data; only text is neutralised, through ``platform.file_safety``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from pmf_api.platform.file_safety import neutralise
from pmf_api.publishing.feeds.definitions import ColumnKind, Feed, FeedColumn

CSV = "text/csv"
# A text that is only a number, as a figure is shown (``value_display``): a spreadsheet reads it as
# that number, so it needs no apostrophe ("-5.5" must stay -5.5). ``copying`` applies the same rule.
PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _number(value: Decimal) -> str:
    text = format(value, "f")
    return text if text != "-0" else "0"


def _json_cell(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, date | datetime):
        return f'"{value.isoformat()}"'
    return json.dumps(str(value), ensure_ascii=False)


def json_rows(feed: Feed, rows: Iterable[Mapping[str, Any]]) -> str:
    """The rows as a JSON array of objects, keys in the feed's column order."""
    keys = [json.dumps(column.name) + ":" for column in feed.columns]
    names = [column.name for column in feed.columns]
    objects = (
        "{" + ",".join(key + _json_cell(row[name]) for key, name in zip(keys, names, strict=True)) + "}" for row in rows
    )
    return "[" + ",".join(objects) + "]"


def json_page(feed: Feed, rows: Iterable[Mapping[str, Any]], next_cursor: str | None, next_link: str | None) -> bytes:
    return (
        '{"items":'
        + json_rows(feed, rows)
        + ',"next_cursor":'
        + json.dumps(next_cursor)
        + ',"next_link":'
        + json.dumps(next_link)
        + "}"
    ).encode()


def csv_cell(value: Any) -> Any:
    """One CSV cell: text neutralised (no live formula), numbers as numbers, ``None`` empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, datetime):  # as PostgreSQL's COPY writes it (``copying``): UTC, microseconds
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str) and PLAIN_NUMBER.fullmatch(value):
        return value  # a figure as shown ("-5.5"): a number to a spreadsheet, never a formula
    return neutralise(value)


def csv_page(feed: Feed, rows: Iterable[Mapping[str, Any]], *, header: bool = True) -> bytes:
    """UTF-8 CSV without a byte order mark (every page of a feed is one more piece of one table)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180 (and a field holding \r is quoted)
    names = [column.name for column in feed.columns]
    if header:
        writer.writerow(names)
    writer.writerows([csv_cell(row[name]) for name in names] for row in rows)
    return buffer.getvalue().encode()


# Models for the spec: one row model per feed, and its page.

_PYTHON_TYPES: dict[ColumnKind, Any] = {
    ColumnKind.STRING: str,
    ColumnKind.INTEGER: int,
    ColumnKind.DECIMAL: float,  # a JSON number, written exactly as stored
    ColumnKind.BOOLEAN: bool,
    ColumnKind.DATE: date,
    ColumnKind.DATETIME: datetime,
    ColumnKind.UUID: uuid.UUID,
}

_EXAMPLES: dict[ColumnKind, Any] = {
    ColumnKind.STRING: "text",
    ColumnKind.INTEGER: 12,
    ColumnKind.DECIMAL: 87.5,
    ColumnKind.BOOLEAN: True,
    ColumnKind.DATE: "2026-09-30",
    ColumnKind.DATETIME: "2026-10-05T09:00:00Z",
    ColumnKind.UUID: "6f1c2c9e-3d1b-4b8e-9c55-1f0e7a2b9d41",
}


def _field(column: FeedColumn) -> tuple[Any, Any]:
    python_type = _PYTHON_TYPES[column.kind]
    if column.nullable:
        return (python_type | None, Field(description=column.description, examples=[_EXAMPLES[column.kind]]))
    return (python_type, Field(description=column.description, examples=[_EXAMPLES[column.kind]]))


@cache
def row_model(feed: Feed) -> type[BaseModel]:
    """``<EntityType>FeedRow``: one row of ``feed`` as the spec describes it."""
    fields: dict[str, Any] = {column.name: _field(column) for column in feed.columns}
    model: type[BaseModel] = create_model(
        f"{feed.entity_type}FeedRow",
        __config__=ConfigDict(extra="forbid"),
        __doc__=f"One row of the {feed.name} feed: {feed.description}",
        __module__=__name__,
        **fields,
    )
    return model


@cache
def page_model(feed: Feed) -> type[BaseModel]:
    """``<EntityType>FeedPage``: a page of ``feed`` as JSON."""
    row: Any = row_model(feed)
    model: type[BaseModel] = create_model(
        f"{feed.entity_type}FeedPage",
        __doc__=f"A page of the {feed.name} feed, in the order of its key",
        __module__=__name__,
        items=(list[row], ...),
        next_cursor=(
            str | None,
            Field(default=None, description="Pass as `cursor` to get the next page; null on the last page"),
        ),
        next_link=(
            str | None,
            Field(
                default=None,
                description='The next page\'s URL (also in the `Link` header, rel="next"); null on the last page',
            ),
        ),
    )
    return model


class FeedColumnEntry(BaseModel):
    name: str = Field(examples=["period_end"])
    kind: ColumnKind = Field(examples=["date"])
    description: str = Field(examples=["The last day of the period"])
    nullable: bool = Field(examples=[False])


class FeedEntry(BaseModel):
    """A feed in the catalogue: what it holds and where to read it."""

    name: str = Field(examples=["kpi-values"])
    title: str = Field(examples=["KPI values"])
    description: str = Field(examples=["One row per KPI per period"])
    columns: list[FeedColumnEntry]
    key: list[str] = Field(examples=[["kpi_id", "period_start"]])
    period_end: str | None = Field(
        description="The date column range_start and range_end filter", examples=["period_end"]
    )
    updated: str | None = Field(description="The time column updated_since filters", examples=["updated_at"])
    url: str = Field(examples=["/api/v1/feeds/kpi-values"])


class FeedCatalogue(BaseModel):
    """Every feed the service serves (not a page: there are few)."""

    feeds: list[FeedEntry]


def catalogue_entry(feed: Feed, url: str) -> FeedEntry:
    return FeedEntry(
        name=feed.name,
        title=feed.title,
        description=feed.description,
        columns=[
            FeedColumnEntry(name=c.name, kind=c.kind, description=c.description, nullable=c.nullable)
            for c in feed.columns
        ],
        key=list(feed.key),
        period_end=feed.period_end,
        updated=feed.updated,
        url=url,
    )
