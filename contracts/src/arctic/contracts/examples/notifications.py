"""Example notifications events."""

from __future__ import annotations

from arctic.contracts.events import NotificationDelivered, NotificationFailed
from arctic.contracts.examples.parties import AINO, at, example_id
from arctic.contracts.vocabulary import Channel

NOTIFICATION_ID = example_id("notification/ack-snow-sensor")
SOURCE_EVENT_ID = example_id("event/prototype-requested")
SOURCE_TYPE = "arctic.prototyping.prototype.requested.v1"


def notification_delivered() -> NotificationDelivered:
    """The acknowledgement reached the company's contact person by e-mail."""
    return NotificationDelivered(
        notification_id=NOTIFICATION_ID,
        source_event_id=SOURCE_EVENT_ID,
        source_event_type=SOURCE_TYPE,
        recipient_person_id=AINO.person_id,
        channel=Channel.email,
        attempts=1,
        delivered_at=at(4, 11),
    )


def notification_failed() -> NotificationFailed:
    """A webhook kept failing."""
    return NotificationFailed(
        notification_id=NOTIFICATION_ID,
        source_event_id=SOURCE_EVENT_ID,
        source_event_type=SOURCE_TYPE,
        recipient_address="https://hooks.example.com/arctic",
        channel=Channel.webhook,
        attempts=8,
        last_error="HTTP 503 Service Unavailable",
        failed_at=at(4, 18),
    )
