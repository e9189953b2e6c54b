"""What a service consumes: a durable consumer on another service's stream, and its handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from arctic.contracts.envelope import Envelope
from arctic.runtime.unit_of_work import Transaction

Handler = Callable[[Transaction, Envelope, Any], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    """A durable pull consumer named `<consumer-service>-<purpose>` on `stream`.

    `handlers` maps each subject the consumer takes to its handler; the consumer is filtered
    to exactly those subjects. A handler runs inside the transaction that also records the
    event id in the inbox, and may `emit` events and `schedule` others on that transaction.
    """

    durable: str
    stream: str
    handlers: Mapping[str, Handler]
    max_deliver: int = 10
    ack_wait_seconds: float = 60.0
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 60.0

    def retry_delay(self, delivered: int) -> float:
        """The nak delay after the `delivered`-th failed delivery: doubling, capped."""
        return float(
            min(self.retry_base_seconds * 2 ** max(delivered - 1, 0), self.retry_max_seconds)
        )
