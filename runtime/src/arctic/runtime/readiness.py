"""Readiness: database reachable, NATS connected, and every background loop doing its work:
the relay, the scheduler, each durable consumer (present and polling), each worker and the
housekeeping."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from arctic.runtime.resources import Resources


async def readiness(resources: Resources) -> dict[str, bool]:
    """Each check by name; the service is ready when all pass."""
    running = resources.supervisor.running
    checks = {"database": await _database(resources), "nats": resources.nc.is_connected}
    checks["relay"] = resources.relay.alive and running("relay")
    checks["scheduler"] = resources.scheduler.alive() and running("scheduler")
    for consumer in resources.consumers:
        exists = await _consumer_exists(resources, consumer.subscription.stream, consumer.name)
        name = f"consumer:{consumer.name}"
        checks[name] = exists and consumer.alive() and running(name)
    for worker in resources.definition.workers:
        name = f"worker:{worker.__name__}"
        checks[name] = running(name)
    checks["housekeeping"] = running("housekeeping")
    return checks


async def _database(resources: Resources) -> bool:
    try:
        async with asyncio.timeout(2):
            return bool(await resources.pool.fetchval("SELECT true"))
    except Exception:
        return False


async def _consumer_exists(resources: Resources, stream: str, durable: str) -> bool:
    try:
        async with asyncio.timeout(2):
            await resources.js.consumer_info(stream, durable)
        return True
    except Exception:
        return False
