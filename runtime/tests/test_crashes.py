"""Crashes at the worst moments, with real processes killed by SIGKILL."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
from nats.aio.client import Client as NATS
from runtime_support import REQUESTED, effect_counts, effects_subscription, prototype_requested

from arctic.contracts.envelope import build_message
from arctic.runtime.consumer import Consumer
from arctic.runtime.relay import Relay
from arctic.runtime.servers import LocalNats
from arctic.runtime.testing import Schema, stream_messages, wait_until
from arctic.runtime.unit_of_work import transaction

PROCESS = Path(__file__).parent / "processes" / "pipeline_process.py"


def start(mode: str, schema: Schema, nats_server: LocalNats) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(PROCESS), mode, schema.dsn, schema.name, nats_server.url],
        stdout=subprocess.PIPE,
        text=True,
    )


async def test_relay_killed_between_publish_and_mark_republishes_and_the_stream_drops_the_copy(
    pool: asyncpg.Pool, nc: NATS, nats_server: LocalNats, schema: Schema, stream: str
) -> None:
    ids = []
    for i in range(5):
        async with transaction(pool) as tx:
            ids.append(str(await tx.emit(prototype_requested(f"r{i}"))))
    dying = start("relay-dies-after-publish", schema, nats_server)
    assert dying.wait(30) == -signal.SIGKILL
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 5
    assert await Relay(pool, nc.jetstream(), schema.name).publish_pending() == 5
    assert [m.headers["ce-id"] for m in await stream_messages(nc, stream)] == ids
    consumer = Consumer(pool, nc.jetstream(), effects_subscription())
    task = asyncio.create_task(consumer.run())
    await wait_until(lambda: _applied(pool, 5))
    consumer.stop()
    await task
    assert sorted(map(str, (await effect_counts(pool)))) == sorted(ids)
    assert set((await effect_counts(pool)).values()) == {1}


async def test_consumer_killed_mid_batch_applies_every_event_exactly_once_after_restart(
    pool: asyncpg.Pool, nc: NATS, nats_server: LocalNats, schema: Schema, stream: str
) -> None:
    js = nc.jetstream()
    ids = []
    for i in range(1000):
        headers, body = build_message(prototype_requested(f"t{i}"), correlation_id="c")
        await js.publish(REQUESTED, body, headers=headers)
        ids.append(uuid.UUID(headers["ce-id"]))
    first = start("consume", schema, nats_server)
    await wait_until(lambda: _applied(pool, 150), within=30)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    applied_at_kill = await pool.fetchval("SELECT count(*) FROM effects")
    assert 0 < applied_at_kill < 1000
    second = start("consume", schema, nats_server)
    try:
        await wait_until(lambda: _applied(pool, 1000), within=120)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(10)
    assert await effect_counts(pool) == dict.fromkeys(ids, 1)


async def _applied(pool: asyncpg.Pool, count: int) -> bool:
    return bool(await pool.fetchval("SELECT count(DISTINCT event_id) FROM effects") >= count)
