"""Use cases of notifications: the messages an event calls for, and planning their delivery
(in the consumer's inbox transaction)."""

from __future__ import annotations

from collections.abc import Sequence

from arctic.contracts.envelope import Envelope
from arctic.contracts.events import PrototypeRequested
from arctic.contracts.vocabulary import Channel
from arctic.notifications import store, templates
from arctic.notifications.domain import Message
from arctic.notifications.settings import NotificationsSettings
from arctic.runtime.logs import get_logger
from arctic.runtime.unit_of_work import Transaction

log = get_logger(__name__)


def prototype_requested_messages(
    event: PrototypeRequested, settings: NotificationsSettings
) -> list[Message]:
    """An acknowledgement to the company contact, and a new-request note to the coordinators."""
    contact = event.company.contact
    subject, body = templates.acknowledgement(event)
    coordinators = settings.coordinators_language
    staff_subject, staff_body = templates.new_request(event, coordinators)
    return [
        Message(
            str(contact.email), Channel.email, "acknowledgement", contact.language, subject, body
        ),
        Message(
            settings.prototyping_coordinators_email,
            Channel.email,
            "new_prototype_request",
            coordinators,
            staff_subject,
            staff_body,
        ),
    ]


async def plan_deliveries(tx: Transaction, source: Envelope, messages: Sequence[Message]) -> None:
    """Store each message to deliver for the event of `source` (once per recipient, channel)."""
    for message in messages:
        added = await store.add_delivery(tx.conn, message, source)
        log.info("delivery planned", template=message.template, new=added)
