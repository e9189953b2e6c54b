"""The outbox relay: publishes committed outbox rows to JetStream, in order, exactly once.

A round claims the oldest unpublished rows, publishes them with `Nats-Msg-Id` = event id,
awaits the publish acknowledgements, marks the acknowledged rows and commits. A relay that
dies between publish and mark leaves the rows unpublished; the next round publishes them
again and the stream's duplicate window drops the copies. While NATS is down the round fails,
the rows stay, and the relay backs off.

A row NATS will never take (headers over 64 KiB, a header name it refuses, a message over
its `max_payload`, a refusal by the stream, or an acknowledgement that does not come round
after round while other rows go through) becomes a dead letter of the `relay` and leaves
the outbox in the same transaction, so the rows behind it keep flowing. Rows not
acknowledged in the concurrent publish are tried once more alone, which is how the server's
reason for a refusal is learnt; such a retried row may reach the stream after rows behind it.

Replicas take turns: each round holds a transaction-scoped advisory lock and claims rows
`FOR UPDATE SKIP LOCKED`, so no two relays publish the same row and the stream receives the
rows in commit order. A second replica is a hot standby that takes over within one sweep.

The relay LISTENs for the commit NOTIFY on a connection of its own; when that connection is
lost (a PostgreSQL restart), it is opened again, and until then the relay sweeps at least
every second.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import nats.errors
import nats.js.errors
import orjson
from nats.js import JetStreamContext

from arctic.runtime import metrics
from arctic.runtime.deadletters import record_dead_letter
from arctic.runtime.faults import connection_lost, is_infrastructure_fault
from arctic.runtime.logs import get_logger

log = get_logger(__name__)
MAX_HEADER_BYTES = 64 * 1024
"""The largest header block JetStream stores (larger ones it refuses)."""
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VALID_NAMES: set[str] = set()
"""Header names already matched against `_HEADER_NAME`: every row carries the same dozen,
and a set lookup costs a tenth of a dozen regular-expression matches."""
_VALID_NAMES_KEPT = 256
_REFUSED_BY_CLIENT = (
    nats.errors.BadHeaderError,
    nats.errors.MaxPayloadError,
    nats.errors.BadSubjectError,
)


class RowsNotPublished(Exception):
    """Some rows of the round were not acknowledged; they stay for the next round."""


@dataclass
class _Round:
    """What became of each claimed row (by outbox position)."""

    published: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)
    unsent: dict[int, str] = field(default_factory=dict)


class Relay:
    """Publishes one schema's outbox to JetStream."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        js: JetStreamContext,
        schema: str,
        *,
        batch_size: int = 500,
        sweep_seconds: float = 1.0,
        publish_timeout: float = 5.0,
        max_backoff: float = 5.0,
        max_unacknowledged_rounds: int = 3,
    ) -> None:
        self.pool, self.js, self.schema = pool, js, schema
        self.batch_size, self.sweep_seconds = batch_size, sweep_seconds
        self.publish_timeout, self.max_backoff = publish_timeout, max_backoff
        self.max_unacknowledged_rounds = max_unacknowledged_rounds
        self._lock_key = zlib.crc32(f"arctic-relay-{schema}".encode())
        self._channel = f"{schema}_outbox"
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._strikes: dict[int, int] = {}
        self.alive = False
        self.listening = False

    async def publish_pending(self) -> int:
        """One round: publish up to a batch of unpublished rows, dead-lettering those NATS
        will never take; return how many rows were claimed. Raises `RowsNotPublished` (after
        committing what was settled) when some rows could not be published now."""
        async with self.pool.acquire() as conn, conn.transaction():
            # The turn (advisory lock) and the claim in one round trip.
            rows = await conn.fetch(
                """WITH turn AS (SELECT pg_try_advisory_xact_lock($2) AS mine)
                   SELECT position, subject, headers, payload FROM outbox, turn
                   WHERE turn.mine AND published_at IS NULL ORDER BY position LIMIT $1
                   FOR UPDATE OF outbox SKIP LOCKED""",
                self.batch_size,
                self._lock_key,
            )
            if not rows:
                return 0
            outcome = await self._publish(rows)
            if outcome.published:
                await conn.execute(
                    "UPDATE outbox SET published_at = now() WHERE position = ANY($1::bigint[])",
                    outcome.published,
                )
            for row in rows:
                if row["position"] in outcome.refused:
                    await self._dead_letter(conn, row, outcome.refused[row["position"]])
        metrics.OUTBOX_PUBLISHED.inc(len(outcome.published))
        for position in (*outcome.published, *outcome.refused):
            self._strikes.pop(position, None)
        if outcome.unsent:
            first = next(iter(outcome.unsent.values()))
            raise RowsNotPublished(f"{len(outcome.unsent)} rows not acknowledged: {first}")
        return len(rows)

    async def _publish(self, rows: list[asyncpg.Record]) -> _Round:
        outcome = _Round()
        futures: dict[int, asyncio.Future[Any]] = {}
        try:
            for index, row in enumerate(rows):
                position = row["position"]
                headers, problem = self._headers_or_problem(row)
                if problem is not None:
                    outcome.refused[position] = problem
                    continue
                try:
                    futures[position] = await self.js.publish_async(
                        row["subject"], row["payload"], headers=headers
                    )
                except _REFUSED_BY_CLIENT as error:
                    outcome.refused[position] = f"NATS client refused it: {error!r}"
                except (nats.errors.Error, OSError) as error:  # the connection, not the row
                    outcome.unsent |= {r["position"]: repr(error) for r in rows[index:]}
                    break
            if futures:
                await asyncio.wait(futures.values(), timeout=self.publish_timeout)
            for position, future in futures.items():
                if future.done() and not future.cancelled() and future.exception() is None:
                    outcome.published.append(position)
                else:
                    outcome.unsent[position] = _describe(future, self.publish_timeout)
        finally:
            for future in futures.values():
                future.cancel()
        if outcome.unsent:
            await self._publish_alone(rows, outcome)
        return outcome

    async def _publish_alone(self, rows: list[asyncpg.Record], outcome: _Round) -> None:
        """The rows not acknowledged, once more one at a time and in order: a lone publish
        reports the stream's refusal (the concurrent one only times out), and a row that is
        refused is taken out of the way. Stops at the first that fails for another reason."""
        others_went_through = bool(outcome.published)
        for row in rows:
            position = row["position"]
            if position not in outcome.unsent:
                continue
            headers, _ = self._headers_or_problem(row)
            try:
                await self.js.publish(
                    row["subject"],
                    row["payload"],
                    timeout=min(self.publish_timeout, 2.0),
                    headers=headers,
                )
            except nats.js.errors.BadRequestError as error:
                del outcome.unsent[position]
                outcome.refused[position] = f"the stream refused it: {error.description}"
                continue
            except (nats.errors.Error, OSError) as error:
                outcome.unsent[position] = repr(error)
                if others_went_through:
                    self._strike(position, outcome)
                return
            del outcome.unsent[position]
            outcome.published.append(position)
            others_went_through = True

    def _strike(self, position: int, outcome: _Round) -> None:
        """One more round in which NATS took other rows but not this one."""
        strikes = self._strikes.get(position, 0) + 1
        self._strikes[position] = strikes
        if strikes >= self.max_unacknowledged_rounds:
            error = outcome.unsent.pop(position)
            outcome.refused[position] = (
                f"not acknowledged in {strikes} rounds while NATS took other rows: {error}"
            )

    @staticmethod
    def _headers_or_problem(row: asyncpg.Record) -> tuple[dict[str, str], str | None]:
        """The row's headers, or why NATS would never take them."""
        text = row["headers"]
        try:
            headers = orjson.loads(text)
        except orjson.JSONDecodeError:
            return {}, "its headers are not JSON"
        # JSON object keys are strings already; only the values can be something else.
        if type(headers) is not dict or not all(type(v) is str for v in headers.values()):
            return {}, "its headers are not a map of strings"
        if not _VALID_NAMES.issuperset(headers):
            bad_names = [name for name in headers if not _HEADER_NAME.fullmatch(name)]
            if bad_names:
                return headers, f"header names NATS refuses: {bad_names[:3]!r}"
            if len(_VALID_NAMES) < _VALID_NAMES_KEPT:
                _VALID_NAMES.update(headers)
        # The JSON text is longer than the header block (a UTF-8 character is 1 to 4 bytes):
        # only a long one needs counting.
        if 4 * len(text) + 16 > MAX_HEADER_BYTES:
            size = 12 + sum(len(n.encode()) + len(v.encode()) + 4 for n, v in headers.items())
            if size > MAX_HEADER_BYTES:
                return headers, f"its headers take {size} bytes; NATS stores at most 64 KiB"
        return headers, None

    async def _dead_letter(self, conn: asyncpg.Connection, row: asyncpg.Record, error: str) -> None:
        try:
            headers = orjson.loads(row["headers"])
        except orjson.JSONDecodeError:
            headers = None
        await record_dead_letter(
            conn,
            consumer="relay",
            subject=row["subject"],
            headers=headers if isinstance(headers, dict) else {"outbox-headers": row["headers"]},
            payload=row["payload"],
            reason="unpublishable",
            error=error,
            deliveries=self._strikes.get(row["position"], 0) + 1,
        )
        await conn.execute("DELETE FROM outbox WHERE position = $1", row["position"])

    async def run(self) -> None:
        """Publish until stopped: woken by NOTIFY on commit, and sweeping periodically."""
        backoff = 0.1
        self.alive = True
        try:
            while not self._stopping.is_set():
                await self._listen()
                try:
                    published = await self.publish_pending()
                    backoff = 0.1
                except Exception as error:  # whatever failed, the rows stay for the next round
                    metrics.RELAY_ERRORS.inc()
                    log.warning(
                        "relay round failed, rows kept", error=repr(error), retry_in=backoff
                    )
                    await self._sleep(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
                    continue
                if published < self.batch_size:
                    await self._sleep(
                        self.sweep_seconds if self.listening else min(self.sweep_seconds, 1.0)
                    )
        finally:
            self.alive = False
            await self._unlisten()

    async def _listen(self) -> None:
        """Hold a LISTEN connection, opening it again when it was lost."""
        if self._listener is not None and not connection_lost(self._listener):
            return
        await self._unlisten()
        try:
            listener = await self.pool.acquire()
        except Exception as error:
            if not is_infrastructure_fault(error):
                raise
            return  # the round will fail and back off; the next one tries again
        try:
            await listener.add_listener(self._channel, self._on_notify)
        except Exception as error:
            await self.pool.release(listener)
            if not is_infrastructure_fault(error):
                raise
            return
        listener.add_termination_listener(self._on_lost)
        self._listener, self.listening = listener, True
        log.info("relay listening for commits", channel=self._channel)

    async def _unlisten(self) -> None:
        listener, self._listener, self.listening = self._listener, None, False
        if listener is None:
            return
        if not connection_lost(listener):
            listener.remove_termination_listener(self._on_lost)
            with contextlib.suppress(asyncpg.InterfaceError, asyncpg.PostgresError, OSError):
                await listener.remove_listener(self._channel, self._on_notify)
        await self.pool.release(listener)

    def _on_lost(self, _: object) -> None:
        """The LISTEN connection closed (a database restart): wake up to open another."""
        self.listening = False
        log.warning("relay lost its LISTEN connection; sweeping until it is back")
        self._wake.set()

    async def flush(self, within: float = 5.0) -> None:
        """Publish what is committed now (graceful shutdown), giving up after `within` s."""
        async with asyncio.timeout(within):
            while await self.publish_pending() == self.batch_size:
                pass

    def stop(self) -> None:
        """Ask the loop to end after its current round."""
        self._stopping.set()
        self._wake.set()

    async def refresh_lag(self) -> None:
        """Update the outbox lag gauges (called by /metrics scrapes)."""
        row = await self.pool.fetchrow(
            """SELECT count(*) AS lag, extract(epoch FROM now() - min(created_at)) AS age
               FROM outbox WHERE published_at IS NULL"""
        )
        metrics.OUTBOX_LAG.set(row["lag"])
        metrics.OUTBOX_OLDEST_AGE.set(float(row["age"] or 0))

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()


def _describe(future: asyncio.Future[Any], timeout: float) -> str:
    if not future.done() or future.cancelled():
        return f"no acknowledgement within {timeout} s"
    return repr(future.exception())
