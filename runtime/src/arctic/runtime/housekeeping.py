"""Housekeeping: rows that have served their purpose are removed, a small batch at a time.

Each `Prune` is one DELETE of at most `$1` rows older than the cut-off `$2` (the clock's
time minus the retention). A statement is its own short transaction, and a pause follows
each full batch, so pruning never holds locks or I/O long enough to slow the relay or the
consumers; a round repeats a statement until it removes less than a batch. The pause is at
least `housekeeping_pause_ratio` times as long as the batch took (`pause_after`): on a busy
database a batch takes longer and pruning yields more, so a backlog of expired rows is
worked off without taking the load's share of the database. The runtime's own
tables are pruned by `RUNTIME_PRUNES`; a service adds its own (`ServiceDefinition.prunes`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

import asyncpg

from arctic.runtime import metrics
from arctic.runtime.clock import Clock, system_clock
from arctic.runtime.faults import is_infrastructure_fault
from arctic.runtime.logs import get_logger
from arctic.runtime.settings import ServiceSettings

log = get_logger(__name__)
S = TypeVar("S", bound=ServiceSettings)
S_contra = TypeVar("S_contra", bound=ServiceSettings, contravariant=True)


@dataclass(frozen=True)
class Prune(Generic[S_contra]):
    """A DELETE of at most `$1` rows older than `$2`; `retention` reads how long rows stay
    from the service's settings."""

    name: str
    sql: str
    retention: Callable[[S_contra], timedelta]


RUNTIME_PRUNES: tuple[Prune[ServiceSettings], ...] = (
    # The oldest rows by position, of which those published before the cut-off: the relay
    # publishes in position order, so these are a prefix of the table; rows the relay has
    # yet to publish are neither deleted nor locked.
    Prune(
        "outbox",
        """WITH oldest AS (SELECT position, published_at FROM outbox ORDER BY position LIMIT $1)
           DELETE FROM outbox USING oldest
           WHERE outbox.position = oldest.position AND oldest.published_at < $2""",
        lambda s: timedelta(days=s.outbox_retention_days),
    ),
    Prune(
        "inbox",
        """DELETE FROM inbox WHERE (consumer, event_id) IN (
               SELECT consumer, event_id FROM inbox WHERE processed_at < $2
               ORDER BY processed_at LIMIT $1 FOR UPDATE SKIP LOCKED)""",
        lambda s: timedelta(days=s.inbox_retention_days),
    ),
    Prune(
        "dead_letters",
        """DELETE FROM dead_letters WHERE id IN (
               SELECT id FROM dead_letters WHERE coalesce(replayed_at, discarded_at) < $2
               ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)""",
        lambda s: timedelta(days=s.dead_letter_retention_days),
    ),
    # Counts of a handler's failures outlive their event only when it never came back (its
    # stream or consumer gone); a live count is updated at every failure.
    Prune(
        "handler_failures",
        """DELETE FROM handler_failures WHERE (consumer, event_id) IN (
               SELECT consumer, event_id FROM handler_failures WHERE updated_at < $2
               ORDER BY updated_at LIMIT $1 FOR UPDATE SKIP LOCKED)""",
        lambda s: timedelta(days=s.dead_letter_retention_days),
    ),
    Prune(
        "idempotency_keys",
        """DELETE FROM idempotency_keys WHERE key IN (
               SELECT key FROM idempotency_keys WHERE created_at < $2
               ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED)""",
        lambda s: timedelta(hours=s.idempotency_key_hours),
    ),
)
"""The runtime's tables: published outbox rows, inbox ids, replayed or discarded dead letters,
forgotten handler failure counts and idempotency keys past their window."""


def pause_after(took: float, minimum: float, ratio: float) -> float:
    """The pause after a full batch that took `took` seconds: `ratio` times as long, and at
    least `minimum`; pruning then takes at most 1/(1 + ratio) of its connection's time."""
    return max(minimum, ratio * took)


class Housekeeping(Generic[S]):
    """Runs the prunes of one schema every `housekeeping_interval_seconds`."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: S,
        prunes: Sequence[Prune[S]] = RUNTIME_PRUNES,
        *,
        clock: Clock = system_clock,
    ) -> None:
        self.pool, self.settings, self.prunes, self.clock = pool, settings, prunes, clock
        self.batch_size = settings.housekeeping_batch_size
        self.pause = settings.housekeeping_pause_seconds
        self.pause_ratio = settings.housekeeping_pause_ratio
        self.interval = settings.housekeeping_interval_seconds
        self._stopping = asyncio.Event()

    async def prune(self) -> dict[str, int]:
        """One round: every prune until it has nothing older than its cut-off; how many rows
        each removed."""
        now = self.clock()
        removed = {}
        for prune in self.prunes:
            cutoff = now - prune.retention(self.settings)
            removed[prune.name] = await self._prune(prune, cutoff)
        return removed

    async def _prune(self, prune: Prune[S], cutoff: datetime) -> int:
        total = 0
        while not self._stopping.is_set():
            started = time.monotonic()
            status = await self.pool.execute(prune.sql, self.batch_size, cutoff)
            took = time.monotonic() - started
            count = int(status.rsplit(" ", 1)[1])
            total += count
            metrics.PRUNED.labels(prune.name).inc(count)
            if count < self.batch_size:
                break
            await self._sleep(pause_after(took, self.pause, self.pause_ratio))
        if total:
            log.info("pruned", what=prune.name, rows=total)
        return total

    async def run(self) -> None:
        """Prune every interval until stopped; a failed round is logged and tried next time."""
        while not self._stopping.is_set():
            try:
                await self.prune()
            except Exception as error:  # the database away (any way), or a prune's SQL failed
                if not (is_infrastructure_fault(error) or isinstance(error, asyncpg.PostgresError)):
                    raise
                log.warning("housekeeping round failed", error=repr(error))
            await self._sleep(self.interval)

    def stop(self) -> None:
        """End the loop; a batch in progress finishes."""
        self._stopping.set()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
