"""Dead letters: messages the runtime gave up on, kept with their error for an operator.

A consumer dead-letters a message it cannot read, or whose handler failed too often (the
failures are counted here, per consumer and event); the scheduler a row it cannot read; the
relay an outbox row that NATS will not take.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

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
    stream_sequence: int | None = None
    discarded_at: datetime | None = None
    discarded_by: str | None = None
    discard_reason: str | None = None

    @property
    def is_open(self) -> bool:
        """Neither replayed nor discarded."""
        return self.replayed_at is None and self.discarded_at is None

    @property
    def state(self) -> str:
        """`open`, `replayed <when>` or `discarded <when> by <who>: <why>`."""
        if self.replayed_at is not None:
            return f"replayed {self.replayed_at:%Y-%m-%d %H:%M}"
        if self.discarded_at is not None:
            return (
                f"discarded {self.discarded_at:%Y-%m-%d %H:%M} by {self.discarded_by}: "
                f"{self.discard_reason}"
            )
        return "open"


async def record_dead_letter(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    consumer: str,
    subject: str,
    headers: Mapping[str, object],
    payload: bytes,
    reason: str,
    error: str,
    deliveries: int,
    stream_sequence: int | None = None,
) -> bool:
    """Keep a message that will not be retried, with why; log it and count it.

    Whatever the message holds, it is stored: NUL and undecodable characters in the subject,
    headers and error are escaped and very long texts cut (`storable`); the payload is kept
    as it came. Returns False, recording nothing, when the same message (consumer, stream
    sequence and event id) is an open dead letter already (it came back because its `term`
    was lost). Raises when the database fails: the caller must then leave the message for
    redelivery (neither ack nor term it).
    """
    stored_headers = {storable(str(k), 256): storable(str(v)) for k, v in headers.items()}
    lowered = {name.lower(): value for name, value in stored_headers.items()}
    event_id = lowered.get("ce-id")
    recorded = await conn.fetchval(
        """INSERT INTO dead_letters (consumer, subject, event_id, headers, payload, reason,
               error, deliveries, stream_sequence)
           SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
           WHERE $9::bigint IS NULL OR NOT EXISTS (
               SELECT 1 FROM dead_letters WHERE consumer = $1 AND stream_sequence = $9
                   AND event_id IS NOT DISTINCT FROM $3 AND replayed_at IS NULL)
           RETURNING true""",
        storable(consumer, 256),
        storable(subject, 1024),
        None if event_id is None else event_id[:256],
        orjson.dumps(stored_headers).decode(),
        payload,
        reason,
        storable(error, 4000),
        deliveries,
        stream_sequence,
    )
    if not recorded:
        return False
    metrics.DEAD_LETTERS.labels(consumer, reason).inc()
    log.error(
        "message dead-lettered",
        consumer=consumer,
        subject=storable(subject, 200),
        event_id=event_id,
        correlation_id=lowered.get("ce-correlationid", "")[:200] or None,
        reason=reason,
        error=storable(error, 1000),
        deliveries=deliveries,
    )
    return True


def storable(text: str, limit: int = 65_536) -> str:
    """`text` as PostgreSQL can store it in a text or jsonb column: NUL as `\\x00`, lone
    surrogates (undecodable bytes) as `\\udcXX`, cut after `limit` characters with a note."""
    safe = text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
    if len(safe) <= limit:
        return safe
    return f"{safe[:limit]}... (cut, {len(safe)} characters)"


async def count_handler_failure(
    conn: asyncpg.Connection, consumer: str, event_id: UUID, error: str
) -> int:
    """Count one more failure of `consumer`'s handler on `event_id`; return the total."""
    failures: int = await conn.fetchval(
        """INSERT INTO handler_failures (consumer, event_id, failures, last_error)
           VALUES ($1, $2, 1, $3)
           ON CONFLICT (consumer, event_id) DO UPDATE
               SET failures = handler_failures.failures + 1, last_error = EXCLUDED.last_error,
                   updated_at = now()
           RETURNING failures""",
        consumer,
        event_id,
        storable(error, 4000),
    )
    return failures


async def forget_handler_failures(
    conn: asyncpg.Connection, consumer: str, event_ids: Sequence[UUID]
) -> None:
    """Drop the failure counts of events that were applied or dead-lettered."""
    await conn.execute(
        "DELETE FROM handler_failures WHERE consumer = $1 AND event_id = ANY($2::uuid[])",
        consumer,
        list(event_ids),
    )


async def list_dead_letters(
    pool: asyncpg.Pool, *, include_closed: bool = False
) -> list[DeadLetter]:
    """The open dead letters of this schema (with `include_closed`, also the replayed and
    discarded ones), oldest first."""
    rows = await pool.fetch(
        """SELECT * FROM dead_letters
           WHERE $1 OR (replayed_at IS NULL AND discarded_at IS NULL) ORDER BY id""",
        include_closed,
    )
    return [_from_row(row) for row in rows]


async def discard_dead_letter(
    pool: asyncpg.Pool, dead_letter_id: int, *, by: str, reason: str
) -> DeadLetter | None:
    """Close an open dead letter without applying it, keeping it with who and why; None when
    there is no open dead letter with that id."""
    row = await pool.fetchrow(
        """UPDATE dead_letters SET discarded_at = now(), discarded_by = $2, discard_reason = $3
           WHERE id = $1 AND replayed_at IS NULL AND discarded_at IS NULL RETURNING *""",
        dead_letter_id,
        by,
        reason,
    )
    if row is None:
        return None
    letter = _from_row(row)
    log.info(
        "dead letter discarded",
        dead_letter_id=dead_letter_id,
        consumer=letter.consumer,
        event_id=letter.event_id,
        by=by,
        reason=reason,
    )
    return letter


async def get_dead_letter(pool: asyncpg.Pool, dead_letter_id: int) -> DeadLetter | None:
    """One dead letter by id."""
    row = await pool.fetchrow("SELECT * FROM dead_letters WHERE id = $1", dead_letter_id)
    return None if row is None else _from_row(row)


def _from_row(row: asyncpg.Record) -> DeadLetter:
    values = dict(row)
    values["headers"] = orjson.loads(values["headers"])
    return DeadLetter(**values)
