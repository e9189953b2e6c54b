"""What a service consumes: a durable consumer on another service's stream, and its handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from arctic.contracts.envelope import Envelope
from arctic.runtime.unit_of_work import Transaction

Handler = Callable[[Transaction, Envelope, Any], Awaitable[None]]
BatchHandler = Callable[[asyncpg.Connection, Sequence[tuple[Envelope, Any]]], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    """A durable pull consumer named `<consumer-service>-<purpose>` on `stream`.

    `handlers` maps a subject to a handler of one event; `batch_handlers` maps a subject to a
    handler of all the fresh events of that subject in a fetched batch (one statement for many
    rows while a backlog is caught up). Either runs inside the transaction that also records
    the event ids in the inbox; a per-event handler may `emit` and `schedule` on its
    transaction, a batch handler builds one per event with `Transaction.caused_by`. The
    consumer is filtered to exactly the subjects handled.
    """

    durable: str
    stream: str
    handlers: Mapping[str, Handler] = field(default_factory=dict)
    batch_handlers: Mapping[str, BatchHandler] = field(default_factory=dict)
    max_deliver: int = 10
    ack_wait_seconds: float = 60.0
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 60.0

    @property
    def subjects(self) -> list[str]:
        """Every subject this subscription handles, sorted."""
        return sorted({*self.handlers, *self.batch_handlers})

    def retry_delay(self, delivered: int) -> float:
        """The nak delay after the `delivered`-th failed delivery: doubling, capped."""
        delay = self.retry_base_seconds * 2 ** max(delivered - 1, 0)
        return float(min(delay, self.retry_max_seconds))
