"""The outbox and its relay, against real PostgreSQL and NATS."""

from __future__ import annotations

import asyncpg
import pytest
from nats.aio.client import Client as NATS
from prometheus_client import REGISTRY
from runtime_support import prototype_requested, running

from arctic.contracts.envelope import parse_message
from arctic.runtime.relay import Relay
from arctic.runtime.servers import LocalNats
from arctic.runtime.testing import Schema, stream_messages, wait_until
from arctic.runtime.unit_of_work import transaction


async def commit_events(pool: asyncpg.Pool, titles: list[str]) -> list[str]:
    """Commit one transaction per title, each with one PrototypeRequested; return the ids."""
    ids = []
    for title in titles:
        async with transaction(pool, correlation_id="c-1") as tx:
            ids.append(str(await tx.emit(prototype_requested(title))))
    return ids


async def emit_then_fail(pool: asyncpg.Pool) -> None:
    async with transaction(pool) as tx:
        await tx.emit(prototype_requested("never"))
        raise RuntimeError("the use case failed after emitting")


async def published_ids(nc: NATS) -> list[str]:
    return [msg.headers["ce-id"] for msg in await stream_messages(nc, "PROTOTYPING")]


async def test_relay_publishes_exactly_the_committed_events_in_order(
    pool: asyncpg.Pool, nc: NATS, schema: Schema, stream: str
) -> None:
    ids = await commit_events(pool, [f"request {i}" for i in range(50)])
    async with running(Relay(pool, nc.jetstream(), schema.name)):
        await wait_until(lambda: _has(nc, 50))
    assert await published_ids(nc) == ids


async def test_a_rolled_back_transaction_publishes_nothing(
    pool: asyncpg.Pool, nc: NATS, schema: Schema, stream: str
) -> None:
    with pytest.raises(RuntimeError):
        await emit_then_fail(pool)
    kept = await commit_events(pool, ["kept"])
    async with running(Relay(pool, nc.jetstream(), schema.name)):
        await wait_until(lambda: _has(nc, 1))
    # The relay publishes in commit order: a row of the rolled-back transaction, committed
    # before "kept", would have been published before it.
    assert await published_ids(nc) == kept


async def test_published_message_is_a_cloudevent_with_msg_id(
    pool: asyncpg.Pool, nc: NATS, schema: Schema, stream: str
) -> None:
    [event_id] = await commit_events(pool, ["one"])
    await Relay(pool, nc.jetstream(), schema.name).publish_pending()
    [msg] = await stream_messages(nc, "PROTOTYPING")
    envelope, event = parse_message(msg.subject, msg.headers, msg.data)
    assert str(envelope.id) == event_id == msg.headers["Nats-Msg-Id"]
    assert envelope.correlation_id == "c-1"
    assert event.title == "one"
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0


async def test_nats_down_loses_nothing_and_publishes_all_once_back(
    pool: asyncpg.Pool, nc: NATS, schema: Schema, nats_server: LocalNats, stream: str
) -> None:
    relay = Relay(pool, nc.jetstream(), schema.name, publish_timeout=1.0, max_backoff=0.5)
    async with running(relay):
        first = await commit_events(pool, ["before"])
        await wait_until(lambda: _has(nc, 1))
        nats_server.stop()
        during = await commit_events(pool, [f"while down {i}" for i in range(20)])
        failed_before = _relay_errors()
        # Two failed rounds after the last commit: the second one claimed all 20 rows.
        await wait_until(lambda: _true(_relay_errors() >= failed_before + 2), within=20)
        assert await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 20
        nats_server.start()
        await wait_until(lambda: _has(nc, 21), within=20)
    assert await published_ids(nc) == first + during


async def test_two_relays_publish_each_event_once_and_in_order(
    pool: asyncpg.Pool, nc: NATS, schema: Schema, stream: str
) -> None:
    relays = [Relay(pool, nc.jetstream(), schema.name, batch_size=7) for _ in range(2)]
    async with running(relays[0]), running(relays[1]):
        ids = []
        for batch in range(10):
            ids += await commit_events(pool, [f"r{batch}-{i}" for i in range(10)])
        await wait_until(lambda: _has(nc, 100), within=20)
    # Both relays have stopped: whatever they published is in the stream now.
    info = await nc.jetstream().stream_info("PROTOTYPING")
    assert info.state.messages == 100
    assert await published_ids(nc) == ids


def _relay_errors() -> float:
    return REGISTRY.get_sample_value("arctic_relay_errors_total") or 0.0


async def _true(value: bool) -> bool:
    return value


async def _has(nc: NATS, count: int) -> bool:
    info = await nc.jetstream().stream_info("PROTOTYPING")
    return bool(info.state.messages >= count)
