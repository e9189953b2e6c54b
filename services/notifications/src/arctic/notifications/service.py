"""The notifications service as the runtime runs it."""

from pathlib import Path

from arctic.notifications.api import erasure_router, router
from arctic.notifications.consumers import SUBSCRIPTIONS
from arctic.notifications.digest import run_digests
from arctic.notifications.handlers import erase_recipient
from arctic.notifications.preferences_api import preferences_router
from arctic.notifications.sender import run_deliveries
from arctic.notifications.settings import NotificationsSettings
from arctic.notifications.store import PRUNE_SETTLED
from arctic.notifications.webhook_api import webhook_router
from arctic.runtime.service import ServiceDefinition

definition = ServiceDefinition(
    name="notifications",
    description="Turns events into messages for people (e-mail) and systems (webhooks), once.",
    migrations=Path(__file__).parent / "migrations",
    settings_class=NotificationsSettings,
    subscriptions=SUBSCRIPTIONS,
    local_port=8104,
    routers=[router, preferences_router, webhook_router, erasure_router],
    workers=[run_deliveries, run_digests],
    prunes=[PRUNE_SETTLED],
    erase_person=erase_recipient,
    owns_personal_keys=True,
)
