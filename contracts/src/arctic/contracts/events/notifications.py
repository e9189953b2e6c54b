"""Events of notifications: what reached people, and what could not."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import Field

from arctic.contracts.events.base import NotificationsEvent
from arctic.contracts.vocabulary import Channel, Text, UtcDateTime


class NotificationDelivered(NotificationsEvent):
    """Published when a message reached its channel: the SMTP server accepted it, or the
    webhook answered 2xx."""

    subject: ClassVar[str] = "arctic.notifications.notification.delivered.v1"
    aggregate_key: ClassVar[str] = "notification_id"

    notification_id: UUID
    source_event_id: UUID
    """The id (ce-id) of the event the notification was made for."""
    source_event_type: Text
    """The type (subject) of that event."""
    recipient_person_id: UUID | None = None
    """The person the message was for (`Person.person_id`), when it was for a person."""
    recipient_address: Text | None = None
    """A role address (e.g. prototyping@…) or webhook URL, when the message was not for a
    person; a person's address is never given."""
    channel: Channel
    attempts: int = Field(ge=1)
    delivered_at: UtcDateTime


class NotificationFailed(NotificationsEvent):
    """Published when a notification could not be delivered and its retries are exhausted,
    or when it could not be made (its recipient's personal data was erased); carries the
    last error, which never names the recipient."""

    subject: ClassVar[str] = "arctic.notifications.notification.failed.v1"
    aggregate_key: ClassVar[str] = "notification_id"

    notification_id: UUID
    source_event_id: UUID
    source_event_type: Text
    recipient_person_id: UUID | None = None
    """The person the message was for, when it was for a person."""
    recipient_address: Text | None = None
    """A role address or webhook URL, when the message was not for a person."""
    channel: Channel
    attempts: int = Field(ge=0)
    """Sending attempts made (0 when the message could not be made)."""
    last_error: Text
    failed_at: UtcDateTime
