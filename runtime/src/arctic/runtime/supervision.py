"""Background loops kept running: the relay, the scheduler, the consumers, the workers.

A loop that crashes is logged and restarted after a pause that doubles with each crash in a
row (`ARCTIC_LOOP_RESTART_SECONDS`, capped at 30 s). A loop that has crashed
`ARCTIC_LOOP_CRASH_LIMIT` times in a row without a minute of steady running is failing:
`/healthz` answers 503 so that the orchestrator restarts the whole process, while the loop
keeps being restarted in case the cause goes away first.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from arctic.runtime import metrics
from arctic.runtime.logs import get_logger

log = get_logger(__name__)
LoopFactory = Callable[[], Coroutine[Any, Any, None]]


@dataclass
class LoopHealth:
    """How one supervised loop is doing."""

    name: str
    running: bool = False
    crashes: int = 0
    last_error: str | None = None


class Supervisor:
    """Starts loops and restarts them when they crash."""

    def __init__(
        self,
        *,
        first_pause: float = 1.0,
        max_pause: float = 30.0,
        crash_limit: int = 5,
        steady_after: float = 60.0,
    ) -> None:
        self.first_pause, self.max_pause = first_pause, max_pause
        self.crash_limit, self.steady_after = crash_limit, steady_after
        self.loops: dict[str, LoopHealth] = {}

    def start(self, name: str, loop: LoopFactory) -> asyncio.Task[None]:
        """Run `loop()` as `name` until it returns or is cancelled, restarting it on a crash."""
        health = LoopHealth(name)
        self.loops[name] = health
        return asyncio.create_task(self._keep_running(health, loop), name=f"arctic {name}")

    def running(self, name: str) -> bool:
        """Whether the loop `name` runs now (not ended, not waiting to restart)."""
        health = self.loops.get(name)
        return health is not None and health.running

    def failing(self) -> dict[str, str]:
        """The loops that keep crashing, with their last error."""
        return {
            name: health.last_error or ""
            for name, health in self.loops.items()
            if health.crashes >= self.crash_limit
        }

    async def _keep_running(self, health: LoopHealth, loop: LoopFactory) -> None:
        pause = self.first_pause
        while True:
            started = time.monotonic()
            health.running = True
            try:
                await loop()
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if time.monotonic() - started >= self.steady_after:
                    health.crashes, pause = 0, self.first_pause
                health.crashes += 1
                health.last_error = repr(error)
                metrics.LOOP_CRASHES.labels(health.name).inc()
                log.exception(
                    "background loop crashed, restarting",
                    loop=health.name,
                    crashes_in_a_row=health.crashes,
                    restart_in=pause,
                )
            finally:
                health.running = False
            await asyncio.sleep(pause)
            pause = min(pause * 2, self.max_pause)
