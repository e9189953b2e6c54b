"""What an endpoint gets from the runtime, as small typed FastAPI dependencies.

    @router.post("/things/{thing_id}/close", dependencies=[Idempotent])
    async def close(thing_id: UUID, uow: UnitOfWorkDep, clock: ClockDep) -> ThingView:
        async with uow.transaction() as tx:
            thing = await handlers.close_thing(tx, thing_id, clock())
        return ThingView.of(thing)

A service's own settings: `Settings = Annotated[MySettings, Depends(settings_of(MySettings))]`.
Persons named in a command: `persons: PersonsDep`, then `await persons.seal(contact)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

from fastapi import Depends, Request

from arctic.runtime.clock import Clock
from arctic.runtime.idempotency import Idempotent, held_transaction
from arctic.runtime.personal_data import PersonalData
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from arctic.runtime.resources import Resources

S = TypeVar("S", bound=ServiceSettings)


def _resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


async def unit_of_work(request: Request) -> UnitOfWork:
    """The request's unit of work: `transaction()` for a command, `pool` for reads."""
    return UnitOfWork(_resources(request).pool, lambda: held_transaction(request))


async def clock(request: Request) -> Clock:
    """The service's clock (a settable one in tests)."""
    return _resources(request).clock


async def persons(request: Request) -> PersonalData:
    """The service's persons' data: seal a person into an event, open one, derive an id."""
    return _resources(request).persons


def settings_of(settings_class: type[S]) -> Callable[[Request], Awaitable[S]]:
    """A dependency giving the running service's settings as `settings_class`."""

    async def settings(request: Request) -> S:
        value = _resources(request).settings
        if not isinstance(value, settings_class):
            raise TypeError(f"the service runs with {type(value).__name__}, not {settings_class}")
        return value

    return settings


UnitOfWorkDep = Annotated[UnitOfWork, Depends(unit_of_work)]
ClockDep = Annotated[Clock, Depends(clock)]
PersonsDep = Annotated[PersonalData, Depends(persons)]

__all__ = [
    "ClockDep",
    "Idempotent",
    "PersonsDep",
    "UnitOfWorkDep",
    "clock",
    "persons",
    "settings_of",
    "unit_of_work",
]
