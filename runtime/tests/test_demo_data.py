"""Demo data is loaded once per database: however often and by however many replicas the
service starts, and a set that fails leaves nothing behind and loads on the next try."""

from __future__ import annotations

import asyncio

import asyncpg
import orjson
import pytest
from nats.aio.client import Client as NATS
from runtime_support import prototype_requested

from arctic.runtime.clock import SettableClock
from arctic.runtime.demo import DemoContext, DemoData, load_demo_data
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.testing import persons_for_tests

SETTINGS = ServiceSettings(service="tests", demo_data=True)


async def add_offering(ctx: DemoContext[ServiceSettings]) -> None:
    event = prototype_requested("Demo: snow-load sensor")
    event_id = await ctx.tx.emit(event)
    await ctx.tx.conn.execute(
        "INSERT INTO effects (event_id, title) VALUES ($1, $2)", event_id, event.title
    )


class KeyStoreNotReady(Exception):
    pass


async def test_two_replicas_starting_together_load_a_set_once(
    pool: asyncpg.Pool, nc: NATS, clock: SettableClock
) -> None:
    sets = [DemoData("offerings-v1", add_offering)]
    persons = persons_for_tests(nc)

    first, second = await asyncio.gather(
        load_demo_data(pool, sets, SETTINGS, clock, persons),
        load_demo_data(pool, sets, SETTINGS, clock, persons),
    )
    again = await load_demo_data(pool, sets, SETTINGS, clock, persons)

    assert sorted([first, second]) == [[], ["offerings-v1"]]
    assert again == []
    assert await pool.fetchval("SELECT count(*) FROM effects") == 1
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 1
    headers = orjson.loads(await pool.fetchval("SELECT headers FROM outbox"))
    assert headers["ce-correlationid"] == "demo-data:offerings-v1"
    assert await pool.fetchval("SELECT loaded_at FROM demo_data_loads") == clock()


async def test_a_failing_set_leaves_nothing_and_loads_on_the_next_try(
    pool: asyncpg.Pool, nc: NATS, clock: SettableClock
) -> None:
    attempts = 0

    async def flaky(ctx: DemoContext[ServiceSettings]) -> None:
        nonlocal attempts
        attempts += 1
        await add_offering(ctx)
        if attempts == 1:
            raise KeyStoreNotReady

    sets = [DemoData("offerings-v1", flaky)]
    persons = persons_for_tests(nc)

    with pytest.raises(KeyStoreNotReady):
        await load_demo_data(pool, sets, SETTINGS, clock, persons)
    assert await pool.fetchval("SELECT count(*) FROM effects") == 0
    assert await pool.fetchval("SELECT count(*) FROM demo_data_loads") == 0

    assert await load_demo_data(pool, sets, SETTINGS, clock, persons) == ["offerings-v1"]
    assert await pool.fetchval("SELECT count(*) FROM effects") == 1
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 1


async def test_a_new_set_is_loaded_beside_those_loaded_before(
    pool: asyncpg.Pool, nc: NATS, clock: SettableClock
) -> None:
    persons = persons_for_tests(nc)
    await load_demo_data(pool, [DemoData("v1", add_offering)], SETTINGS, clock, persons)

    sets = [DemoData("v1", add_offering), DemoData("v2", add_offering)]
    assert await load_demo_data(pool, sets, SETTINGS, clock, persons) == ["v2"]
    assert await pool.fetchval("SELECT count(*) FROM effects") == 2
