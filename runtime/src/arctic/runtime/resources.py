"""The live resources of a running service: settings, clock, pool, NATS, relay, scheduler,
consumers and housekeeping."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import nats
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from arctic.runtime.clock import Clock, system_clock
from arctic.runtime.consumer import Consumer
from arctic.runtime.db import create_pool
from arctic.runtime.demo import load_demo_data
from arctic.runtime.housekeeping import RUNTIME_PRUNES, Housekeeping
from arctic.runtime.logs import get_logger
from arctic.runtime.personal_data import PersonalData
from arctic.runtime.personal_keys import PersonalKeys
from arctic.runtime.relay import Relay
from arctic.runtime.scheduler import Scheduler
from arctic.runtime.service import ServiceDefinition, Worker
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.supervision import LoopFactory, Supervisor

log = get_logger(__name__)


async def connect_nats(settings: ServiceSettings) -> NATS:
    """Connect to NATS, reconnecting forever when the connection drops.

    `ARCTIC_NATS_URL` may list several servers, comma-separated (the nodes of a cluster): the
    first that answers is used, and the others (and those the cluster announces) on reconnect.
    """

    async def on_error(error: Exception) -> None:
        log.warning("nats error", error=repr(error))

    async def on_disconnect() -> None:
        log.info("nats disconnected")

    async def on_reconnect() -> None:
        log.info("nats reconnected")

    password = settings.nats_password.get_secret_value() if settings.nats_password else None
    return await nats.connect(
        [url.strip() for url in settings.nats_url.split(",")],
        user=settings.nats_user,
        password=password,
        name=f"arctic-{settings.service}",
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        error_cb=on_error,
        disconnected_cb=on_disconnect,
        reconnected_cb=on_reconnect,
    )


@dataclass
class Resources:
    """What a service's workers reach (handlers and endpoints get narrower contexts)."""

    definition: ServiceDefinition[Any]
    settings: Any
    clock: Clock
    pool: asyncpg.Pool
    nc: NATS
    js: JetStreamContext
    relay: Relay
    scheduler: Scheduler
    consumers: list[Consumer]
    housekeeping: Housekeeping[Any]
    persons: PersonalData
    supervisor: Supervisor = field(default_factory=Supervisor)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    async def open(
        cls,
        definition: ServiceDefinition[Any],
        settings: ServiceSettings,
        clock: Clock = system_clock,
    ) -> Resources:
        """Connect to PostgreSQL and NATS and build the loops (not started yet)."""
        pool = await create_pool(
            settings.database_dsn.get_secret_value(),
            definition.name,
            size=settings.database_pool_size,
        )
        nc = await connect_nats(settings)
        js = nc.jetstream()
        relay = Relay(
            pool,
            js,
            definition.name,
            batch_size=settings.relay_batch_size,
            sweep_seconds=settings.relay_sweep_seconds,
        )
        scheduler = Scheduler(pool, clock=clock, interval=settings.scheduler_interval_seconds)
        keys = PersonalKeys(nc, cache_seconds=settings.personal_data_cache_seconds)
        persons = PersonalData(keys, settings.personal_data_pepper)
        consumers = [
            Consumer(
                pool,
                js,
                sub.bind(settings, clock, persons),
                batch_size=settings.consumer_batch_size,
            )
            for sub in definition.subscriptions
        ]
        prunes = [*RUNTIME_PRUNES, *definition.prunes]
        housekeeping = Housekeeping(pool, settings, prunes, clock=clock)
        supervisor = Supervisor(
            first_pause=settings.loop_restart_seconds, crash_limit=settings.loop_crash_limit
        )
        return cls(
            definition,
            settings,
            clock,
            pool,
            nc,
            js,
            relay,
            scheduler,
            consumers,
            housekeeping,
            persons,
            supervisor,
        )

    def loops(self) -> dict[str, LoopFactory]:
        """Every background loop by name: relay, scheduler, consumers, the workers, then
        housekeeping; and, when demo data is on, its one-shot load."""
        loops: dict[str, LoopFactory] = {"relay": self.relay.run, "scheduler": self.scheduler.run}
        loops |= {f"consumer:{consumer.name}": consumer.run for consumer in self.consumers}
        for worker in self.definition.workers:
            loops[f"worker:{worker.__name__}"] = _bound(worker, self)
        loops["housekeeping"] = self.housekeeping.run
        if self.settings.demo_data and self.definition.demo_data:
            loops["demo-data"] = self._load_demo_data
        return loops

    async def _load_demo_data(self) -> None:
        await load_demo_data(
            self.pool, self.definition.demo_data, self.settings, self.clock, self.persons
        )

    def start(self) -> None:
        """Start the relay, the scheduler, the consumers, the service's workers and the
        housekeeping, each restarted when it crashes (`Supervisor`)."""
        self.tasks = [self.supervisor.start(name, loop) for name, loop in self.loops().items()]

    async def close(self) -> None:
        """Graceful stop: no new fetches, in-flight batches finish, the outbox is flushed."""
        grace = self.settings.shutdown_grace_seconds
        for consumer in self.consumers:
            consumer.stop()
        self.scheduler.stop()
        self.housekeeping.stop()
        consumer_tasks = self.tasks[2 : 2 + len(self.consumers)]
        if consumer_tasks:
            await asyncio.wait(consumer_tasks, timeout=grace)
        self.relay.stop()
        await asyncio.wait(self.tasks[:2], timeout=5)
        try:
            await self.relay.flush(within=min(grace, 5.0))
        except Exception as error:
            log.warning(
                "outbox not flushed at shutdown; rows kept for the next start", error=repr(error)
            )
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.nc.drain()
        try:
            await asyncio.wait_for(self.pool.close(), 10)
        except TimeoutError:
            log.warning("database connections still busy at shutdown; terminated")
            self.pool.terminate()


def _bound(worker: Worker, resources: Resources) -> LoopFactory:
    return lambda: worker(resources)
