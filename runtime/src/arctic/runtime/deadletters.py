"""Dead letters: messages a consumer could not apply, kept whole with their error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg
import orjson

from arctic.runtime import metrics
from arctic.runtime.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class DeadLetter:
    """One dead-lettered message."""

    id: int
    consumer: str
    subject: str
    event_id: str | None
    headers: dict[str, str]
    payload: bytes
    reason: str
    error: str
    deliveries: int
    created_at: datetime
    replayed_at: datetime | None


async def record_dead_letter(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    consumer: str,
    subject: str,
    headers: dict[str, str],
    payload: bytes,
    reason: str,
    error: str,
    deliveries: int,
) -> None:
    """Keep a message that will not be retried, with why; log it and count it."""
    event_id = headers.get("ce-id")
    await conn.execute(
        """INSERT INTO dead_letters
               (consumer, subject, event_id, headers, payload, reason, error, deliveries)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        consumer,
        subject,
        event_id,
        orjson.dumps(headers).decode(),
        payload,
        reason,
        error,
        deliveries,
    )
    metrics.DEAD_LETTERS.labels(consumer, reason).inc()
    log.error(
        "message dead-lettered",
        consumer=consumer,
        subject=subject,
        event_id=event_id,
        correlation_id=headers.get("ce-correlationid"),
        reason=reason,
        error=error,
        deliveries=deliveries,
    )


async def list_dead_letters(
    pool: asyncpg.Pool, *, include_replayed: bool = False
) -> list[DeadLetter]:
    """The dead letters of this schema, oldest first."""
    rows = await pool.fetch(
        "SELECT * FROM dead_letters WHERE $1 OR replayed_at IS NULL ORDER BY id", include_replayed
    )
    return [_from_row(row) for row in rows]


async def get_dead_letter(pool: asyncpg.Pool, dead_letter_id: int) -> DeadLetter | None:
    """One dead letter by id."""
    row = await pool.fetchrow("SELECT * FROM dead_letters WHERE id = $1", dead_letter_id)
    return None if row is None else _from_row(row)


def _from_row(row: asyncpg.Record) -> DeadLetter:
    values = dict(row)
    values["headers"] = orjson.loads(values["headers"])
    return DeadLetter(**values)
