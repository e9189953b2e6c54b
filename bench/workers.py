"""The two service processes of a pipeline, driven by the coordinator through a pipe.

The producing process runs the producers and the relay (as a service runs its request
handlers and its relay); the consuming process runs the consumer. Protocol: the worker sends
"ready", waits for "go", works until "stop" (producers stop and send their statistics, the
relay and the consumer keep going), and cleans up at "exit", answering "bye".
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Literal

import asyncpg
import nats
import uvloop

from arctic.runtime.housekeeping import Housekeeping
from arctic.runtime.settings import ServiceSettings
from bench import raw, runtime_side
from bench.infra import RAW_STREAM, RT_STREAM
from bench.load import Load

Pipeline = Literal["raw", "runtime"]


@dataclass(frozen=True)
class WorkerSpec:
    """What one worker process runs, and where."""

    pipeline: Pipeline
    nats_url: str
    dsn: str
    schema: str
    admin_dsn: str = ""
    effects_table: str = ""
    concurrency: int = 8
    rate: float | None = None
    window: int = 1000
    batch_size: int = 200
    durable: str = ""
    backlog_stream: bool = False
    handler: runtime_side.Handler = "batch"
    produce: bool = True
    """False: the producing service runs its relay only (it drains what the outbox holds)."""
    housekeeping: bool = False
    """The producing service also runs the runtime's housekeeping, as a service does."""


class Control:
    """The worker's end of the coordinator's pipe."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def send(self, message: object) -> None:
        """Tell the coordinator something."""
        self.conn.send(message)

    async def expect(self, word: str) -> None:
        """Wait for the coordinator to say `word`."""
        got = await asyncio.to_thread(self.conn.recv)
        if got != word:
            raise RuntimeError(f"expected {word!r} from the coordinator, got {got!r}")


async def _pool(spec: WorkerSpec, size: int) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        spec.dsn,
        min_size=size,
        max_size=size,
        server_settings={"search_path": spec.schema, "application_name": f"bench-{spec.schema}"},
    )
    assert pool is not None
    return pool


async def producing_service(spec: WorkerSpec, control: Control) -> None:
    """Producers at the asked rate (or saturating within a window) plus the relay."""
    nc = await nats.connect(spec.nats_url)
    js = nc.jetstream()
    pool = await _pool(spec, spec.concurrency)
    relay_pool = await _pool(spec, 2)
    produce: Callable[[asyncpg.Pool, int], Awaitable[None]]
    if spec.pipeline == "raw":
        produce = raw.produce
        relay: raw.RawRelay | Any = raw.RawRelay(relay_pool, js)
    else:
        produce = runtime_side.produce
        relay = runtime_side.relay(relay_pool, js, spec.schema)
    load = Load(pool, produce, spec.concurrency, spec.rate, spec.window)
    if spec.produce:
        await load.connect_gate(spec.admin_dsn, spec.effects_table)
    # Its own connection, so that pruning waits for no producer and no producer for it.
    housekeeping = None
    if spec.housekeeping:
        housekeeping = Housekeeping(await _pool(spec, 1), ServiceSettings(service="bench"))
    relay_task = asyncio.create_task(relay.run())
    control.send("ready")
    await control.expect("go")
    started = time.monotonic()
    tasks = [asyncio.create_task(load.run())] if spec.produce else []
    if housekeeping is not None:
        tasks.append(asyncio.create_task(housekeeping.run()))
    await control.expect("stop")
    load.stop()
    if housekeeping is not None:
        housekeeping.stop()
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    control.send({"committed": load.committed, "failed": load.failed, "seconds": elapsed})
    await control.expect("exit")
    relay.stop()
    await relay_task
    if spec.produce:
        await load.close()
    await asyncio.gather(pool.close(), relay_pool.close())
    if housekeeping is not None:
        await housekeeping.pool.close()
    await nc.close()


async def consuming_service(spec: WorkerSpec, control: Control) -> None:
    """The consumer of the pipeline on its durable."""
    nc = await nats.connect(spec.nats_url)
    js = nc.jetstream()
    pool = await _pool(spec, 2)
    if spec.pipeline == "raw":
        stream = RT_STREAM if spec.backlog_stream else RAW_STREAM
        consumer: Any = raw.RawConsumer(pool, js, stream, spec.durable, spec.batch_size)
    else:
        consumer = runtime_side.consumer(pool, js, spec.durable, spec.batch_size, spec.handler)
    control.send("ready")
    await control.expect("go")
    task = asyncio.create_task(consumer.run())
    await control.expect("stop")
    control.send({})
    await control.expect("exit")
    consumer.stop()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 5.0)
    await pool.close()
    await nc.close()


def main(role: str, spec: WorkerSpec, conn: Connection) -> None:
    """Process entry point: run one service under uvloop, as the product's CLI does."""
    from arctic.runtime.logs import configure_logging

    configure_logging(f"bench-{spec.pipeline}-{role}", "INFO")
    service = producing_service if role == "producer" else consuming_service
    control = Control(conn)
    try:
        uvloop.run(service(spec, control))
    except BaseException as error:
        control.send({"error": repr(error)})
        raise
    control.send("bye")
