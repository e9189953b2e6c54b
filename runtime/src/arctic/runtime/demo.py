"""Demo data: what a service puts in its own tables (and publishes) when the local stack
starts it, so that a newcomer's `make up` shows a working network rather than empty lists.

A service declares its sets on its definition:

    async def load_offerings(ctx: DemoContext[CatalogueSettings]) -> None:
        ...  # plain SQL on ctx.tx.conn, events through ctx.tx.emit, persons sealed by ctx.persons

    ServiceDefinition(..., demo_data=[DemoData("offerings-v1", load_offerings)])

With `ARCTIC_DEMO_DATA=true` (the local stack sets it; production leaves it off) the service
loads each set it has not loaded yet, once, in one transaction with the set's mark in
`demo_data_loads`: a second start, or a second replica starting at the same moment (they
wait for each other on an advisory lock), adds nothing twice. Events a set emits go through
the outbox like any others. A set that fails (the key store not provisioned yet, say) is
rolled back whole and tried again by the supervisor. To add data later, add a set with a
new name rather than changing a loaded one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import asyncpg

from arctic.runtime.clock import Clock
from arctic.runtime.logs import get_logger
from arctic.runtime.personal_data import PersonalData
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.unit_of_work import Transaction

log = get_logger(__name__)
S = TypeVar("S", bound=ServiceSettings)
LOCK_KEY = "arctic.demo-data"


@dataclass(frozen=True, slots=True)
class DemoContext(Generic[S]):
    """What a demo data set gets: the transaction it loads in (its emits are published after
    commit), the service's settings and clock, and what seals the persons it names."""

    tx: Transaction
    settings: S
    clock: Clock
    persons: PersonalData


@dataclass(frozen=True)
class DemoData(Generic[S]):
    """A named set of demo data and the coroutine that loads it."""

    name: str
    load: Callable[[DemoContext[S]], Awaitable[None]]


async def load_demo_data(
    pool: asyncpg.Pool,
    sets: Sequence[DemoData[Any]],
    settings: ServiceSettings,
    clock: Clock,
    persons: PersonalData,
) -> list[str]:
    """Load each of `sets` not loaded yet into this service's database; the names loaded now."""
    loaded = []
    for demo in sets:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", LOCK_KEY)
            marked = await conn.fetchval(
                """INSERT INTO demo_data_loads (name, loaded_at) VALUES ($1, $2)
                   ON CONFLICT (name) DO NOTHING RETURNING name""",
                demo.name,
                clock(),
            )
            if marked is None:
                continue
            tx = Transaction(conn, correlation_id=f"demo-data:{demo.name}")
            await demo.load(DemoContext(tx, settings, clock, persons))
        log.info("demo data loaded", demo_data=demo.name)
        loaded.append(demo.name)
    return loaded
