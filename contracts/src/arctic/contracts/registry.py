"""Which events exist, under which subjects, in which streams.

One stream per producing service holds all of its subjects (`arctic.<service>.>`). The
registry is the one lookup from a subject (= CloudEvents type) to the model that reads it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType

from arctic.contracts.errors import UnknownEventType, UnknownStream
from arctic.contracts.events import ALL_EVENTS, Event

SUBJECT_PATTERN = re.compile(
    r"arctic\.(?P<service>[a-z_]+)\.(?P<aggregate>[a-z_]+)\.(?P<event>[a-z_]+)\.v(?P<major>[1-9]\d*)"
)
"""Every subject: `arctic.<service>.<aggregate>.<event>.v<major>`."""


@dataclass(frozen=True, slots=True)
class StreamDefinition:
    """A JetStream stream owned by one producing service.

    `max_age` and `duplicate_window` are the defaults of docs/architecture.md (history kept long
    enough to replay; de-duplication longer than the relay's worst retry gap); storage and
    replicas are decided where the stream is provisioned.
    """

    name: str
    service: str
    subjects: tuple[str, ...]
    description: str
    max_age: timedelta = timedelta(days=400)
    duplicate_window: timedelta = timedelta(minutes=2)

    def holds(self, subject: str) -> bool:
        """Whether a message published on `subject` lands in this stream."""
        return any(_matches(pattern, subject) for pattern in self.subjects)


def _matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: `*` is one token, a final `>` is one or more tokens."""
    want, have = pattern.split("."), subject.split(".")
    for index, part in enumerate(want):
        if part == ">":
            return len(have) > index
        if index >= len(have) or part not in ("*", have[index]):
            return False
    return len(want) == len(have)


def _stream(service: str, description: str) -> StreamDefinition:
    return StreamDefinition(
        name=service.upper(),
        service=service,
        subjects=(f"arctic.{service}.>",),
        description=description,
    )


STREAMS: tuple[StreamDefinition, ...] = (
    _stream("catalogue", "Offerings, inquiries of the one-stop shop, environment bookings."),
    _stream("prototyping", "Prototype requests from intake to delivery."),
    _stream("partnerships", "Contract partnerships: needs, agreements, evaluations."),
    _stream("notifications", "Deliveries and failures of messages to people."),
)
"""The four streams, one per producing service."""

EVENTS: Mapping[str, type[Event]] = MappingProxyType({cls.subject: cls for cls in ALL_EVENTS})
"""Every event model by its subject (= CloudEvents type), in the order of the catalogue."""

_STREAMS_BY_SERVICE = {stream.service: stream for stream in STREAMS}


def model_for(subject: str) -> type[Event]:
    """The model of the events published on `subject`; `UnknownEventType` if there is none
    (including an unknown major version of a known event)."""
    try:
        return EVENTS[subject]
    except KeyError:
        raise UnknownEventType(subject) from None


def stream_of_service(service: str) -> StreamDefinition:
    """The stream that `service` publishes to; `UnknownStream` for an unknown service."""
    try:
        return _STREAMS_BY_SERVICE[service]
    except KeyError:
        raise UnknownStream(f"no stream belongs to service {service!r}") from None


def stream_for_subject(subject: str) -> StreamDefinition:
    """The stream that holds messages published on `subject`; `UnknownStream` if none."""
    for stream in STREAMS:
        if stream.holds(subject):
            return stream
    raise UnknownStream(f"no stream holds subject {subject!r}")


def events_of_service(service: str) -> tuple[type[Event], ...]:
    """The event models that `service` publishes, in catalogue order."""
    return tuple(cls for cls in EVENTS.values() if cls.service == service)


__all__ = [
    "EVENTS",
    "STREAMS",
    "SUBJECT_PATTERN",
    "StreamDefinition",
    "events_of_service",
    "model_for",
    "stream_for_subject",
    "stream_of_service",
]
