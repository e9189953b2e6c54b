"""The consumer under faults: the database or NATS going away mid-batch, hostile messages."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import orjson
import pytest
from nats.aio.client import Client as NATS
from runtime_support import (
    DURABLE,
    REQUESTED,
    SETTINGS,
    effect_counts,
    effects_subscription,
    header_block,
    prototype_requested,
    publish_raw,
    record_effect,
    running,
)

from arctic.contracts.envelope import build_message
from arctic.contracts.events import PrototypeRequested
from arctic.runtime.consumer import Consumer
from arctic.runtime.deadletters import list_dead_letters
from arctic.runtime.provisioning import ensure_consumer
from arctic.runtime.servers import LocalNats, LocalPostgres
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.subscriptions import Context, Subscription, on
from arctic.runtime.testing import stream_messages, wait_until

pytestmark = pytest.mark.slow


async def publish(nc: NATS, title: str = "t") -> uuid.UUID:
    headers, body = build_message(prototype_requested(title), correlation_id="c-faults")
    await nc.jetstream().publish(REQUESTED, body, headers=headers)
    return uuid.UUID(headers["ce-id"])


async def slow_effect(ctx: Context[ServiceSettings], event: PrototypeRequested) -> None:
    """A handler slow enough that a fault lands in the middle of a batch."""
    await record_effect(ctx, event)
    await asyncio.sleep(0.01)


async def applied(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(DISTINCT event_id) FROM effects"))


async def settled(nc: NATS, stream: str) -> bool:
    info = await nc.jetstream().consumer_info(stream, DURABLE)
    return bool(info.num_pending == 0 and info.num_ack_pending == 0)


async def test_a_database_outage_longer_than_the_retry_budget_loses_and_dead_letters_nothing(
    outage_pool: asyncpg.Pool, restartable_postgres: LocalPostgres, nc: NATS, stream: str
) -> None:
    # Three handler failures would dead-letter an event, 0.2 + 0.4 s apart: the database
    # stays down for many times that while events keep arriving.
    subscription = effects_subscription(slow_effect, max_failures=3, retry_base_seconds=0.2)
    budget = 0.2 + 0.4
    ids = [await publish(nc, f"before {i}") for i in range(300)]
    consumer = Consumer(
        outage_pool, nc.jetstream(), subscription, batch_size=50, outage_pause=(0.2, 0.5)
    )
    async with running(consumer):
        await wait_until(lambda: _at_least(outage_pool, 60), within=30)
        await asyncio.to_thread(restartable_postgres.stop)  # while a batch is being applied
        ids += [await publish(nc, f"during {i}") for i in range(50)]
        await wait_until(lambda: _true(consumer.in_outage))
        await asyncio.sleep(5 * budget)  # the outage lasts, the consumer keeps trying
        await asyncio.to_thread(restartable_postgres.start, durable=False)
        ids += [await publish(nc, f"after {i}") for i in range(50)]
        await wait_until(lambda: _at_least(outage_pool, 400), within=60)
        await wait_until(lambda: settled(nc, stream), within=20)
    assert await effect_counts(outage_pool) == dict.fromkeys(ids, 1)
    assert await list_dead_letters(outage_pool) == []
    assert await outage_pool.fetchval("SELECT count(*) FROM handler_failures") == 0


async def test_an_invalid_message_arriving_during_an_outage_is_dead_lettered_once_it_is_back(
    outage_pool: asyncpg.Pool, restartable_postgres: LocalPostgres, nc: NATS, stream: str
) -> None:
    consumer = Consumer(
        outage_pool, nc.jetstream(), effects_subscription(), outage_pause=(0.2, 0.5)
    )
    async with running(consumer):
        await publish(nc, "first")
        await wait_until(lambda: _at_least(outage_pool, 1))
        await asyncio.to_thread(restartable_postgres.stop)
        headers, _ = build_message(prototype_requested(), correlation_id="c")
        await nc.jetstream().publish(REQUESTED, b"{not json", headers=headers)
        await wait_until(lambda: _true(consumer.in_outage))
        await asyncio.to_thread(restartable_postgres.start, durable=False)
        marker = await publish(nc, "marker")
        await wait_until(lambda: _has_effect(outage_pool, marker), within=30)
        await wait_until(lambda: settled(nc, stream))
    [letter] = await list_dead_letters(outage_pool)
    assert (letter.reason, letter.payload) == ("invalid", b"{not json")
    assert letter.event_id == headers["ce-id"]


async def test_nats_stopped_mid_batch_applies_every_event_once_when_it_is_back(
    pool: asyncpg.Pool, nc: NATS, nats_server: LocalNats, stream: str
) -> None:
    ids = [await publish(nc, f"t{i}") for i in range(300)]
    async with running(
        Consumer(pool, nc.jetstream(), effects_subscription(slow_effect), batch_size=100)
    ):
        await wait_until(lambda: _at_least(pool, 30), within=30)
        await asyncio.to_thread(nats_server.stop)  # acks of the batch in hand cannot go out
        await asyncio.to_thread(nats_server.start)
        ids += [await publish(nc, f"after {i}") for i in range(20)]
        await wait_until(lambda: _at_least(pool, 320), within=60)
        await wait_until(lambda: settled(nc, stream), within=60)
    assert await effect_counts(pool) == dict.fromkeys(ids, 1)
    assert await list_dead_letters(pool) == []


async def test_any_malformed_message_becomes_a_storable_dead_letter_and_the_next_is_applied(
    pool: asyncpg.Pool, nc: NATS, nats_server: LocalNats, stream: str
) -> None:
    headers, body = build_message(prototype_requested(), correlation_id="c-hostile")
    del headers["Nats-Msg-Id"]
    v2_schema = headers["ce-dataschema"].replace(".v1.json", ".v2.json").encode()
    hostile = {
        "nul in a header": (header_block(headers, ce_correlationid=b"c\x00x"), body),
        "not utf-8 in a header": (header_block(headers, ce_subject=b"\xff\xfe\x00"), body),
        "no headers at all": (None, body),
        "binary garbage body": (header_block(headers), bytes(range(256)) * 4),
        "dataschema of v2": (header_block(headers, ce_dataschema=v2_schema), body),
    }
    for raw_headers, raw_body in hostile.values():
        await publish_raw(nats_server.url, REQUESTED, raw_headers, raw_body)
    good = await publish(nc, "good")

    async def all_stored() -> bool:
        return len(await stream_messages(nc, stream)) == len(hostile) + 1

    await wait_until(all_stored)
    async with running(Consumer(pool, nc.jetstream(), effects_subscription())):
        await wait_until(lambda: _has_effect(pool, good))
        await wait_until(lambda: settled(nc, stream))
    letters = await list_dead_letters(pool)
    assert [letter.reason for letter in letters] == ["invalid"] * len(hostile)
    errors = dict(zip(hostile, (letter.error for letter in letters), strict=True))
    assert "ce-correlationid" in errors["nul in a header"]
    assert "ce-subject" in errors["not utf-8 in a header"]
    assert "missing required header" in errors["no headers at all"]
    assert "JSON" in errors["binary garbage body"] or "json" in errors["binary garbage body"]
    assert "ce-dataschema" in errors["dataschema of v2"]
    nul_letter = letters[0]
    assert nul_letter.headers["ce-correlationid"] == "c\\x00x"  # escaped, not lost
    assert letters[3].payload == bytes(range(256)) * 4  # kept byte for byte
    assert await effect_counts(pool) == {good: 1}
    stored = await pool.fetch("SELECT headers FROM dead_letters ORDER BY id")
    assert all(isinstance(orjson.loads(row["headers"]), dict) for row in stored)


async def test_a_batch_longer_than_ack_wait_is_not_redelivered_to_another_replica_meanwhile(
    pool: asyncpg.Pool, nc: NATS, stream: str
) -> None:
    # ack_wait 1.5 s; 60 events at 50 ms each take 3 s in one batch, while a second replica
    # keeps asking for messages.
    started = asyncio.Event()

    async def slower(ctx: Context[ServiceSettings], event: PrototypeRequested) -> None:
        started.set()
        await record_effect(ctx, event)
        await asyncio.sleep(0.05)

    subscription = Subscription(
        DURABLE, stream, [on(PrototypeRequested, slower)], ack_wait_seconds=1.5
    ).bind(SETTINGS)
    await ensure_consumer(nc.jetstream(), subscription)
    ids = [await publish(nc, f"t{i}") for i in range(60)]
    first, second = (Consumer(pool, nc.jetstream(), subscription, batch_size=60) for _ in "ab")
    async with running(first):
        await asyncio.wait_for(started.wait(), 10)  # the first replica holds the whole batch
        async with running(second):
            await wait_until(lambda: _at_least(pool, 60), within=30)
            await wait_until(lambda: settled(nc, stream))
    info = await nc.jetstream().consumer_info(stream, DURABLE)
    assert info.delivered.consumer_seq == 60  # each message delivered once, none again
    assert await effect_counts(pool) == dict.fromkeys(ids, 1)


async def _at_least(pool: asyncpg.Pool, count: int) -> bool:
    try:
        return await applied(pool) >= count
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return False


async def _has_effect(pool: asyncpg.Pool, event_id: uuid.UUID) -> bool:
    try:
        return bool(
            await pool.fetchval("SELECT count(*) FROM effects WHERE event_id = $1", event_id)
        )
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return False


async def _true(value: bool) -> bool:
    return value
