"""Events in: what notifications hears, and the messages each event plans; and the
confirmations of erasure that every service publishes on its own stream."""

from __future__ import annotations

from arctic.contracts.events import (
    CataloguePersonalDataErased,
    NotificationsPersonalDataErased,
    PartnershipsPersonalDataErased,
    PrototypeRequested,
    PrototypingPersonalDataErased,
)
from arctic.notifications.handlers import (
    plan_deliveries,
    prototype_requested_messages,
    record_confirmation,
)
from arctic.notifications.settings import NotificationsSettings
from arctic.runtime.subscriptions import Context, Subscription, on


async def acknowledge_request(
    ctx: Context[NotificationsSettings], event: PrototypeRequested
) -> None:
    contact = await ctx.persons.open(event.company.contact)
    messages = prototype_requested_messages(event, contact, ctx.settings)
    await plan_deliveries(ctx.tx, ctx.envelope, messages, ctx.clock())


SUBSCRIPTIONS: list[Subscription[NotificationsSettings]] = [
    Subscription(
        "notifications-prototyping",
        "PROTOTYPING",
        [
            on(PrototypeRequested, acknowledge_request),
            on(PrototypingPersonalDataErased, record_confirmation),
        ],
    ),
    # Erasure confirmations only, so far: rare, not scaled on.
    Subscription(
        "notifications-catalogue",
        "CATALOGUE",
        [on(CataloguePersonalDataErased, record_confirmation)],
        scaled=False,
    ),
    Subscription(
        "notifications-partnerships",
        "PARTNERSHIPS",
        [on(PartnershipsPersonalDataErased, record_confirmation)],
        scaled=False,
    ),
    # The runtime adds the erasure request itself to this one (see arctic.runtime.erasure).
    Subscription(
        "notifications-notifications",
        "NOTIFICATIONS",
        [on(NotificationsPersonalDataErased, record_confirmation)],
        scaled=False,
    ),
]
