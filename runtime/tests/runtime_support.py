"""Builders for the runtime's tests: events, an effects table, a handler that records effects."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Protocol, TypeVar

import asyncpg

from arctic.contracts.events import PrototypeRequested
from arctic.contracts.examples import example_of
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.subscriptions import (
    BoundSubscription,
    Context,
    EventHandler,
    Subscription,
    on,
)

EFFECTS_SQL = """CREATE TABLE effects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id uuid NOT NULL,
    title text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp())"""
DURABLE = "tests-prototyping"
REQUESTED = PrototypeRequested.subject
SETTINGS = ServiceSettings(service="tests")


def prototype_requested(title: str = "Snow-load sensor") -> PrototypeRequested:
    """A valid PrototypeRequested with a fresh request id."""
    return example_of(
        PrototypeRequested, request_id=uuid.uuid4(), title=title, requested_at=datetime.now(UTC)
    )


async def record_effect(ctx: Context[ServiceSettings], event: PrototypeRequested) -> None:
    """The handler of the tests: one effects row per application."""
    await ctx.tx.conn.execute(
        "INSERT INTO effects (event_id, title) VALUES ($1, $2)", ctx.envelope.id, event.title
    )


def effects_subscription(
    handler: EventHandler[ServiceSettings, PrototypeRequested] = record_effect,
    *,
    max_failures: int = 10,
    retry_base_seconds: float = 0.2,
) -> BoundSubscription[ServiceSettings]:
    """The tests' subscription on PROTOTYPING (recording an effect per event by default),
    bound to the tests' settings."""
    return Subscription(
        DURABLE,
        "PROTOTYPING",
        [on(PrototypeRequested, handler)],
        max_failures=max_failures,
        retry_base_seconds=retry_base_seconds,
        retry_max_seconds=2.0,
        ack_wait_seconds=5.0,
    ).bind(SETTINGS)


def header_block(headers: dict[str, str], **raw: bytes) -> bytes:
    """A NATS header block of `headers`, with the values in `raw` put in byte for byte
    (names with `_` for `-`): what no client library would send."""
    lines = [b"NATS/1.0"]
    replaced = {name.replace("_", "-"): value for name, value in raw.items()}
    for name, value in headers.items():
        lines.append(name.encode() + b": " + replaced.pop(name, value.encode()))
    lines += [name.encode() + b": " + value for name, value in replaced.items()]
    return b"\r\n".join(lines) + b"\r\n\r\n"


async def publish_raw(url: str, subject: str, headers: bytes | None, body: bytes) -> None:
    """Publish exactly these bytes on the NATS protocol, past any client's checks."""
    host, port = url.removeprefix("nats://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        await reader.readline()  # INFO
        writer.write(b'CONNECT {"verbose":false,"pedantic":false,"headers":true}\r\n')
        if headers is None:
            writer.write(f"PUB {subject} {len(body)}\r\n".encode() + body + b"\r\n")
        else:
            sizes = f"{len(headers)} {len(headers) + len(body)}"
            writer.write(f"HPUB {subject} {sizes}\r\n".encode() + headers + body + b"\r\n")
        writer.write(b"PING\r\n")
        await writer.drain()
        answer = await reader.readline()
        assert answer.startswith(b"PONG"), answer
    finally:
        writer.close()


async def effect_counts(pool: asyncpg.Pool) -> dict[uuid.UUID, int]:
    """How many times each event's effect was applied."""
    rows = await pool.fetch("SELECT event_id, count(*) AS n FROM effects GROUP BY event_id")
    return {row["event_id"]: row["n"] for row in rows}


class Loop(Protocol):
    """A runtime loop: the relay, a consumer, the scheduler."""

    async def run(self) -> None: ...

    def stop(self) -> None: ...


L = TypeVar("L", bound=Loop)


@contextlib.asynccontextmanager
async def running(loop: L) -> AsyncIterator[L]:
    """Run a loop for the duration of a block, then stop it and wait for its end."""
    task = asyncio.create_task(loop.run())
    try:
        yield loop
    finally:
        loop.stop()
        await asyncio.wait_for(task, 10)
