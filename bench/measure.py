"""What the database says happened: commit timestamps of business rows and effect rows.

`track_commit_timestamp` is on, so `pg_xact_commit_timestamp(xmin)` is the instant a row's
transaction committed. Latency is effect commit minus business commit, joined by request id;
throughput counts effect rows committed inside the measured window.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from datetime import datetime

import asyncpg

COMMITTED = "pg_xact_commit_timestamp({}.xmin)"


@dataclass(frozen=True)
class Latency:
    """Commit-to-effect latency percentiles, in milliseconds."""

    count: int
    p50: float
    p99: float
    max: float

    @classmethod
    def of(cls, samples: list[float]) -> Latency:
        """The percentiles of `samples` (milliseconds, any order)."""
        values = sorted(samples)
        if not values:
            return cls(0, math.nan, math.nan, math.nan)
        return cls(len(values), percentile(values, 0.50), percentile(values, 0.99), values[-1])


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, round(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def latencies(
    conn: asyncpg.Connection, producer: str, consumer: str, since: datetime
) -> list[float]:
    """Latency (ms) of every event whose business row committed at or after `since`."""
    rows = await conn.fetch(
        f"""SELECT extract(epoch FROM {COMMITTED.format("e")} - {COMMITTED.format("b")}) AS s
            FROM {producer}.business b JOIN {consumer}.effects e USING (request_id)
            WHERE {COMMITTED.format("b")} >= $1""",
        since,
    )
    return [float(row["s"]) * 1000 for row in rows]


STAGES = ("commit → relay claims", "relay claims → consumer begins", "consumer begins → commit")


async def stages(
    conn: asyncpg.Connection, producer: str, consumer: str, since: datetime
) -> dict[str, list[float]]:
    """Where the latency goes (ms), from the timestamps both pipelines' tables keep: the
    outbox's `published_at` (now() of the relay's round) and the inbox's `processed_at`
    (now() of the consumer's transaction)."""
    outbox, inbox = (
        ("outbox", "inbox") if producer.startswith("bench_rt") else ("raw_outbox", "raw_inbox")
    )
    rows = await conn.fetch(
        f"""SELECT extract(epoch FROM o.published_at - {COMMITTED.format("b")}) AS a,
                   extract(epoch FROM i.processed_at - o.published_at) AS b,
                   extract(epoch FROM {COMMITTED.format("e")} - i.processed_at) AS c
            FROM {producer}.business b
            JOIN {producer}.{outbox} o
              ON (convert_from(o.payload, 'UTF8')::jsonb ->> 'request_id')::uuid = b.request_id
            JOIN {consumer}.{inbox} i ON i.event_id = o.event_id
            JOIN {consumer}.effects e ON e.request_id = b.request_id
            WHERE {COMMITTED.format("b")} >= $1""",
        since,
    )
    return {
        stage: [float(row[column]) * 1000 for row in rows]
        for stage, column in zip(STAGES, "abc", strict=True)
    }


async def effects_between(
    conn: asyncpg.Connection, consumer: str, start: datetime, end: datetime
) -> int:
    """How many effect rows committed in [start, end)."""
    return int(
        await conn.fetchval(
            f"""SELECT count(*) FROM {consumer}.effects e
                WHERE {COMMITTED.format("e")} >= $1 AND {COMMITTED.format("e")} < $2""",
            start,
            end,
        )
    )


async def last_effect(conn: asyncpg.Connection, consumer: str) -> datetime:
    """When the last effect row committed."""
    value = await conn.fetchval(f"SELECT max({COMMITTED.format('e')}) FROM {consumer}.effects e")
    assert isinstance(value, datetime)
    return value


async def count(conn: asyncpg.Connection, table: str) -> int:
    """Rows in `table`."""
    return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))


async def duplicates(conn: asyncpg.Connection, consumer: str) -> int:
    """Effect rows beyond the first for any request (must be 0)."""
    return int(
        await conn.fetchval(f"SELECT count(*) - count(DISTINCT request_id) FROM {consumer}.effects")
    )


async def wait_for_effects(
    conn: asyncpg.Connection, consumer: str, expected: int, within: float
) -> int:
    """Poll until `expected` effect rows exist, or `within` seconds; return how many there are."""
    deadline = time.monotonic() + within
    while True:
        found = await count(conn, f"{consumer}.effects")
        if found >= expected or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.2)
