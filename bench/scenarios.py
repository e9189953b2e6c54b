"""The three scenarios; each round runs both pipelines on the same servers, one after the other.

- flow at saturation: producers commit as fast as the pipeline sustains (closed loop within
  an in-flight window); throughput = effect rows committed per second in the window;
- flow at a fixed offered rate: latency from the business commit to the effect commit;
- backlog: N events already in the stream, one consumer applies them all.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg

from arctic.contracts.envelope import build_message
from arctic.runtime.provisioning import ensure_consumer
from bench import measure
from bench.cpu import CpuMeter, with_children
from bench.events import REQUESTED, requested_event
from bench.fleet import Fleet
from bench.infra import (
    RAW_CONSUMER,
    RAW_DURABLE,
    RAW_PRODUCER,
    RT_CONSUMER,
    RT_DURABLE,
    RT_PRODUCER,
    RT_STREAM,
    Servers,
    fresh_streams,
    raw_consumer_config,
)
from bench.model import BacklogRound, FlowRound, Options
from bench.profile import Profiler
from bench.runtime_side import subscription
from bench.workers import Pipeline, WorkerSpec

SCHEMAS = {"raw": (RAW_PRODUCER, RAW_CONSUMER), "runtime": (RT_PRODUCER, RT_CONSUMER)}
DURABLES = {"raw": RAW_DURABLE, "runtime": RT_DURABLE}
Prepare = Callable[[asyncpg.Connection, str], Awaitable[None]]
"""Fills tables before a run (admin connection, the consumer's durable name)."""


def _now() -> datetime:
    return datetime.now(UTC)


def _meter(servers: Servers, workers: dict[str, int]) -> CpuMeter:
    assert servers.postgres.process is not None
    assert servers.nats.process is not None
    pids = {**workers, "nats": servers.nats.process.pid}
    groups: dict[str, Callable[[], list[int]]] = {role: _only(pid) for role, pid in pids.items()}
    postmaster = servers.postgres.process.pid
    groups["postgres"] = lambda: with_children(postmaster)
    return CpuMeter(groups)


def _only(pid: int) -> Callable[[], list[int]]:
    return lambda: [pid]


def order(round_number: int) -> tuple[Pipeline, ...]:
    """Raw first in even rounds, runtime first in odd ones (drift hits both alike)."""
    return ("raw", "runtime") if round_number % 2 == 0 else ("runtime", "raw")


async def run_flow(
    servers: Servers,
    pipeline: Pipeline,
    options: Options,
    rate: float | None,
    profiler: Profiler,
    round_number: int,
    prepare: Prepare | None = None,
    housekeeping: bool = False,
) -> FlowRound:
    """Producers (saturating when `rate` is None) → relay → stream → consumer; `prepare`
    fills tables first, `housekeeping` prunes in the producing service meanwhile."""
    await servers.reset_data()
    if prepare is not None:
        await _prepared(servers, prepare, DURABLES[pipeline])
    nc = await servers.connect_nats()
    await fresh_streams(nc.jetstream(), RT_DURABLE, RAW_DURABLE)
    await nc.close()
    producer, consumer = SCHEMAS[pipeline]
    fleet = Fleet(
        {
            "consumer": WorkerSpec(
                pipeline,
                servers.nats_url,
                servers.dsns[consumer],
                consumer,
                batch_size=options.batch_size,
                durable=DURABLES[pipeline],
                handler=options.handler,
            ),
            "producer": WorkerSpec(
                pipeline,
                servers.nats_url,
                servers.dsns[producer],
                producer,
                admin_dsn=servers.admin_dsn,
                effects_table=f"{consumer}.effects",
                concurrency=options.concurrency,
                rate=rate,
                window=options.window,
                housekeeping=housekeeping,
            ),
        }
    )
    fleet.start()
    try:
        go = _now()
        fleet.say("go")
        await asyncio.sleep(options.warmup)
        meter = _meter(servers, fleet.pids)
        meter.start()
        name = f"{'saturated' if rate is None else 'latency'}-{pipeline}-{round_number}"
        profiler.attach(name, fleet.pids, options.duration)
        await asyncio.sleep(options.duration)
        end = _now()
        cpu = meter.stop()
        stats = await asyncio.to_thread(fleet.stop)
        conn = await asyncpg.connect(servers.admin_dsn)
        try:
            committed = await measure.count(conn, f"{producer}.business")
            effects = await measure.wait_for_effects(conn, consumer, committed, 120)
            await asyncio.to_thread(fleet.finish)
            measured_from = go + timedelta(seconds=options.warmup)
            in_window = await measure.effects_between(conn, consumer, measured_from, end)
            latencies = await measure.latencies(conn, producer, consumer, measured_from)
            stages = await measure.stages(conn, producer, consumer, measured_from)
            duplicates = await measure.duplicates(conn, consumer)
        finally:
            await conn.close()
    except BaseException:
        fleet.kill()
        raise
    return FlowRound(
        pipeline,
        in_window,
        (end - measured_from).total_seconds(),
        latencies,
        committed,
        effects,
        duplicates,
        stats["producer"],
        cpu,
        stages,
    )


async def _prepared(servers: Servers, prepare: Prepare, durable: str) -> None:
    """Run `prepare`, then leave the database as a long-running one would be: statistics
    known, the filling's dirty pages written out (not during the measured window)."""
    conn = await asyncpg.connect(servers.admin_dsn)
    try:
        await prepare(conn, durable)
        await conn.execute("VACUUM ANALYZE")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


async def fill_backlog(servers: Servers, events: int) -> None:
    """Fresh streams with `events` messages in PROTOTYPING (valid CloudEvents, for both)."""
    nc = await servers.connect_nats()
    js = nc.jetstream()
    try:
        await fresh_streams(js, RT_DURABLE, RAW_DURABLE)
        for start in range(0, events, 1000):
            futures = []
            for number in range(start, min(start + 1000, events)):
                event = requested_event(number)
                headers, body = build_message(event, correlation_id=f"backlog-{number}")
                futures.append(await js.publish_async(REQUESTED, body, headers=headers))
            await asyncio.gather(*futures)
        info = await js.stream_info(RT_STREAM)
        assert info.state.messages == events, info.state
    finally:
        await nc.close()


async def backlog_durable(servers: Servers, pipeline: Pipeline, round_number: int) -> str:
    """A new durable that starts at the stream's first message, and empty effect tables."""
    await servers.reset_data()
    durable = f"{DURABLES[pipeline]}-backlog-{round_number}-{uuid.uuid4().hex[:6]}"
    nc = await servers.connect_nats()
    js = nc.jetstream()
    try:
        if pipeline == "runtime":
            await ensure_consumer(js, subscription(durable))
        else:
            await js.add_consumer(RT_STREAM, raw_consumer_config(durable, REQUESTED))
    finally:
        await nc.close()
    return durable


async def run_backlog(
    servers: Servers,
    pipeline: Pipeline,
    options: Options,
    profiler: Profiler,
    round_number: int,
    prepare: Prepare | None = None,
) -> BacklogRound:
    """Time one consumer applying the whole backlog (the stream is already full); `prepare`
    fills tables first."""
    consumer = SCHEMAS[pipeline][1]
    durable = await backlog_durable(servers, pipeline, round_number)
    if prepare is not None:
        await _prepared(servers, prepare, durable)
    spec = WorkerSpec(
        pipeline,
        servers.nats_url,
        servers.dsns[consumer],
        consumer,
        batch_size=options.batch_size,
        durable=durable,
        backlog_stream=True,
        handler=options.handler,
    )
    fleet = Fleet({"consumer": spec})
    fleet.start()
    conn = await asyncpg.connect(servers.admin_dsn)
    try:
        meter = _meter(servers, fleet.pids)
        meter.start()
        go = _now()
        fleet.say("go")
        profiler.attach(f"backlog-{pipeline}-{round_number}", fleet.pids, 10)
        found = await measure.wait_for_effects(conn, consumer, options.backlog, 600)
        cpu = meter.stop()
        if found < options.backlog:
            raise RuntimeError(f"{pipeline} consumer applied {found} of {options.backlog} events")
        done = await measure.last_effect(conn, consumer)
        await asyncio.to_thread(fleet.stop)
        await asyncio.to_thread(fleet.finish)
        duplicates = await measure.duplicates(conn, consumer)
    except BaseException:
        fleet.kill()
        raise
    finally:
        await conn.close()
    seconds = (done - go).total_seconds()
    return BacklogRound(pipeline, found, seconds, duplicates, cpu)
