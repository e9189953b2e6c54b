"""The daily digest: a recipient who asked for it gets their optional messages in one mail
at 08:00 Finnish time, listing each by its subject.

Their deliveries wait, marked `digest`, until that time (planned so by their preferences);
this worker then takes all due ones of one recipient at once, sends one mail and records
each delivery's outcome with its event, as the delivery loop does for a single message.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime

from arctic.notifications import store
from arctic.notifications.domain import Delivery
from arctic.notifications.links import preferences_url
from arctic.notifications.rendering import Links, Recipient, render
from arctic.notifications.sender import NotSent, Sent, record, send_one
from arctic.notifications.settings import NotificationsSettings
from arctic.runtime.context import bound
from arctic.runtime.faults import is_infrastructure_fault
from arctic.runtime.logs import get_logger
from arctic.runtime.resources import Resources

log = get_logger(__name__)
DIGEST_NAMESPACE = uuid.UUID("5b0e6c1e-2d7a-4f43-9b1c-2f3a4d5e6f70")


def digest_of(due: list[Delivery], settings: NotificationsSettings, now: datetime) -> Delivery:
    """The one mail standing for `due` (one recipient's): their subjects as a list, in the
    language of the first. Its id, the Message-ID, is derived from theirs, so a retry of the
    same digest has the same Message-ID."""
    first = due[0]
    person_id = first.recipient_person_id
    links = Links(None if person_id is None else preferences_url(settings, person_id, now))
    items = [d.subject for d in due if d.subject]
    rendered = render(
        "digest",
        first.language,
        None,
        {},
        Recipient(None, links),
        reference="",
        organisation=settings.organisation,
        items=items,
    )
    digest_id = uuid.uuid5(DIGEST_NAMESPACE, ",".join(str(d.id) for d in due))
    return replace(
        first,
        id=digest_id,
        subject=rendered.subject,
        body=rendered.text,
        html=rendered.html,
        reply_to=None,
        unsubscribe_url=None,
        kind="digest",
        template="digest",
    )


async def send_digest(resources: Resources, settings: NotificationsSettings) -> int:
    """One recipient's due digest, if any: one mail, each delivery's outcome recorded."""
    async with resources.pool.acquire() as conn, conn.transaction():
        due = await store.claim_digests(conn, settings.delivery_stale_sending_seconds)
    if not due:
        return 0
    with bound(delivery_id=str(due[0].id), digest_size=str(len(due))):
        outcome: Sent | NotSent
        try:
            mail = digest_of(due, settings, datetime.now(UTC))
        except Exception as error:  # the same rows will not render better next time
            outcome = NotSent(f"the digest cannot be composed: {type(error).__name__}", True)
        else:
            outcome = await send_one(resources, mail, settings)
        for delivery in due:
            with bound(
                correlation_id=delivery.correlation_id, event_id=str(delivery.source_event_id)
            ):
                await record(resources, settings, delivery, outcome)
    log.info("digest attempted", deliveries=len(due), sent=isinstance(outcome, Sent))
    return len(due)


async def run_digests(resources: Resources) -> None:
    """The worker: send due digests until cancelled."""
    settings = resources.settings
    assert isinstance(settings, NotificationsSettings)
    while True:
        try:
            sent = await send_digest(resources, settings)
        except Exception as error:
            if not is_infrastructure_fault(error):
                raise  # a defect: the runtime restarts the loop and reports it
            log.warning("digest round failed", error=repr(error))
            sent = 0
        if sent == 0:
            await asyncio.sleep(settings.delivery_poll_seconds * 4)
