"""The scheduler fires each due event once, with replicas, and honours rescheduling."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import orjson
from runtime_support import prototype_requested

from arctic.runtime.clock import SettableClock
from arctic.runtime.scheduler import Scheduler
from arctic.runtime.testing import wait_until
from arctic.runtime.unit_of_work import transaction


@contextlib.asynccontextmanager
async def schedulers(pool: asyncpg.Pool, count: int) -> AsyncIterator[None]:
    replicas = [Scheduler(pool, interval=0.05) for _ in range(count)]
    tasks = [asyncio.create_task(s.run()) for s in replicas]
    try:
        yield
    finally:
        for replica in replicas:
            replica.stop()
        await asyncio.gather(*tasks)


async def outbox_titles(pool: asyncpg.Pool) -> list[str]:
    rows = await pool.fetch("SELECT payload FROM outbox ORDER BY position")
    return [orjson.loads(row["payload"])["title"] for row in rows]


async def test_a_due_event_fires_exactly_once_with_two_scheduler_replicas(
    pool: asyncpg.Pool,
) -> None:
    soon = datetime.now(UTC) + timedelta(milliseconds=300)
    async with transaction(pool, correlation_id="plan-1") as tx:
        for i in range(50):
            await tx.schedule(f"reminder-{i}", prototype_requested(f"due {i}"), soon)
    async with schedulers(pool, 2):
        await wait_until(lambda: _outbox_has(pool, 50))
        await asyncio.sleep(0.5)
    titles = await outbox_titles(pool)
    assert sorted(titles) == sorted(f"due {i}" for i in range(50))
    assert await pool.fetchval("SELECT count(*) FROM scheduled_events") == 0
    headers = orjson.loads(await pool.fetchval("SELECT headers FROM outbox LIMIT 1"))
    assert headers["ce-correlationid"] == "plan-1"


async def test_an_event_fires_when_the_clock_reaches_its_time_and_not_before(
    pool: asyncpg.Pool, clock: SettableClock
) -> None:
    async with transaction(pool) as tx:
        await tx.schedule("deadline", prototype_requested("deadline"), clock() + timedelta(days=7))
    scheduler = Scheduler(pool, clock=clock)
    assert await scheduler.fire_due() == 0
    clock.advance(timedelta(days=7) - timedelta(microseconds=1))
    assert await scheduler.fire_due() == 0
    assert await outbox_titles(pool) == []
    clock.advance(timedelta(microseconds=1))
    assert await scheduler.fire_due() == 1
    assert await outbox_titles(pool) == ["deadline"]
    assert await pool.fetchval("SELECT count(*) FROM scheduled_events") == 0


async def test_a_rescheduled_event_fires_at_its_new_time_only(
    pool: asyncpg.Pool, clock: SettableClock
) -> None:
    start = clock()
    async with transaction(pool) as tx:
        await tx.schedule("deadline", prototype_requested("deadline"), start + timedelta(days=7))
    async with transaction(pool) as tx:
        await tx.schedule("deadline", prototype_requested("deadline"), start + timedelta(days=1))
    scheduler = Scheduler(pool, clock=clock)
    clock.advance(timedelta(days=1) - timedelta(microseconds=1))
    assert await scheduler.fire_due() == 0
    clock.advance(timedelta(microseconds=1))
    assert await scheduler.fire_due() == 1
    clock.advance(timedelta(days=7))
    assert await scheduler.fire_due() == 0
    assert await outbox_titles(pool) == ["deadline"]


async def test_a_cancelled_event_never_fires(pool: asyncpg.Pool, clock: SettableClock) -> None:
    async with transaction(pool) as tx:
        await tx.schedule("gone", prototype_requested("gone"), clock())
        assert await tx.cancel_schedule("gone") is True
    clock.advance(timedelta(days=1))
    assert await Scheduler(pool, clock=clock).fire_due() == 0
    assert await outbox_titles(pool) == []


async def _outbox_has(pool: asyncpg.Pool, count: int) -> bool:
    return bool(await pool.fetchval("SELECT count(*) FROM outbox") >= count)
