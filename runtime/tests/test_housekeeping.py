"""Housekeeping removes what has served its purpose, a small batch at a time, beside the relay."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import asyncpg
from nats.aio.client import Client as NATS
from runtime_support import prototype_requested, running

from arctic.contracts.envelope import parse_message
from arctic.contracts.events import PrototypeRequested
from arctic.runtime.clock import SettableClock
from arctic.runtime.housekeeping import RUNTIME_PRUNES, Housekeeping, Prune, pause_after
from arctic.runtime.relay import Relay
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.testing import Schema, stream_messages, wait_until
from arctic.runtime.unit_of_work import transaction

SETTINGS = ServiceSettings(
    service="tests", housekeeping_batch_size=100, housekeeping_pause_seconds=0
)
OUTBOX_PRUNE = RUNTIME_PRUNES[0]


async def old_published_outbox_rows(pool: asyncpg.Pool, count: int, published_at: datetime) -> None:
    await pool.execute(
        """INSERT INTO outbox (event_id, subject, headers, payload, created_at, published_at)
           SELECT gen_random_uuid(), 'arctic.prototyping.prototype.requested.v1', '{}', '', $1, $1
           FROM generate_series(1, $2)""",
        published_at,
        count,
    )


async def test_rows_past_their_retention_go_and_newer_ones_stay(
    pool: asyncpg.Pool, clock: SettableClock
) -> None:
    now = clock()
    days = timedelta(days=1)
    await old_published_outbox_rows(pool, 150, now - 8 * days)  # retention 7 days
    await old_published_outbox_rows(pool, 3, now - 6 * days)
    async with transaction(pool) as tx:  # committed long ago, never published: kept
        await tx.emit(prototype_requested("unpublished"))
    await pool.execute(
        "UPDATE outbox SET created_at = $1 WHERE published_at IS NULL", now - 30 * days
    )
    await pool.executemany(
        "INSERT INTO inbox (consumer, event_id, event_type, processed_at) "
        "VALUES ('c', gen_random_uuid(), 't', $1)",
        [(now - 402 * days,), (now - 402 * days,), (now - 399 * days,)],
    )
    await pool.executemany(
        "INSERT INTO dead_letters (consumer, subject, headers, payload, reason, error, deliveries, "
        "created_at, replayed_at) VALUES ('c', 's', '{}', '', 'r', 'e', 1, $1, $2)",
        [
            (now - 90 * days, now - 31 * days),
            (now - 90 * days, now - 29 * days),
            (now - 900 * days, None),
        ],
    )
    await pool.executemany(
        "INSERT INTO handler_failures (consumer, event_id, failures, last_error, updated_at) "
        "VALUES ('c', gen_random_uuid(), 3, 'e', $1)",
        [(now - 31 * days,), (now - 1 * days,)],
    )
    await pool.executemany(
        "INSERT INTO dead_letters (consumer, subject, headers, payload, reason, error, deliveries, "
        "created_at, discarded_at, discarded_by, discard_reason) "
        "VALUES ('c', 's', '{}', '', 'r', 'e', 1, $1, $2, 'ops', 'never')",
        [(now - 90 * days, now - 31 * days), (now - 90 * days, now - 29 * days)],
    )
    await pool.executemany(
        "INSERT INTO idempotency_keys (key, fingerprint, created_at) VALUES ($1, 'f', $2)",
        [("old", now - timedelta(hours=25)), ("fresh", now - timedelta(hours=23))],
    )
    await pool.execute(
        "INSERT INTO effects (event_id, title, applied_at) VALUES (gen_random_uuid(), 'old', $1)",
        now - 2 * days,
    )
    effects = Prune[ServiceSettings](
        "effects",
        "DELETE FROM effects WHERE id IN (SELECT id FROM effects WHERE applied_at < $2 LIMIT $1)",
        lambda settings: days,
    )

    removed = await Housekeeping(pool, SETTINGS, [*RUNTIME_PRUNES, effects], clock=clock).prune()

    assert removed == {
        "outbox": 150,
        "inbox": 2,
        "dead_letters": 2,
        "handler_failures": 1,
        "idempotency_keys": 1,
        "effects": 1,
    }
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 4
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 1
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 1
    open_letters = (
        "SELECT count(*) FROM dead_letters WHERE replayed_at IS NULL AND discarded_at IS NULL"
    )
    assert await pool.fetchval(open_letters) == 1
    assert await pool.fetchval("SELECT count(*) FROM dead_letters") == 3
    assert await pool.fetchval("SELECT count(*) FROM handler_failures") == 1
    assert await pool.fetchval("SELECT key FROM idempotency_keys") == "fresh"


async def test_nothing_goes_before_its_time_and_everything_does_after(
    pool: asyncpg.Pool, clock: SettableClock
) -> None:
    await old_published_outbox_rows(pool, 10, clock())
    housekeeping = Housekeeping(pool, SETTINGS, clock=clock)
    assert (await housekeeping.prune())["outbox"] == 0
    clock.advance(timedelta(days=7, seconds=1))
    assert (await housekeeping.prune())["outbox"] == 10


async def test_a_prune_batch_in_progress_does_not_hold_up_the_relay(
    pool: asyncpg.Pool, schema: Schema, nc: NATS, stream: str, clock: SettableClock
) -> None:
    await old_published_outbox_rows(pool, 1000, clock() - timedelta(days=30))
    async with pool.acquire() as pruning, pruning.transaction():
        status = await pruning.execute(OUTBOX_PRUNE.sql, 1000, clock() - timedelta(days=7))
        assert status == "DELETE 1000"  # its rows stay locked until this block ends
        async with transaction(pool) as tx:
            await tx.emit(prototype_requested("during pruning"))
        relay = Relay(pool, nc.jetstream(), schema.name)
        assert await asyncio.wait_for(relay.publish_pending(), 10) == 1
    assert await published_titles(nc, stream) == ["during pruning"]


async def test_the_loop_prunes_in_batches_while_the_relay_publishes_every_new_event(
    pool: asyncpg.Pool, schema: Schema, nc: NATS, stream: str, clock: SettableClock
) -> None:
    await old_published_outbox_rows(pool, 2500, clock() - timedelta(days=8))
    settings = SETTINGS.model_copy(update={"housekeeping_pause_seconds": 0.02})
    housekeeping = Housekeeping(pool, settings, clock=clock)
    relay = Relay(pool, nc.jetstream(), schema.name, sweep_seconds=0.05)
    async with running(relay):
        pruning = asyncio.create_task(housekeeping.prune())
        for i in range(30):
            async with transaction(pool) as tx:
                await tx.emit(prototype_requested(f"new {i}"))
        removed = await pruning
        await wait_until(lambda: _published(pool, 30))
    assert removed["outbox"] == 2500
    assert await published_titles(nc, stream) == [f"new {i}" for i in range(30)]
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 30


async def published_titles(nc: NATS, stream: str) -> list[str]:
    titles = []
    for msg in await stream_messages(nc, stream):
        _, event = parse_message(msg.subject, msg.headers, msg.data)
        assert isinstance(event, PrototypeRequested)
        titles.append(event.title)
    return titles


async def _published(pool: asyncpg.Pool, count: int) -> bool:
    return bool(
        await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL") >= count
    )


def test_the_pause_after_a_full_batch_is_a_multiple_of_its_time_and_never_below_the_minimum() -> (
    None
):
    assert pause_after(0.1, 0.05, 4) == 0.4  # a busy database: pruning yields more
    assert pause_after(0.002, 0.05, 4) == 0.05  # a quiet one: the minimum pause
    assert pause_after(0.1, 0.05, 0) == 0.05  # ratio 0: the fixed pause alone
