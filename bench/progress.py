"""Progress on stderr, and the disturbance check: a run that others disturbed is run again."""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar


class Disturbable(Protocol):
    """A measured run that knows how busy the rest of the machine kept meanwhile."""

    @property
    def pipeline(self) -> str:
        """What ran (named in the list of disturbed runs)."""
        ...

    @property
    def other_cores(self) -> float:
        """Cores that processes outside the benchmark kept busy during the run."""
        ...


Measured = TypeVar("Measured", bound=Disturbable)


def say(message: str) -> None:
    """Progress on stderr, so that stdout holds the tables."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def quietly(
    attempt: Callable[[], Awaitable[Measured]],
    max_other: float,
    retries: int,
    disturbed: list[str],
    name: str = "",
) -> Measured:
    """Run `attempt` again while other processes disturbed it (more than `max_other` cores
    busy), at most `retries` times; each disturbed attempt is noted in `disturbed`."""
    for tries in range(retries + 1):
        measured = await attempt()
        if measured.other_cores <= max_other:
            return measured
        verdict = "running it again" if tries < retries else "kept, no retries left"
        say(f"  disturbed: other processes kept {measured.other_cores:.2f} cores busy; {verdict}")
        disturbed.append(f"{name or measured.pipeline}: {measured.other_cores:.2f} cores")
    return measured
