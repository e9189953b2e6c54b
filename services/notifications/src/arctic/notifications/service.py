"""The notifications service as the runtime runs it."""

from collections.abc import Sequence
from pathlib import Path

from arctic.contracts.events import PrototypeRequested
from arctic.notifications.api import router
from arctic.notifications.handlers import on_prototype_requested
from arctic.notifications.sender import run_deliveries
from arctic.notifications.settings import NotificationsSettings
from arctic.runtime.service import ServiceDefinition
from arctic.runtime.subscriptions import Subscription


def subscribe(settings: NotificationsSettings) -> Sequence[Subscription]:
    """The events that notifications turns into messages, with handlers bound to settings."""
    return [
        Subscription(
            "notifications-prototyping",
            "PROTOTYPING",
            {PrototypeRequested.subject: on_prototype_requested(settings)},
        )
    ]


definition = ServiceDefinition(
    name="notifications",
    description="Turns events into messages for people (e-mail), in their language, once.",
    migrations=Path(__file__).parent / "migrations",
    subscribe=subscribe,
    routers=[router],
    workers=[run_deliveries],
    settings_class=NotificationsSettings,
)
