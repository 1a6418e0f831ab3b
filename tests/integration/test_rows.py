"""Column values read over the driver (``pmf_api.platform.db.rows``) are exactly what the ORM loads: same values,
same Python types, same decimal digits, for every record the API reads that way, on both databases."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmf_api import api
from pmf_api.access.actor import Actor, Grant, ScopeType
from pmf_api.demo import load_demo
from pmf_api.domain.workflow import Role
from pmf_api.platform.db.pages import ListQuery
from pmf_api.platform.db.rows import driver_connection
from pmf_api.platform.http import fast_reads


def _same(orm_value: Any, driver_value: Any) -> bool:
    if isinstance(orm_value, uuid.UUID):
        return isinstance(driver_value, uuid.UUID) and orm_value == driver_value
    if isinstance(orm_value, Decimal | datetime):
        return type(driver_value) is type(orm_value) and str(driver_value) == str(orm_value)
    return type(driver_value) is type(orm_value) and driver_value == orm_value


async def test_driver_reads_give_what_the_orm_loads(connection_sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with connection_sessionmaker() as session:
        organisation = await load_demo(session)
        await session.commit()
    actor = Actor(organisation.id, "t", "T", (Grant(Role.PERFORMANCE, ScopeType.ORGANISATION, None),))
    compared = 0
    assert api.FEATURE_ROUTERS and fast_reads.registered()  # the routers register their reads on import
    async with connection_sessionmaker() as session, driver_connection(connection_sessionmaker) as connection:
        for read in fast_reads.registered().values():
            model = read.repository.model
            keys = [prop.key for prop in inspect(model).column_attrs]
            loaded = (await session.scalars(select(model))).all()
            assert loaded, model.__name__
            for record in loaded:
                values = await connection.get(model, record.id)
                assert values is not None and list(values) == keys
                for key in keys:
                    assert _same(getattr(record, key), values[key]), (model.__name__, key, values[key])
                compared += 1
            assert read.page is not None
            page = await read.page(connection, actor, ListQuery(limit=500))
            orm_page = await read.repository(session).page(actor, ListQuery(limit=500))
            assert [row["id"] for row in page.items] == [record.id for record in orm_page.items]
            assert await connection.get(model, uuid.uuid4()) is None
    assert compared > 100
