"""Identifiers on the wire: UUIDv7 event ids (RFC 9562) and W3C trace context."""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from datetime import UTC, datetime
from uuid import UUID

_COUNTER_BITS = 12
_COUNTER_MAX = (1 << _COUNTER_BITS) - 1


class _Uuid7Clock:
    """Monotonic UUIDv7 source (RFC 9562 section 6.2, method 1: a counter in `rand_a`).

    Within one millisecond the 12-bit counter increments from a random start below 2048;
    if it would overflow, the timestamp moves one millisecond ahead, so ids made by this
    process never go backwards, even when the wall clock does.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._millis = 0
        self._counter = 0

    def next(self) -> UUID:
        with self._lock:
            now = time.time_ns() // 1_000_000
            if now > self._millis:
                self._millis, self._counter = now, secrets.randbits(_COUNTER_BITS - 1)
            elif self._counter < _COUNTER_MAX:
                self._counter += 1
            else:
                self._millis, self._counter = self._millis + 1, secrets.randbits(_COUNTER_BITS - 1)
            return uuid7_from_parts(self._millis, self._counter, secrets.randbits(62))


_CLOCK = _Uuid7Clock()


def uuid7_from_parts(unix_ms: int, rand_a: int, rand_b: int) -> UUID:
    """A UUIDv7 from its fields: 48-bit Unix milliseconds, 12-bit `rand_a`, 62-bit `rand_b`."""
    value = (unix_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (rand_a & _COUNTER_MAX) << 64
    value |= 0b10 << 62
    value |= rand_b & ((1 << 62) - 1)
    return UUID(int=value)


def new_event_id() -> UUID:
    """A new event id: a UUIDv7, time-ordered and increasing within this process."""
    return _CLOCK.next()


def is_uuid7(value: UUID) -> bool:
    """Whether `value` is a version 7 UUID of the RFC 9562 variant."""
    return value.version == 7 and value.variant == "specified in RFC 4122"


def uuid7_time(value: UUID) -> datetime:
    """The instant (millisecond precision, UTC) encoded in a UUIDv7."""
    return datetime.fromtimestamp((value.int >> 80) / 1000, tz=UTC)


_TRACEPARENT = re.compile(
    r"(?P<version>[0-9a-f]{2})-(?P<trace>[0-9a-f]{32})-(?P<span>[0-9a-f]{16})-[0-9a-f]{2}"
)


def is_valid_traceparent(value: str) -> bool:
    """Whether `value` is a W3C `traceparent` this version of Trace Context accepts."""
    match = _TRACEPARENT.fullmatch(value)
    return bool(
        match
        and match["version"] != "ff"
        and match["trace"] != "0" * 32
        and match["span"] != "0" * 16
    )


CORRELATION_ID_MAX_LENGTH = 128
"""The longest `ce-correlationid` / `ce-causationid` a message may carry."""

_CORRELATION_ID = re.compile(rf"[\x21-\x7e]{{1,{CORRELATION_ID_MAX_LENGTH}}}")


def is_valid_correlation_id(value: str) -> bool:
    """Whether `value` may travel as `ce-correlationid` or `ce-causationid`: 1 to 128
    visible ASCII characters (no spaces, no control characters), so it is safe in a NATS
    header, a mail header and a log line whatever produced it."""
    return _CORRELATION_ID.fullmatch(value) is not None


def new_traceparent() -> str:
    """A `traceparent` starting a new, sampled trace: version 00, random trace and span ids."""
    ids = os.urandom(24).hex()  # one system call for both ids
    return f"00-{ids[:32]}-{ids[32:]}-01"


__all__ = [
    "CORRELATION_ID_MAX_LENGTH",
    "is_uuid7",
    "is_valid_correlation_id",
    "is_valid_traceparent",
    "new_event_id",
    "new_traceparent",
    "uuid7_from_parts",
    "uuid7_time",
]
