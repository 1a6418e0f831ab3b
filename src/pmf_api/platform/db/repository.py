"""The repository base: a feature's queries live in its repository, and every read goes through the
repository's read rule, written once.

A record belongs to one organisation (a council); who may see which rows is the repository's
:meth:`OwnedRepository.read_rule`, a condition on bind parameters whose values
:meth:`OwnedRepository.read_params` takes from the reader. Statements are built once (building a
SQLAlchemy statement costs more than running a small one) and run with the reader's values, on a
session (the ORM) or over the driver (``pmf_api.platform.db.rows``, the fast read path), so a
row-level rule added to a feature's repository (published values only, a scrutiny member's remit)
holds on every path at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Generic, NamedTuple, Protocol, TypeVar

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from pmf_api.platform.db.pages import Keyset, ListQuery, Page, field_of
from pmf_api.platform.db.rows import DriverConnection, Query
from pmf_api.platform.db.session import WRITES
from pmf_api.platform.errors import NotFound

ModelT = TypeVar("ModelT")


class Reader(Protocol):
    """Whoever reads: an actor of ``pmf_api.access`` is one."""

    @property
    def organisation_id(self) -> uuid.UUID: ...


@dataclass(frozen=True)
class Bound:
    """A statement built once (its values are bind parameters) and the values for one reader."""

    statement: Select[Any]
    params: Mapping[str, Any]


# A list filter that is not "column equals value": given the value's bind parameter, the condition.
Filter = Callable[[BindParameter[Any]], ColumnElement[bool]]


class OwnedRepository(Generic[ModelT]):
    """Queries of one model whose rows belong to an organisation.

    A feature subclasses it, names its ``model`` and what it is called (``what``), how its lists
    sort and filter, and adds the queries its services need. Instances hold the session.
    """

    model: ClassVar[type[Any]]
    what: ClassVar[str]
    sortable: ClassVar[Mapping[str, InstrumentedAttribute[Any]]] = {}
    default_sort: ClassVar[str] = "updated_at"
    # Filters that are not a plain "column equals value" (e.g. a KPI's directorate, through its
    # service); a value that needs reshaping first (a search pattern) says how in filter_values.
    filters: ClassVar[Mapping[str, Filter]] = {}
    filter_values: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def models_read(cls) -> tuple[type[Any], ...]:
        """Every model this repository's queries read (its own, and the child rows it loads with it)."""
        return (cls.model,)

    # --- The read rule -----------------------------------------------------------------------

    @classmethod
    def read_rule(cls) -> ColumnElement[bool]:
        """The rows a reader may read: by default, their organisation's."""
        condition: ColumnElement[bool] = cls.model.organisation_id == bindparam("reader_organisation_id")
        return condition

    @classmethod
    def read_params(cls, reader: Reader) -> dict[str, Any]:
        """The values of ``read_rule``'s bind parameters for ``reader``."""
        return {"reader_organisation_id": reader.organisation_id}

    @classmethod
    def readable(cls, reader: Reader) -> Bound:
        """Every row ``reader`` may read."""
        return Bound(_readable(cls), cls.read_params(reader))

    @classmethod
    def writable(cls, writer: Reader) -> Bound:
        """Every row ``writer`` may load to change: those it may read (whether its role may change
        one is the policy's decision, on the row's placement)."""
        return cls.readable(writer)

    # --- One record --------------------------------------------------------------------------

    async def find(self, reader: Reader, id: uuid.UUID, *, lock: bool | None = None) -> ModelT | None:
        """The record, if ``reader`` may read it. In a unit of work that writes it is read afresh and
        locked until the unit ends (``SELECT ... FOR UPDATE``; SQLite's writers already hold the
        database's lock), so a concurrent change to it waits, then sees it; ``lock=False`` reads a
        record the unit only looks at."""
        writing = bool(self.session.info.get(WRITES)) if lock is None else lock
        bound = self.writable(reader) if writing else self.readable(reader)
        statement = _by_id(type(self), locked=writing)
        if writing:
            statement = statement.execution_options(populate_existing=True)
        found: ModelT | None = await self.session.scalar(statement, {**bound.params, "record_id": id})
        return found

    async def get(self, reader: Reader, id: uuid.UUID, *, lock: bool | None = None) -> ModelT:
        """The record, or NotFound when it is missing or not the reader's to read (the two look alike)."""
        found = await self.find(reader, id, lock=lock)
        if found is None:
            raise NotFound(detail=f"No {self.what} with id {id}")
        return found

    async def exists(self, reader: Reader, id: uuid.UUID) -> bool:
        bound = self.readable(reader)
        found = await self.session.scalar(_id_of(type(self)), {**bound.params, "record_id": id})
        return found is not None

    @classmethod
    async def read_values(cls, connection: DriverConnection, reader: Reader, id: uuid.UUID) -> dict[str, Any]:
        """What :meth:`get` loads, as the record's column values over the driver (the fast read path)."""
        rows = await connection.fetch(_driver_by_id(cls), {**cls.read_params(reader), "record_id": id})
        if not rows:
            raise NotFound(detail=f"No {cls.what} with id {id}")
        return rows[0]

    # --- Lists -------------------------------------------------------------------------------

    async def page(self, reader: Reader, query: ListQuery) -> Page[ModelT]:
        """A page of the records ``reader`` may read that pass ``query``'s filters."""
        statement, keyset, params = self.list_statement(reader, query)
        rows = (await self.session.scalars(statement.statement, params)).all()
        return keyset.page(list(rows), query.limit, getattr)

    async def every(self, reader: Reader, query: ListQuery) -> list[ModelT]:
        """Every record :meth:`page` would list for ``query``, page after page (``query.limit`` a page)
        to the end: for jobs that must see them all (reminders, a plan's contents), never for a response."""
        found: list[ModelT] = []
        cursor = query.cursor
        while True:
            page = await self.page(reader, replace(query, cursor=cursor))
            found += page.items
            cursor = page.next_cursor
            if cursor is None:
                return found

    @classmethod
    async def page_values(cls, connection: DriverConnection, reader: Reader, query: ListQuery) -> Page[dict[str, Any]]:
        """What :meth:`page` lists, as the records' column values over the driver (the fast read path)."""
        statement, keyset, params = cls.list_statement(reader, query)
        return keyset.page(await connection.fetch(statement, params), query.limit, field_of)

    @classmethod
    def list_statement(cls, reader: Reader, query: ListQuery) -> tuple[Query, Keyset, dict[str, Any]]:
        """The list's statement, built once for each combination of filters, sort and cursor, and
        the values of its bind parameters for ``reader`` and ``query``."""
        filters = {name: value for name, value in query.filters.items() if value is not None}
        sort = query.sort or cls.default_sort
        shape = ListShape(
            tuple(sorted(filters)),
            query.updated_since is not None,
            query.include_archived,
            sort,
            query.cursor is not None,
        )
        statement, keyset = _list_statement(cls, shape)
        params = {
            **cls.read_params(reader),
            **{f"filter_{name}": cls.filter_values.get(name, _same)(value) for name, value in filters.items()},
            **keyset.params(query.cursor),
            "page_limit": query.limit + 1,
        }
        if query.updated_since is not None:
            params["updated_since"] = query.updated_since
        return statement, keyset, params


def _same(value: Any) -> Any:
    return value


# Statements are built once per repository class and shape: classes live as long as the process and
# shapes come from each list's fixed parameters, so this holds a few hundred entries at most.
_STATEMENTS: dict[tuple[Any, ...], Any] = {}
T = TypeVar("T")


def _built(key: tuple[Any, ...], build: Callable[[], T]) -> T:
    found: T | None = _STATEMENTS.get(key)
    if found is None:
        found = _STATEMENTS[key] = build()
    return found


def _readable(repository: type[OwnedRepository[Any]]) -> Select[Any]:
    return _built(("readable", repository), lambda: select(repository.model).where(repository.read_rule()))


def _by_id(repository: type[OwnedRepository[Any]], *, locked: bool) -> Select[Any]:
    def build() -> Select[Any]:
        model = repository.model
        statement = _readable(repository).where(model.id == bindparam("record_id", type_=model.id.type))
        return statement.with_for_update() if locked else statement

    return _built(("by_id", repository, locked), build)


def _id_of(repository: type[OwnedRepository[Any]]) -> Select[Any]:
    return _built(
        ("id_of", repository), lambda: _by_id(repository, locked=False).with_only_columns(repository.model.id)
    )


def _driver_by_id(repository: type[OwnedRepository[Any]]) -> Query:
    return _built(("driver_by_id", repository), lambda: Query(repository.model, _by_id(repository, locked=False)))


class ListShape(NamedTuple):
    """What a list's statement depends on (its values aside): built once for each shape."""

    filters: tuple[str, ...]
    updated_since: bool
    include_archived: bool
    sort: str
    after: bool


def _list_statement(repository: type[OwnedRepository[Any]], shape: ListShape) -> tuple[Query, Keyset]:
    return _built(("list", repository, shape), lambda: _build_list(repository, shape))


def _build_list(repository: type[OwnedRepository[Any]], shape: ListShape) -> tuple[Query, Keyset]:
    filters, updated_since, include_archived, sort, after = shape
    model = repository.model
    keyset = Keyset.of(model, sort, repository.sortable)
    statement = _readable(repository)
    for name in filters:
        value: BindParameter[Any] = bindparam(f"filter_{name}")
        statement = statement.where(
            repository.filters[name](value) if name in repository.filters else getattr(model, name) == value
        )
    if updated_since:
        statement = statement.where(model.updated_at >= bindparam("updated_since"))
    if not include_archived and hasattr(model, "archived_at"):
        statement = statement.where(model.archived_at.is_(None))
    return Query(model, keyset.apply(statement, after=after)), keyset
