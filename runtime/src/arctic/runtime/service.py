"""What a service declares to the runtime, and how the runtime finds it by name."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter

from arctic.runtime.settings import ServiceSettings
from arctic.runtime.subscriptions import Subscription

if TYPE_CHECKING:
    from arctic.runtime.resources import Resources

Worker = Callable[["Resources"], Coroutine[Any, Any, None]]
Subscriber = Callable[[Any], Sequence[Subscription]]
ENTRY_POINT_GROUP = "arctic.services"


@dataclass(frozen=True)
class ServiceDefinition:
    """A service: its name (also its schema, role and stream owner), migrations, API and work.

    `subscribe` gives the service's subscriptions for its settings (handlers may need them,
    e.g. an address to write to). `workers` are long-running coroutines the service needs
    besides consumers (for example the notifications delivery loop); they get the service's
    resources and run until cancelled at shutdown.
    """

    name: str
    migrations: Path
    subscribe: Subscriber | None = None
    routers: Sequence[APIRouter] = ()
    workers: Sequence[Worker] = ()
    settings_class: type[ServiceSettings] = ServiceSettings
    description: str = ""

    def settings(self) -> ServiceSettings:
        """Read this service's settings from the environment."""
        return self.settings_class(service=self.name)

    def subscriptions(self, settings: ServiceSettings | None = None) -> Sequence[Subscription]:
        """The durable consumers this service reads, with handlers bound to `settings`."""
        if self.subscribe is None:
            return ()
        return self.subscribe(settings or self.settings())


def installed_services() -> dict[str, ServiceDefinition]:
    """Every service installed in this environment, by name (entry points `arctic.services`)."""
    found = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        definition = entry.load()
        assert isinstance(definition, ServiceDefinition), entry.value
        found[definition.name] = definition
    return dict(sorted(found.items()))


def load_service(name: str) -> ServiceDefinition:
    """The installed service called `name` (only that one is imported)."""
    for entry in entry_points(group=ENTRY_POINT_GROUP, name=name):
        definition = entry.load()
        assert isinstance(definition, ServiceDefinition), entry.value
        return definition
    names = ", ".join(sorted(e.name for e in entry_points(group=ENTRY_POINT_GROUP))) or "none"
    raise SystemExit(f"unknown service {name!r}; installed: {names}")
