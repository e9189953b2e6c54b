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
from arctic.runtime.deadletters import list_dead_letters
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
        await tx.schedule("marker", prototype_requested("marker"), soon + timedelta(seconds=0.3))
    async with schedulers(pool, 2):
        await wait_until(lambda: _fired(pool, "marker"))
    # Both replicas have stopped: whatever they fired is in the outbox now.
    titles = await outbox_titles(pool)
    assert sorted(titles) == sorted([*(f"due {i}" for i in range(50)), "marker"])
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


async def test_a_row_it_cannot_read_is_dead_lettered_and_the_rows_beside_it_fire_once(
    pool: asyncpg.Pool, clock: SettableClock
) -> None:
    now = clock()
    async with transaction(pool, correlation_id="plan-2") as tx:
        await tx.schedule("good-1", prototype_requested("good 1"), now)
        await tx.schedule("good-2", prototype_requested("good 2"), now + timedelta(seconds=3))
        await tx.schedule("later", prototype_requested("later"), now + timedelta(days=1))
    poison = [
        ("unknown-type", "arctic.prototyping.prototype.teleported.v1", b"{}"),
        ("invalid-payload", prototype_requested().subject, b'{"title": 5}'),
    ]
    for offset, (key, subject, payload) in enumerate(poison, start=1):
        await pool.execute(
            """INSERT INTO scheduled_events (key, due_at, subject, payload, correlation_id)
               VALUES ($1, $2, $3, $4, 'plan-2')""",
            key,
            now + timedelta(seconds=offset),
            subject,
            payload,
        )
    scheduler = Scheduler(pool, clock=clock)
    clock.advance(timedelta(seconds=3))
    assert await scheduler.fire_due() == 4  # two fired, two dead-lettered
    clock.advance(timedelta(days=1))
    assert await scheduler.fire_due() == 1  # and the scheduler goes on
    assert await outbox_titles(pool) == ["good 1", "good 2", "later"]
    assert await pool.fetchval("SELECT count(*) FROM scheduled_events") == 0
    letters = await list_dead_letters(pool)
    assert [(d.consumer, d.reason, d.headers["scheduled-key"]) for d in letters] == [
        ("scheduler", "invalid", "unknown-type"),
        ("scheduler", "invalid", "invalid-payload"),
    ]
    assert "teleported" in letters[0].error
    assert "title" in letters[1].error
    assert letters[1].payload == b'{"title": 5}'


async def _fired(pool: asyncpg.Pool, title: str) -> bool:
    return title in await outbox_titles(pool)
