"""Use cases of notifications: the messages an event calls for, and planning their delivery
(in the consumer's inbox transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from arctic.contracts.envelope import Envelope
from arctic.contracts.events import (
    Event,
    NotificationFailed,
    PersonalDataErased,
    PersonalDataErasureRequested,
)
from arctic.contracts.vocabulary import Channel, Language, PersonDetails
from arctic.notifications import rules, store, webhooks
from arctic.notifications.domain import ERASED_RECIPIENT, Message
from arctic.notifications.messages import messages_for, persons_of
from arctic.notifications.settings import NotificationsSettings
from arctic.runtime.logs import get_logger
from arctic.runtime.subscriptions import Context
from arctic.runtime.unit_of_work import Transaction

log = get_logger(__name__)


async def notify(ctx: Context[NotificationsSettings], event: Event) -> None:
    """The handler of every notification kind: open the persons the event names (None for
    an erased one), make the messages its rule calls for, and plan their delivery."""
    rule = rules.BY_EVENT[type(event)]
    people: dict[UUID, PersonDetails | None] = {
        person.person_id: await ctx.persons.open(person) for person in persons_of(event)
    }
    wishes = await store.preferences_of(ctx.tx.conn, list(people))
    messages = messages_for(rule, event, people, ctx.settings, ctx.clock(), wishes)
    hooks = await store.webhooks_for(ctx.tx.conn, ctx.envelope.type)
    body = webhooks.cloudevent(ctx.envelope, event) if hooks else ""
    messages += [
        Message(
            hook.url,
            Channel.webhook,
            "cloudevent",
            Language.en,
            None,
            body,
            kind=rule.kind,
            mandatory=rule.mandatory,
            webhook_id=hook.id,
        )
        for hook in hooks
    ]
    await plan_deliveries(ctx.tx, ctx.envelope, messages, ctx.clock())


async def register_webhook(
    tx: Transaction,
    url: str,
    event_types: Sequence[str],
    secret: str,
    description: str | None,
    created_by: str | None,
    now: datetime,
) -> store.Webhook:
    """Register an endpoint for `event_types` (checked by the caller), signed with `secret`."""
    webhook = store.Webhook(
        id=uuid4(),
        url=url,
        event_types=sorted(set(event_types)),
        secret=secret,
        description=description,
        created_by=created_by,
        created_at=now,
    )
    await store.insert_webhook(tx.conn, webhook)
    log.info("webhook registered", webhook_id=str(webhook.id), event_types=webhook.event_types)
    return webhook


async def plan_deliveries(
    tx: Transaction, source: Envelope, messages: Sequence[Message], now: datetime
) -> None:
    """Store each message to deliver for the event of `source` (once per recipient and
    channel); a message for an erased person is recorded as failed, with its event."""
    for message in messages:
        if message.sendable:
            added = await store.add_delivery(tx.conn, message, source)
            log.info("delivery planned", kind=message.kind, template=message.template, new=added)
            continue
        failed = await store.add_failed_delivery(tx.conn, message, source, ERASED_RECIPIENT)
        if failed is not None:
            await tx.emit(
                NotificationFailed(**failed.outcome(), last_error=ERASED_RECIPIENT, failed_at=now)
            )
        log.info("delivery not made: recipient erased", template=message.template)


async def erase_recipient(
    ctx: Context[NotificationsSettings], erasure: PersonalDataErasureRequested
) -> int:
    """Erase a person from the deliveries made for them or naming them
    (ServiceDefinition.erase_person): address and text emptied; one not sent yet is failed,
    with its NotificationFailed."""
    erased, stopped = await store.erase_person(
        ctx.tx.conn, erasure.person_id, ctx.clock(), ERASED_RECIPIENT
    )
    for delivery in stopped:
        await ctx.tx.emit(
            NotificationFailed(
                **delivery.outcome(), last_error=ERASED_RECIPIENT, failed_at=ctx.clock()
            )
        )
    return erased


ERASURE_MARGIN = timedelta(seconds=1)


async def request_erasure(
    tx: Transaction,
    person_id: UUID,
    requested_at: datetime,
    keys_erased_at: datetime,
    cache_seconds: float,
) -> store.Erasure:
    """Record an erasure whose key is erased already, and have every service erase the person
    once no process can hold the key in its cache any more (PersonalDataErasureRequested,
    scheduled `cache_seconds` after the key's erasure)."""
    erasure = store.Erasure(
        id=uuid4(),
        person_id=person_id,
        requested_at=requested_at,
        keys_erased_at=keys_erased_at,
        erase_after=keys_erased_at + timedelta(seconds=cache_seconds) + ERASURE_MARGIN,
        confirmations={},
    )
    await store.insert_erasure(tx.conn, erasure)
    request = PersonalDataErasureRequested(
        erasure_id=erasure.id,
        person_id=person_id,
        requested_at=requested_at,
        keys_erased_at=keys_erased_at,
    )
    await tx.schedule(f"personal-data-erasure:{erasure.id}", request, erasure.erase_after)
    log.info("personal data erasure requested", erasure_id=str(erasure.id))
    return erasure


async def record_confirmation(
    ctx: Context[NotificationsSettings], confirmation: PersonalDataErased
) -> None:
    """A service confirmed an erasure: remember who, how many rows, when."""
    await store.record_confirmation(
        ctx.tx.conn,
        confirmation.erasure_id,
        confirmation.service,
        confirmation.records,
        confirmation.erased_at,
    )
