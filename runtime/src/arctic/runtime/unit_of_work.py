"""One transaction per request or message: state, outbox events, schedules and inbox mark.

Concurrent changes to one aggregate are caught by optimistic concurrency: its row has a
`version`, a change is saved with `UPDATE ... SET version = $new WHERE id = $id AND version =
$read`, and `expect_changed` raises `ConcurrentChange` (answered 409) when another unit of
work got there first.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from uuid import UUID

import asyncpg
import orjson

from arctic.contracts.envelope import Envelope, build_message
from arctic.contracts.events import Event
from arctic.contracts.ids import is_valid_correlation_id, new_event_id
from arctic.runtime.context import child_traceparent, current_actor, current_correlation_id
from arctic.runtime.logs import get_logger

log = get_logger(__name__)


class Transaction:
    """The open transaction of one unit of work, and what it may record besides state.

    Events are not published here: they are written to the outbox and published by the relay
    after commit, so a rolled-back transaction publishes nothing. `actor` is the subject of the
    caller whose command this is; the events emitted carry it (`ce-actor`). Events that other
    events cause have none: the causation id leads back to the command that had one.

    The correlation id, causation id and traceparent come from callers and travel into the
    headers of every event emitted here, so they are bounded first: a correlation id that is
    not 1 to 128 visible ASCII characters is replaced by a new one, an invalid causation id
    is dropped, an invalid traceparent starts a new trace. The original is never stored,
    and only its length is logged.
    """

    def __init__(
        self,
        conn: asyncpg.Connection,
        correlation_id: str,
        causation_id: str | None = None,
        traceparent: str | None = None,
        actor: str | None = None,
    ) -> None:
        self.conn = conn
        self.correlation_id = _bounded_correlation_id(correlation_id)
        self.causation_id = _bounded_causation_id(causation_id)
        self.traceparent = traceparent
        self.actor = actor

    @classmethod
    def caused_by(cls, conn: asyncpg.Connection, envelope: Envelope) -> Transaction:
        """The transaction of an event's handling: its events carry that event's correlation
        id and trace, and name it as their cause."""
        return cls(conn, envelope.correlation_id, str(envelope.id), envelope.traceparent)

    async def emit(self, event: Event, *, aggregate_version: int | None = None) -> UUID:
        """Record `event` in the outbox; it is published once this transaction commits.

        `aggregate_version` is the version of the aggregate the event is about after the
        change it reports (the `ce-aggregateversion` header).
        """
        event_id = new_event_id()
        headers, body = build_message(
            event,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
            traceparent=child_traceparent(self.traceparent),
            event_id=event_id,
            aggregate_version=aggregate_version,
            actor=self.actor,
        )
        await self.conn.execute(
            "INSERT INTO outbox (event_id, subject, headers, payload) VALUES ($1, $2, $3, $4)",
            event_id,
            event.subject,
            orjson.dumps(headers).decode(),
            body,
        )
        return event_id

    async def schedule(self, key: str, event: Event, due_at: datetime) -> None:
        """Have `event` emitted at `due_at`; scheduling the same key again reschedules it."""
        await self.conn.execute(
            """INSERT INTO scheduled_events (key, due_at, subject, payload, correlation_id)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (key) DO UPDATE SET due_at = EXCLUDED.due_at,
                   subject = EXCLUDED.subject, payload = EXCLUDED.payload""",
            key,
            due_at,
            event.subject,
            event.model_dump_json().encode(),
            self.correlation_id,
        )

    async def cancel_schedule(self, key: str) -> bool:
        """Cancel a scheduled event that has not fired; tell whether there was one."""
        status = await self.conn.execute("DELETE FROM scheduled_events WHERE key = $1", key)
        return bool(status != "DELETE 0")


class ConcurrentChange(Exception):
    """Another unit of work changed the aggregate after this one read it: the change is
    refused and the transaction rolled back (HTTP 409); read it again and decide again."""

    def __init__(self, aggregate: str, aggregate_id: object, read_version: int) -> None:
        super().__init__(
            f"{aggregate} {aggregate_id} was changed by someone else since it was read "
            f"(at version {read_version}); read it again and retry"
        )
        self.aggregate, self.aggregate_id, self.read_version = aggregate, aggregate_id, read_version


def expect_changed(status: str, aggregate: str, aggregate_id: object, read_version: int) -> None:
    """Check the status of a versioned `UPDATE ... WHERE id = $1 AND version = $read`: one
    row changed, or raise ConcurrentChange."""
    if status != "UPDATE 1":
        raise ConcurrentChange(aggregate, aggregate_id, read_version)


class UnitOfWork:
    """An HTTP request's way to the database: `transaction()` opens the unit of work of a
    command (committed when the block ends, rolled back on an exception); `pool` serves reads.

    When the request carries an Idempotency-Key, `transaction()` joins the transaction that
    holds the key, and the runtime commits it together with the stored answer.
    """

    def __init__(
        self, pool: asyncpg.Pool, held: Callable[[], Transaction | None] = lambda: None
    ) -> None:
        self.pool = pool
        self._held = held

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """The unit of work of a command."""
        held = self._held()
        if held is not None:
            yield held
            return
        async with transaction(self.pool) as tx:
            yield tx


def _bounded_correlation_id(value: str) -> str:
    if is_valid_correlation_id(value):
        return value
    replacement = str(uuid.uuid4())
    log.warning(
        "correlation id replaced: not 1 to 128 visible ASCII characters",
        replaced_by=replacement,
        original_length=len(value),
    )
    return replacement


def _bounded_causation_id(value: str | None) -> str | None:
    if value is None or is_valid_correlation_id(value):
        return value
    log.warning(
        "causation id dropped: not 1 to 128 visible ASCII characters",
        original_length=len(value),
    )
    return None


@asynccontextmanager
async def transaction(
    pool: asyncpg.Pool, *, correlation_id: str | None = None, causation_id: str | None = None
) -> AsyncIterator[Transaction]:
    """Open a unit of work; it commits when the block ends, and rolls back on an exception.

    Its events carry the correlation id and the acting caller of the work in progress.
    """
    async with pool.acquire() as conn, conn.transaction():
        yield Transaction(
            conn, correlation_id or current_correlation_id(), causation_id, actor=current_actor()
        )
