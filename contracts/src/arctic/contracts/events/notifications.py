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
    recipient: Text
    """E-mail address or webhook URL."""
    channel: Channel
    attempts: int = Field(ge=1)
    delivered_at: UtcDateTime


class NotificationFailed(NotificationsEvent):
    """Published when a notification could not be delivered and its retries are exhausted;
    carries the last error."""

    subject: ClassVar[str] = "arctic.notifications.notification.failed.v1"
    aggregate_key: ClassVar[str] = "notification_id"

    notification_id: UUID
    source_event_id: UUID
    source_event_type: Text
    recipient: Text
    channel: Channel
    attempts: int = Field(ge=1)
    last_error: Text
    failed_at: UtcDateTime
