"""One clock for the domain, the handlers and the scheduler, so tests can move time.

The runtime reads the time only through a `Clock` (`Resources.clock`, `Context.clock`,
the `ClockDep` of endpoints, the scheduler's due check and housekeeping's cut-offs); tests
pass a `SettableClock` and move it instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
"""Something that tells the current instant (timezone-aware, UTC)."""


def system_clock() -> datetime:
    """The real time, in UTC."""
    return datetime.now(UTC)


class SettableClock:
    """A clock that stands still until a test sets or advances it."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = (now or system_clock()).astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        """Stand at `now` (timezone-aware)."""
        if now.tzinfo is None:
            raise ValueError("a clock tells timezone-aware instants")
        self.now = now.astimezone(UTC)

    def advance(self, by: timedelta) -> datetime:
        """Move forward by `by`; return the new time."""
        self.now += by
        return self.now
