"""The inbox consumer: acknowledgement, retries with growing delays, dead letters, replicas."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Sequence

import asyncpg
from nats.aio.client import Client as NATS
from runtime_support import (
    DURABLE,
    REQUESTED,
    SETTINGS,
    effect_counts,
    effects_subscription,
    prototype_requested,
    record_effect,
    running,
)

from arctic.contracts.envelope import Envelope, build_message
from arctic.contracts.events import PrototypeRequested
from arctic.runtime.consumer import Consumer
from arctic.runtime.deadletters import list_dead_letters
from arctic.runtime.replay import replay_dead_letter
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.subscriptions import (
    BatchContext,
    BatchHandler,
    BoundSubscription,
    Context,
    Subscription,
    on_batch,
)
from arctic.runtime.testing import wait_until


async def publish(nc: NATS, title: str = "t") -> uuid.UUID:
    headers, body = build_message(prototype_requested(title), correlation_id="c-7")
    await nc.jetstream().publish(REQUESTED, body, headers=headers)
    return uuid.UUID(headers["ce-id"])


async def test_each_event_is_applied_once_and_acknowledged(
    pool: asyncpg.Pool, nc: NATS, stream: str
) -> None:
    ids = [await publish(nc, f"t{i}") for i in range(300)]
    async with running(Consumer(pool, nc.jetstream(), effects_subscription(), batch_size=64)):
        await wait_until(lambda: _applied(pool, 300))
    assert await effect_counts(pool) == dict.fromkeys(ids, 1)
    info = await nc.jetstream().consumer_info(stream, DURABLE)
    assert info.num_ack_pending == 0
    assert info.num_pending == 0


async def test_a_redelivered_event_is_acknowledged_and_not_applied_again(
    pool: asyncpg.Pool, nc: NATS, stream: str
) -> None:
    headers, body = build_message(prototype_requested("twice"), correlation_id="c")
    del headers["Nats-Msg-Id"]  # let the stream store the same event twice
    for _ in range(2):
        await nc.jetstream().publish(REQUESTED, body, headers=headers)
    async with running(Consumer(pool, nc.jetstream(), effects_subscription())):
        await wait_until(lambda: _acked(nc, stream, 2))
    assert list((await effect_counts(pool)).values()) == [1]


async def test_a_handler_failing_twice_is_retried_with_growing_delays_and_applied_once(
    pool: asyncpg.Pool, nc: NATS, stream: str
) -> None:
    attempts: list[float] = []

    async def flaky(ctx: Context[ServiceSettings], event: PrototypeRequested) -> None:
        attempts.append(time.monotonic())
        if len(attempts) <= 2:
            raise ConnectionError("the downstream is not there yet")
        await record_effect(ctx, event)

    subscription = effects_subscription(flaky, retry_base_seconds=0.5)
    event_id = await publish(nc)
    async with running(Consumer(pool, nc.jetstream(), subscription)):
        await wait_until(lambda: _applied(pool, 1), within=15)
    assert await effect_counts(pool) == {event_id: 1}
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    assert len(attempts) == 3
    # nak delays of 0.5 s then 1 s: each gap at least its delay, the second longer, none stuck
    assert gaps[0] >= 0.45, gaps
    assert gaps[1] >= 0.95, gaps
    assert gaps[1] > gaps[0], gaps
    assert max(gaps) < 5, gaps


async def test_invalid_messages_are_dead_lettered_and_the_next_good_one_is_applied(
    pool: asyncpg.Pool, nc: NATS, stream: str
) -> None:
    js = nc.jetstream()
    headers, body = build_message(prototype_requested(), correlation_id="c")
    unknown_version = {**headers, "ce-type": REQUESTED.replace(".v1", ".v9")}
    await js.publish(REQUESTED, body, headers={**unknown_version, "Nats-Msg-Id": "a"})
    await js.publish(REQUESTED, b"{not json", headers={**headers, "Nats-Msg-Id": "b"})
    missing_id = {k: v for k, v in headers.items() if k != "ce-id"}
    await js.publish(REQUESTED, body, headers={**missing_id, "Nats-Msg-Id": "c"})
    good = await publish(nc, "good")
    async with running(Consumer(pool, js, effects_subscription())):
        await wait_until(lambda: _applied(pool, 1))
        await wait_until(lambda: _acked(nc, stream, 4))
    letters = await list_dead_letters(pool)
    assert [d.reason for d in letters] == ["invalid"] * 3
    assert "v9" in letters[0].error
    assert "JSON" in letters[1].error or "json" in letters[1].error
    assert "ce-id" in letters[2].error
    assert letters[1].payload == b"{not json"
    assert await effect_counts(pool) == {good: 1}


async def test_exhausted_deliveries_are_dead_lettered_and_can_be_replayed(
    pool: asyncpg.Pool, nc: NATS, stream: str
) -> None:
    healthy = asyncio.Event()

    async def broken_until_fixed(ctx: Context[ServiceSettings], event: PrototypeRequested) -> None:
        if not healthy.is_set():
            raise ValueError("template missing")
        await record_effect(ctx, event)

    subscription = effects_subscription(broken_until_fixed, max_failures=2, retry_base_seconds=0.1)
    event_id = await publish(nc)
    async with running(Consumer(pool, nc.jetstream(), subscription)):
        await wait_until(lambda: _dead_letters(pool, 1))
    [letter] = await list_dead_letters(pool)
    assert (letter.reason, letter.deliveries) == ("exhausted", 2)
    assert "template missing" in letter.error
    healthy.set()
    assert await replay_dead_letter(pool, subscription, letter.id) is True
    assert await effect_counts(pool) == {event_id: 1}
    assert await list_dead_letters(pool) == []


async def test_two_consumer_replicas_apply_each_event_once(
    pool: asyncpg.Pool, nc: NATS, stream: str
) -> None:
    ids = [await publish(nc, f"t{i}") for i in range(400)]
    js = nc.jetstream()
    replicas = [Consumer(pool, js, effects_subscription(), batch_size=25) for _ in range(2)]
    async with running(replicas[0]), running(replicas[1]):
        await wait_until(lambda: _applied(pool, 400), within=20)
    # Both replicas have stopped, their batches finished: every application is counted.
    assert await effect_counts(pool) == dict.fromkeys(ids, 1)


async def _applied(pool: asyncpg.Pool, count: int) -> bool:
    return bool(await pool.fetchval("SELECT count(DISTINCT event_id) FROM effects") >= count)


async def _dead_letters(pool: asyncpg.Pool, count: int) -> bool:
    return bool(await pool.fetchval("SELECT count(*) FROM dead_letters") >= count)


async def _acked(nc: NATS, stream: str, count: int) -> bool:
    info = await nc.jetstream().consumer_info(stream, DURABLE)
    return bool(info.ack_floor.stream_seq >= count and info.num_ack_pending == 0)


Batch = Sequence[tuple[Envelope, PrototypeRequested]]


def batch_subscription(
    handler: BatchHandler[ServiceSettings, PrototypeRequested], max_failures: int = 10
) -> BoundSubscription[ServiceSettings]:
    """The tests' subscription with a batch handler."""
    subscription = Subscription(
        DURABLE, "PROTOTYPING", [on_batch(PrototypeRequested, handler)], max_failures=max_failures
    )
    return subscription.bind(SETTINGS)


async def record_effects(ctx: BatchContext[ServiceSettings], events: Batch) -> None:
    """A batch handler: the effects of many events in one statement."""
    await ctx.conn.executemany(
        "INSERT INTO effects (event_id, title) VALUES ($1, $2)",
        [(envelope.id, event.title) for envelope, event in events],
    )


async def test_a_batch_handler_applies_a_backlog_in_few_calls_each_event_once(
    pool: asyncpg.Pool, nc: NATS, stream: str
) -> None:
    calls: list[int] = []

    async def counted(ctx: BatchContext[ServiceSettings], events: Batch) -> None:
        calls.append(len(events))
        await record_effects(ctx, events)

    ids = [await publish(nc, f"t{i}") for i in range(500)]
    subscription = batch_subscription(counted)
    async with running(Consumer(pool, nc.jetstream(), subscription, batch_size=100)):
        await wait_until(lambda: _applied(pool, 500))
    assert await effect_counts(pool) == dict.fromkeys(ids, 1)
    assert sum(calls) == 500
    assert max(calls) > 1


async def test_a_failing_batch_handler_is_narrowed_to_the_event_at_fault(
    pool: asyncpg.Pool, nc: NATS, stream: str
) -> None:
    async def refuses_poison(ctx: BatchContext[ServiceSettings], events: Batch) -> None:
        if any(event.title == "poison" for _, event in events):
            raise ValueError("cannot apply poison")
        await record_effects(ctx, events)

    subscription = batch_subscription(refuses_poison, max_failures=1)
    good = [await publish(nc, f"good {i}") for i in range(20)]
    await publish(nc, "poison")
    good += [await publish(nc, f"good {i}") for i in range(20, 40)]
    async with running(Consumer(pool, nc.jetstream(), subscription, batch_size=100)):
        await wait_until(lambda: _applied(pool, 40))
        await wait_until(lambda: _dead_letters(pool, 1))
    assert await effect_counts(pool) == dict.fromkeys(good, 1)
    [letter] = await list_dead_letters(pool)
    assert (letter.reason, "cannot apply poison" in letter.error) == ("exhausted", True)
