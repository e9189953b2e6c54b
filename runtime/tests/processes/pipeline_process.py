"""A relay or a consumer in a process of its own, for tests that kill it with SIGKILL.

Usage: python pipeline_process.py relay-dies-after-publish|consume DSN SCHEMA NATS_URL
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import nats

sys.path.insert(0, str(Path(__file__).parent.parent))

from runtime_support import effects_subscription, record_effect

from arctic.contracts.events import PrototypeRequested
from arctic.runtime.consumer import Consumer
from arctic.runtime.db import create_pool
from arctic.runtime.relay import Relay
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.subscriptions import Context


class RelayDyingAfterPublish(Relay):
    """Publishes and awaits the acks, then dies before marking the rows published."""

    async def _publish(self, rows: list[Any]) -> Any:
        outcome = await super()._publish(rows)
        print("published", len(outcome.published), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)


async def slow_effect(ctx: Context[ServiceSettings], event: PrototypeRequested) -> None:
    await record_effect(ctx, event)
    await asyncio.sleep(0.002)


async def main(mode: str, dsn: str, schema: str, nats_url: str) -> None:
    pool = await create_pool(dsn, schema)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    if mode == "relay-dies-after-publish":
        await RelayDyingAfterPublish(pool, js, schema).publish_pending()
        return
    print("consuming", flush=True)
    await Consumer(pool, js, effects_subscription(slow_effect), batch_size=100).run()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
