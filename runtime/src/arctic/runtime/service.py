"""What a service declares to the runtime, and how the runtime finds it by name."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from fastapi import APIRouter

from arctic.contracts.events import ERASURE_CONFIRMATIONS
from arctic.runtime.demo import DemoData
from arctic.runtime.erasure import PersonEraser, with_erasure
from arctic.runtime.housekeeping import Prune
from arctic.runtime.problems import ProblemFor
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.subscriptions import Subscription

if TYPE_CHECKING:
    from arctic.runtime.resources import Resources

S = TypeVar("S", bound=ServiceSettings)
Worker = Callable[["Resources"], Coroutine[Any, Any, None]]
ENTRY_POINT_GROUP = "arctic.services"


@dataclass(frozen=True)
class ServiceDefinition(Generic[S]):
    """A service: its name (also its schema, role and stream owner), settings class,
    migrations, and what it runs.

    - `subscriptions`: the durable consumers it reads, with handlers by event class (`on`);
    - `routers`: its HTTP API; endpoints reach the unit of work, settings and clock through
      the dependencies of `arctic.runtime.endpoints`;
    - `problems`: how its domain errors are answered over HTTP (`problem_for`);
    - `workers`: long-running coroutines besides consumers (e.g. the notifications delivery
      loop), given the service's resources and run until cancelled at shutdown;
    - `prunes`: its own housekeeping statements, run beside the runtime's (`Prune`);
    - `erase_person`: its SQL erasing or redacting a person in its own tables
      (`erasure.PersonEraser`). Every service publishing to a stream of the contracts
      honours erasure requests: `subscriptions` holds, besides those declared, the
      runtime's handler of `PersonalDataErasureRequested` (see `erasure`);
    - `demo_data`: the sets of demo data it loads when `ARCTIC_DEMO_DATA` is on (the local
      stack), each once per database (`arctic.runtime.demo`);
    - `extensions`: PostgreSQL extensions its migrations use (e.g. `btree_gist`), created in
      its schema with the operator's rights before they run (deploy/: the Database's
      `extensions`);
    - `owns_personal_keys`: the one service that creates the PERSONAL_KEYS bucket and may
      erase keys (notifications).
    """

    name: str
    migrations: Path
    settings_class: type[S]
    subscriptions: Sequence[Subscription[S]] = ()
    routers: Sequence[APIRouter] = ()
    problems: Sequence[ProblemFor[Any]] = ()
    workers: Sequence[Worker] = ()
    prunes: Sequence[Prune[S]] = ()
    description: str = ""
    local_port: int = 8100
    """The API's port on a developer's machine (`arctic up`, or `arctic serve` without
    `ARCTIC_HTTP_PORT`); its operations port is 100 above."""
    erase_person: PersonEraser[S] | None = None
    owns_personal_keys: bool = False
    demo_data: Sequence[DemoData[S]] = ()
    extensions: Sequence[str] = ()

    def __post_init__(self) -> None:
        if any(event.service == self.name for event in ERASURE_CONFIRMATIONS):
            merged = with_erasure(self.name, self.subscriptions, self.erase_person)
            object.__setattr__(self, "subscriptions", tuple(merged))

    def settings(self) -> S:
        """Read this service's settings from the environment."""
        return self.settings_class(service=self.name).with_default_port(self.local_port)


def installed_services() -> dict[str, ServiceDefinition[Any]]:
    """Every service installed in this environment, by name (entry points `arctic.services`)."""
    found = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        definition = entry.load()
        assert isinstance(definition, ServiceDefinition), entry.value
        found[definition.name] = definition
    return dict(sorted(found.items()))


def load_service(name: str) -> ServiceDefinition[Any]:
    """The installed service called `name` (only that one is imported)."""
    for entry in entry_points(group=ENTRY_POINT_GROUP, name=name):
        definition = entry.load()
        assert isinstance(definition, ServiceDefinition), entry.value
        return definition
    names = ", ".join(sorted(e.name for e in entry_points(group=ENTRY_POINT_GROUP))) or "none"
    raise SystemExit(f"unknown service {name!r}; installed: {names}")
