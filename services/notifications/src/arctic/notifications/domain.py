"""Deliveries: a message for one recipient on one channel, and how its attempts are paced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from arctic.contracts.vocabulary import Channel, Language


class DeliveryStatus(StrEnum):
    """pending → sending → delivered, or back to pending for a retry, or failed at the end."""

    pending = "pending"
    sending = "sending"
    delivered = "delivered"
    failed = "failed"


@dataclass(frozen=True)
class Message:
    """What to send to whom, before it is stored as a delivery."""

    recipient: str
    channel: Channel
    template: str
    language: Language
    subject: str
    body: str


@dataclass(frozen=True)
class Delivery:
    """A stored delivery and its attempts so far."""

    id: UUID
    source_event_id: UUID
    source_event_type: str
    source_subject: str | None
    """The ce-subject of the source event: the id of what the message is about."""
    recipient: str
    channel: Channel
    template: str
    language: Language
    subject: str
    body: str
    correlation_id: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    def outcome(self) -> dict[str, object]:
        """What NotificationDelivered and NotificationFailed say of this delivery."""
        return {
            "notification_id": self.id,
            "source_event_id": self.source_event_id,
            "source_event_type": self.source_event_type,
            "recipient": self.recipient,
            "channel": self.channel,
            "attempts": self.attempts,
        }


@dataclass(frozen=True)
class RetryPolicy:
    """Doubling delays from `base`, capped at `cap`, for at most `max_attempts` attempts."""

    max_attempts: int
    base: timedelta
    cap: timedelta

    def after_failure(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after the `attempts`-th failed attempt; None when none is left."""
        if attempts >= self.max_attempts:
            return None
        factor: int = 2 ** (attempts - 1)
        return now + min(self.base * factor, self.cap)
