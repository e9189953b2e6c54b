"""Events in: what notifications hears, and the messages each event plans."""

from __future__ import annotations

from arctic.contracts.events import PrototypeRequested
from arctic.notifications.handlers import plan_deliveries, prototype_requested_messages
from arctic.notifications.settings import NotificationsSettings
from arctic.runtime.subscriptions import Context, Subscription, on


async def acknowledge_request(
    ctx: Context[NotificationsSettings], event: PrototypeRequested
) -> None:
    await plan_deliveries(ctx.tx, ctx.envelope, prototype_requested_messages(event, ctx.settings))


SUBSCRIPTIONS = [
    Subscription(
        "notifications-prototyping",
        "PROTOTYPING",
        [on(PrototypeRequested, acknowledge_request)],
    ),
]
