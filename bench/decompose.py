"""`python -m bench.decompose`: where the backlog gap comes from, one step at a time.

The raw consumer is changed step by step towards what the runtime's Consumer does, and each
variant applies the same backlog (in this process, on fresh servers): no prefetch; one
INSERT per message inside the batch transaction (the shape the handler API imposes);
plus `parse_message` per message; `parse_message` alone on the one-statement path; then the
runtime's Consumer itself.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any
from uuid import UUID

import asyncpg
import nats
import orjson
import uvloop
from nats.aio.msg import Msg

from arctic.contracts.envelope import parse_message
from bench import measure, raw, runtime_side, scenarios
from bench.infra import RT_STREAM, Servers
from bench.workers import Pipeline


class NoPrefetch(raw.RawConsumer):
    """The raw consumer, fetching only after the batch in hand is applied."""

    async def run(self) -> None:
        """Fetch, apply and ack until stopped."""
        sub = await self.js.pull_subscribe_bind(self.durable, stream=self.stream)
        while not self._stopping:
            msgs = await self._fetch(sub)
            if msgs:
                await self.apply(msgs)


class PerMessage(NoPrefetch):
    """One transaction per batch, but one INSERT per message, as a runtime handler writes."""

    validate = False

    async def apply(self, msgs: list[Msg]) -> None:
        """Inbox insert for the batch, then one statement per message, then acks."""
        rows = [self._row(msg) for msg in msgs]
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.fetch(
                """INSERT INTO raw_inbox (consumer, event_id, event_type)
                   SELECT $1, * FROM unnest($2::uuid[], $3::text[])
                   ON CONFLICT DO NOTHING RETURNING event_id""",
                self.durable,
                [row[0] for row in rows],
                [row[1] for row in rows],
            )
            for row in rows:
                await conn.execute(
                    "INSERT INTO effects (request_id, title) VALUES ($1, $2)", row[2], row[3]
                )
        for msg in msgs:
            await msg.ack()

    def _row(self, msg: Msg) -> tuple[Any, ...]:
        if self.validate:
            envelope, event = parse_message(msg.subject, msg.headers, msg.data)
            return envelope.id, msg.subject, event.request_id, event.title  # type: ignore[attr-defined]
        data = orjson.loads(msg.data)
        event_id = UUID((msg.headers or {})[raw.MSG_ID])
        return event_id, msg.subject, UUID(data["request_id"]), data["title"]


class PerMessageValidated(PerMessage):
    """The previous step plus the contract's parsing and validation of every message."""

    validate = True


class ValidatedBatch(raw.RawConsumer):
    """The raw consumer (one statement per batch) plus `parse_message` per message."""

    async def apply(self, msgs: list[Msg]) -> None:
        """Validate each message, then apply the batch as the raw consumer does."""
        for msg in msgs:
            parse_message(msg.subject, msg.headers, msg.data)
        await super().apply(msgs)


VARIANTS: dict[str, type[raw.RawConsumer] | None] = {
    "raw (prefetch, one statement per batch)": raw.RawConsumer,
    "raw without prefetch": NoPrefetch,
    "+ one INSERT per message in the batch transaction": PerMessage,
    "+ parse_message per message": PerMessageValidated,
    "raw + parse_message, one statement per batch": ValidatedBatch,
    "runtime Consumer, per-event handler": None,
    "runtime Consumer, batch handler": None,
}


async def _one(servers: Servers, name: str, events: int, attempt: int) -> tuple[float, float]:
    variant = VARIANTS[name]
    pipeline: Pipeline = "runtime" if variant is None else "raw"
    durable = await scenarios.backlog_durable(servers, pipeline, attempt)
    schema = scenarios.SCHEMAS[pipeline][1]
    pool = await asyncpg.create_pool(
        servers.dsns[schema], min_size=2, max_size=2, server_settings={"search_path": schema}
    )
    assert pool is not None
    nc = await nats.connect(servers.nats_url)
    js = nc.jetstream()
    consumer: Any
    if variant is None:
        handler: runtime_side.Handler = "batch" if name.endswith("batch handler") else "event"
        consumer = runtime_side.consumer(pool, js, durable, 200, handler)
    else:
        consumer = variant(pool, js, RT_STREAM, durable, 200)
    admin = await asyncpg.connect(servers.admin_dsn)
    started, cpu = time.monotonic(), time.process_time()
    task = asyncio.create_task(consumer.run())
    await measure.wait_for_effects(admin, schema, events, 600)
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu
    consumer.stop()
    await asyncio.wait([task], timeout=3)
    await asyncio.gather(admin.close(), pool.close(), nc.close())
    return events / seconds, 1000 * cpu / events


async def main(events: int, rounds: int) -> None:
    """Fill a backlog once, then let every variant apply it `rounds` times."""
    servers = Servers()
    await servers.start()
    try:
        await servers.create_schemas()
        await scenarios.fill_backlog(servers, events)
        print(f"{events:,} events; events/s and Python CPU ms/event (this process)")
        for attempt in range(rounds):
            for name in VARIANTS:
                rate, cpu = await _one(servers, name, events, attempt)
                print(f"  {name:52s} {rate:7,.0f}/s  {cpu:.3f} ms", flush=True)
    finally:
        servers.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.decompose", description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    uvloop.run(main(args.events, args.rounds))
