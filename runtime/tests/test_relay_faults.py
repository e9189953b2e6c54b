"""The relay under faults: a PostgreSQL restart, rows NATS will not take, hostile header values."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import orjson
import pytest
from nats.aio.client import Client as NATS
from runtime_support import prototype_requested, running

from arctic.contracts.envelope import build_message
from arctic.runtime.deadletters import list_dead_letters
from arctic.runtime.relay import Relay
from arctic.runtime.servers import LocalPostgres
from arctic.runtime.testing import Schema, create_schema, stream_messages, wait_until
from arctic.runtime.unit_of_work import transaction

pytestmark = pytest.mark.slow


@dataclass
class Restartable:
    """A schema on a PostgreSQL the test may stop, and a pool on it."""

    server: LocalPostgres
    schema: Schema
    pool: asyncpg.Pool


@pytest.fixture
async def restartable(restartable_postgres: LocalPostgres) -> AsyncIterator[Restartable]:
    schema = await create_schema(restartable_postgres.admin_dsn)
    pool = await schema.pool()
    yield Restartable(restartable_postgres, schema, pool)
    await pool.close()


async def commit(pool: asyncpg.Pool, title: str) -> str:
    async with transaction(pool, correlation_id="c-relay") as tx:
        return str(await tx.emit(prototype_requested(title)))


async def published(nc: NATS) -> list[str]:
    return [m.headers["ce-id"] for m in await stream_messages(nc, "PROTOTYPING")]


async def test_after_a_postgres_restart_commits_wake_the_relay_by_notify_again(
    restartable: Restartable, nc: NATS, stream: str
) -> None:
    pool, postgres = restartable.pool, restartable.server
    # A sweep once an hour: only a NOTIFY can explain a prompt publish.
    relay = Relay(pool, nc.jetstream(), restartable.schema.name, sweep_seconds=3600)
    async with running(relay):
        await wait_until(lambda: _true(relay.listening))
        first = await commit(pool, "before the restart")
        await wait_until(lambda: _published(nc, first))
        await asyncio.to_thread(postgres.stop)
        await wait_until(lambda: _true(not relay.listening))
        await asyncio.to_thread(postgres.start, durable=False)
        await wait_until(lambda: _true(relay.listening), within=20)
        second = await commit(pool, "after the restart")
        await wait_until(lambda: _published(nc, second))  # woken, or it would sleep an hour
        third = await commit(pool, "later")  # now certainly asleep after a round
        await wait_until(lambda: _published(nc, third))
    assert await published(nc) == [first, second, third]


async def test_the_relay_stops_cleanly_after_its_listen_connection_died(
    restartable: Restartable, nc: NATS, stream: str
) -> None:
    relay = Relay(restartable.pool, nc.jetstream(), restartable.schema.name)
    task = asyncio.create_task(relay.run())
    await wait_until(lambda: _true(relay.listening))
    await asyncio.to_thread(restartable.server.stop)
    await wait_until(lambda: _true(not relay.listening))
    relay.stop()
    await asyncio.wait_for(task, 10)  # raises if the loop crashed on the dead connection
    assert task.exception() is None


async def test_a_row_nats_will_not_take_becomes_a_relay_dead_letter_and_the_rows_behind_flow(
    pool: asyncpg.Pool, nc: NATS, schema: Schema, stream: str
) -> None:
    first = await commit(pool, "first")
    headers, body = build_message(prototype_requested("oversized"), correlation_id="c")
    oversized = {**headers, "x-padding": "p" * 70_000}
    headers, body = build_message(prototype_requested("bad name"), correlation_id="c")
    bad_name = {**headers, "bad name": "v"}
    for row_headers in (oversized, bad_name):
        await pool.execute(
            "INSERT INTO outbox (event_id, subject, headers, payload) VALUES ($1, $2, $3, $4)",
            row_headers["ce-id"],
            prototype_requested().subject,
            orjson.dumps(row_headers).decode(),
            body,
        )
    behind = [await commit(pool, f"behind {i}") for i in range(3)]
    async with running(Relay(pool, nc.jetstream(), schema.name)):
        await wait_until(lambda: _published(nc, behind[-1]))
    assert await published(nc) == [first, *behind]
    letters = await list_dead_letters(pool)
    assert [(d.consumer, d.reason) for d in letters] == [("relay", "unpublishable")] * 2
    assert "64 KiB" in letters[0].error
    assert "bad name" in letters[1].error
    assert letters[1].payload == body
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0


async def test_a_row_not_acknowledged_round_after_round_while_others_are_is_taken_out_of_the_way(
    pool: asyncpg.Pool, nc: NATS, schema: Schema, stream: str
) -> None:
    headers, body = build_message(prototype_requested("nowhere"), correlation_id="c")
    await pool.execute(
        "INSERT INTO outbox (event_id, subject, headers, payload) VALUES ($1, $2, $3, $4)",
        headers["ce-id"],
        "arctic.nowhere.thing.happened.v1",  # no stream holds it: never acknowledged
        orjson.dumps(headers).decode(),
        body,
    )
    relay = Relay(pool, nc.jetstream(), schema.name, publish_timeout=0.5, max_backoff=0.2)
    flowing: list[str] = []
    async with running(relay):
        while not await list_dead_letters(pool):
            flowing.append(await commit(pool, f"flowing {len(flowing)}"))
            await wait_until(lambda: _published(nc, flowing[-1]))
            assert len(flowing) < 20, "the row that is never acknowledged was not set aside"
    [letter] = await list_dead_letters(pool)
    assert (letter.consumer, letter.reason, letter.event_id) == (
        "relay",
        "unpublishable",
        headers["ce-id"],
    )
    assert "3 rounds" in letter.error
    assert await published(nc) == flowing


async def test_hostile_correlation_causation_and_trace_values_are_bounded_at_emit(
    pool: asyncpg.Pool, nc: NATS, schema: Schema, stream: str
) -> None:
    hostile = "x" * 70_000
    async with transaction(pool, correlation_id=hostile, causation_id="a\r\nBcc: b") as tx:
        tx.traceparent = "00-" + "f" * 70_000
        event_id = str(await tx.emit(prototype_requested("hostile")))
    stored = await pool.fetchval("SELECT headers::text FROM outbox")
    assert "xxxxxxxx" not in stored
    assert "Bcc" not in stored
    async with running(Relay(pool, nc.jetstream(), schema.name)):
        await wait_until(lambda: _published(nc, event_id))
    [message] = await stream_messages(nc, "PROTOTYPING")
    assert len(message.headers["ce-correlationid"]) == 36  # a fresh UUID
    assert "ce-causationid" not in message.headers
    assert len(message.headers["traceparent"]) == 55


async def _published(nc: NATS, event_id: str) -> bool:
    return event_id in await published(nc)


async def _true(value: bool) -> bool:
    return value
