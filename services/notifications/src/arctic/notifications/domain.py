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


ERASED_RECIPIENT = "the recipient's personal data was erased"
"""Why a message for an erased person is never sent."""


@dataclass(frozen=True)
class Message:
    """What to send to whom, before it is stored as a delivery.

    `recipient_person_id` names the person it is for (None for a role address); `names` every
    person whose details the text holds, so that their erasure finds it. A message for a
    person who was erased has no address and no text: it is recorded as failed, not sent.
    """

    recipient: str | None
    channel: Channel
    template: str
    language: Language
    subject: str | None
    body: str | None
    recipient_person_id: UUID | None = None
    names: tuple[UUID, ...] = ()
    kind: str = ""
    """The notification kind (the rule's name, e.g. prototype_requested)."""
    html: str | None = None
    """The HTML alternative of `body` (e-mail)."""
    reply_to: str | None = None
    """Who can answer: the Reply-To header's value."""
    mandatory: bool = True
    """Whether it goes whatever the recipient's preferences (a deadline, an escalation)."""
    webhook_id: UUID | None = None
    """The webhook endpoint (channel webhook): `recipient` is its URL, `body` the CloudEvent."""
    unsubscribe_url: str | None = None
    """The one-click unsubscribe of an optional kind (List-Unsubscribe)."""
    not_before: datetime | None = None
    """When it may go at the earliest (the end of the recipient's quiet hours); None: now."""
    digest: bool = False
    """Whether it goes in the recipient's daily digest rather than on its own."""

    @classmethod
    def for_erased(
        cls,
        person_id: UUID,
        channel: Channel,
        template: str,
        language: Language,
        kind: str = "",
    ) -> Message:
        """The message a person would have got, had they not been erased."""
        return cls(
            None, channel, template, language, None, None, person_id, (person_id,), kind=kind
        )

    @property
    def sendable(self) -> bool:
        """Whether there is someone to send it to."""
        return self.recipient is not None


@dataclass(frozen=True)
class Delivery:
    """A stored delivery and its attempts so far."""

    id: UUID
    source_event_id: UUID
    source_event_type: str
    source_subject: str | None
    """The ce-subject of the source event: the id of what the message is about."""
    recipient: str | None
    """The address; None once the recipient's personal data was erased."""
    recipient_person_id: UUID | None
    named_person_ids: list[UUID]
    channel: Channel
    template: str
    language: Language
    subject: str | None
    body: str | None
    correlation_id: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    erased_at: datetime | None
    kind: str
    html: str | None
    reply_to: str | None
    mandatory: bool
    webhook_id: UUID | None
    unsubscribe_url: str | None
    digest: bool

    def outcome(self) -> dict[str, object]:
        """What NotificationDelivered and NotificationFailed say of this delivery: a person
        by id, never by address; a role address or webhook as it is."""
        return {
            "notification_id": self.id,
            "source_event_id": self.source_event_id,
            "source_event_type": self.source_event_type,
            "recipient_person_id": self.recipient_person_id,
            "recipient_address": self.recipient if self.recipient_person_id is None else None,
            "channel": self.channel,
            "attempts": self.attempts,
        }


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off with full jitter: after the n-th failed attempt the next one
    waits a random time between 0 and min(`cap`, `base` * 2^(n-1)), spread so that many
    deliveries failing at once (an SMTP outage) do not come back at once; but never less
    than the server asked for (`Retry-After`). At most `max_attempts` attempts."""

    max_attempts: int
    base: timedelta
    cap: timedelta

    def ceiling(self, attempts: int) -> timedelta:
        """The longest wait after the `attempts`-th failed attempt."""
        longest: timedelta = self.base * 2 ** (attempts - 1)
        return min(longest, self.cap)

    def after_failure(
        self,
        attempts: int,
        now: datetime,
        *,
        jitter: float,
        retry_after: timedelta | None = None,
    ) -> datetime | None:
        """When to try again after the `attempts`-th failed attempt, `jitter` drawn
        uniformly from [0, 1); None when no attempt is left."""
        if attempts >= self.max_attempts:
            return None
        wait = self.ceiling(attempts) * jitter
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.cap))
        return now + wait
