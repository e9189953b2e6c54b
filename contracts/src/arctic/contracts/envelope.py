"""CloudEvents 1.0 in binary content mode over NATS headers.

The body is the event's JSON (its model, exactly as its exported schema describes); the
attributes travel as `ce-*` headers, with `content-type`, W3C `traceparent` and
`Nats-Msg-Id` (= the event id, for JetStream de-duplication).

An event about an aggregate whose changes are versioned also carries the extension attribute
`aggregateversion` (header `ce-aggregateversion`): the version of the aggregate named by
`ce-subject` after the change the event reports (1 when it was created, +1 per change). A
consumer that keeps the highest version it applied per subject can tell an old event from a
new one when a retry delivered them out of order. It is optional: events that change no
versioned aggregate (scheduled reminders, notifications) do not carry it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from pydantic import ValidationError

from arctic.contracts.errors import InvalidBody, InvalidHeader, MissingHeader
from arctic.contracts.events import Event
from arctic.contracts.ids import (
    is_valid_correlation_id,
    is_valid_traceparent,
    new_event_id,
    new_traceparent,
)
from arctic.contracts.registry import model_for
from arctic.contracts.schemas import dataschema_uri

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
MSG_ID_HEADER = "Nats-Msg-Id"
AGGREGATE_VERSION_HEADER = "ce-aggregateversion"

REQUIRED_HEADERS: tuple[str, ...] = (
    "ce-specversion",
    "ce-id",
    "ce-source",
    "ce-type",
    "ce-subject",
    "ce-time",
    "ce-dataschema",
    "ce-correlationid",
    "content-type",
)
"""Headers every message carries; a message without one of them is refused."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """The CloudEvents attributes of one message (everything but the data)."""

    id: UUID
    source: str
    type: str
    subject: str
    time: datetime
    dataschema: str
    correlation_id: str
    causation_id: str | None = None
    traceparent: str | None = None
    aggregate_version: int | None = None
    actor: str | None = None
    specversion: str = SPECVERSION
    datacontenttype: str = CONTENT_TYPE

    def headers(self) -> dict[str, str]:
        """The NATS headers carrying these attributes, `Nats-Msg-Id` included."""
        return _headers(
            str(self.id),
            self.source,
            self.type,
            self.subject,
            format_time(self.time),
            self.dataschema,
            self.correlation_id,
            self.causation_id,
            self.traceparent,
            self.aggregate_version,
            self.actor,
            self.specversion,
            self.datacontenttype,
        )


def _headers(
    id_: str,
    source: str,
    type_: str,
    subject: str,
    time: str,
    dataschema: str,
    correlation_id: str,
    causation_id: str | None,
    traceparent: str | None,
    aggregate_version: int | None,
    actor: str | None,
    specversion: str = SPECVERSION,
    datacontenttype: str = CONTENT_TYPE,
) -> dict[str, str]:
    headers = {
        "ce-specversion": specversion,
        "ce-id": id_,
        "ce-source": source,
        "ce-type": type_,
        "ce-subject": subject,
        "ce-time": time,
        "ce-dataschema": dataschema,
        "ce-correlationid": correlation_id,
        "content-type": datacontenttype,
        MSG_ID_HEADER: id_,
    }
    if causation_id is not None:
        headers["ce-causationid"] = causation_id
    if traceparent is not None:
        headers["traceparent"] = traceparent
    if aggregate_version is not None:
        headers[AGGREGATE_VERSION_HEADER] = str(aggregate_version)
    if actor is not None:
        headers["ce-actor"] = actor
    return headers


def source_of(service: str) -> str:
    """The CloudEvents source of the events a service publishes: `/arctic/<service>`."""
    return f"/arctic/{service}"


def format_time(value: datetime) -> str:
    """An instant as RFC 3339 in UTC with microseconds, e.g. `2025-03-01T09:30:00.000000Z`."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")[:-6] + "Z"  # without "+00:00"


def _check_attributes(
    correlation_id: str,
    causation_id: str | None,
    actor: str | None,
    time: datetime | None,
    traceparent: str | None,
    aggregate_version: int | None,
) -> None:
    if not correlation_id:
        raise ValueError("correlation_id must not be empty")
    ids = (("correlation_id", correlation_id), ("causation_id", causation_id), ("actor", actor))
    for name, value in ids:
        if value is not None and not is_valid_correlation_id(value):
            raise ValueError(f"{name} must be 1 to 128 visible ASCII characters")
    if time is not None and time.tzinfo is None:
        raise ValueError("time must be timezone-aware")
    if traceparent is not None and not is_valid_traceparent(traceparent):
        raise ValueError(f"not a W3C traceparent: {traceparent!r}")
    if aggregate_version is not None and aggregate_version < 1:
        raise ValueError(f"an aggregate version starts at 1, not {aggregate_version}")


def envelope_for(
    event: Event,
    *,
    correlation_id: str,
    causation_id: str | None = None,
    traceparent: str | None = None,
    event_id: UUID | None = None,
    time: datetime | None = None,
    aggregate_version: int | None = None,
    actor: str | None = None,
) -> Envelope:
    """The envelope for publishing `event`; a fresh UUIDv7, the current time and a new trace
    are filled in when not given. `actor` is the subject (an id from the caller's token, never
    a name) of whoever's command caused the event. Raises `ValueError` for a correlation id,
    causation id or actor that is not 1 to 128 visible ASCII characters
    (`is_valid_correlation_id`), a naive time, a malformed traceparent or an aggregate version
    below 1."""
    _check_attributes(correlation_id, causation_id, actor, time, traceparent, aggregate_version)
    return Envelope(
        id=event_id or new_event_id(),
        source=source_of(event.service),
        type=event.subject,
        subject=event.aggregate_id,
        time=(time or datetime.now(UTC)).astimezone(UTC),
        dataschema=dataschema_uri(event.subject),
        correlation_id=correlation_id,
        causation_id=causation_id,
        traceparent=traceparent or new_traceparent(),
        aggregate_version=aggregate_version,
        actor=actor,
    )


def build_message(
    event: Event,
    *,
    correlation_id: str,
    causation_id: str | None = None,
    traceparent: str | None = None,
    event_id: UUID | None = None,
    time: datetime | None = None,
    aggregate_version: int | None = None,
    actor: str | None = None,
) -> tuple[dict[str, str], bytes]:
    """NATS headers and body publishing `event` on its subject (`event.subject`): the
    headers `envelope_for(...).headers()` gives, built without the envelope (this is on
    every emit's path).

    See `envelope_for` for the defaults and the errors.
    """
    _check_attributes(correlation_id, causation_id, actor, time, traceparent, aggregate_version)
    subject = event.subject
    headers = _headers(
        str(event_id or new_event_id()),
        source_of(event.service),
        subject,
        event.aggregate_id,
        format_time(time or datetime.now(UTC)),
        dataschema_uri(subject),
        correlation_id,
        causation_id,
        traceparent or new_traceparent(),
        aggregate_version,
        actor,
    )
    return headers, event.model_dump_json().encode()


def _required(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None or value == "":
        raise MissingHeader(name)
    return value


def _parse_uuid(name: str, value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise InvalidHeader(name, f"{_shown(value)} is not a UUID") from None


def _parse_time(name: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidHeader(name, f"{_shown(value)} is not an RFC 3339 timestamp") from None
    if parsed.tzinfo is None:
        raise InvalidHeader(name, f"{_shown(value)} has no UTC offset")
    return parsed.astimezone(UTC)


def _parse_version(name: str, value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18 or int(value) < 1:
        raise InvalidHeader(name, f"{value[:40]!r} is not a version (an integer from 1)")
    return int(value)


def _shown(value: str, limit: int = 80) -> str:
    """A header value as an error message quotes it: escaped, and cut when long."""
    return repr(value) if len(value) <= limit else f"{value[:limit]!r}... ({len(value)} chars)"


def _parse_correlation(name: str, value: str | None) -> str | None:
    if value is not None and not is_valid_correlation_id(value):
        raise InvalidHeader(name, f"{_shown(value)} is not 1 to 128 visible ASCII characters")
    return value


def parse_headers(headers: Mapping[str, str] | None) -> Envelope:
    """The envelope of a message from its headers (names compared case-insensitively).

    Raises `MissingHeader` or `InvalidHeader` (both `InvalidMessage`), also for a
    correlation id, causation id or actor that is not 1 to 128 visible ASCII characters. An invalid
    `traceparent` is dropped, as W3C Trace Context asks, rather than refused.
    """
    lowered = {name.lower(): value for name, value in headers.items()} if headers else {}
    if not all(map(lowered.get, REQUIRED_HEADERS)):  # the first missing or empty one is named
        for name in REQUIRED_HEADERS:
            _required(lowered, name)
    if lowered["ce-specversion"] != SPECVERSION:
        raise InvalidHeader(
            "ce-specversion", f"{_shown(lowered['ce-specversion'])} is not {SPECVERSION}"
        )
    content_type = lowered["content-type"]
    if content_type.split(";", 1)[0].strip().lower() != CONTENT_TYPE:
        raise InvalidHeader("content-type", f"{_shown(content_type)} is not {CONTENT_TYPE}")
    traceparent = lowered.get("traceparent")
    return Envelope(
        id=_parse_uuid("ce-id", lowered["ce-id"]),
        source=lowered["ce-source"],
        type=lowered["ce-type"],
        subject=lowered["ce-subject"],
        time=_parse_time("ce-time", lowered["ce-time"]),
        dataschema=lowered["ce-dataschema"],
        correlation_id=_parse_correlation("ce-correlationid", lowered["ce-correlationid"]) or "",
        causation_id=_parse_correlation("ce-causationid", lowered.get("ce-causationid") or None),
        traceparent=traceparent if traceparent and is_valid_traceparent(traceparent) else None,
        aggregate_version=_parse_version(
            AGGREGATE_VERSION_HEADER, lowered.get(AGGREGATE_VERSION_HEADER)
        ),
        actor=_parse_correlation("ce-actor", lowered.get("ce-actor") or None),
        specversion=SPECVERSION,
        datacontenttype=CONTENT_TYPE,
    )


def _problems(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors(include_url=False):
        if item["type"] == "json_invalid":
            problems.append(f"body is not valid JSON ({item['msg']})")
            continue
        location = ".".join(str(part) for part in item["loc"]) or "(body)"
        problems.append(f"{location}: {item['msg']}")
    return problems


def parse_message(
    subject: str, headers: Mapping[str, str] | None, body: bytes
) -> tuple[Envelope, Event]:
    """The envelope and the event of a message received on the NATS `subject`.

    Checks the headers (`parse_headers`), that `ce-type` is a known event type and equals
    the subject, that `ce-dataschema` names that type's schema (not another version's or
    another event's), that `ce-source` is the producing service's, that the body is valid JSON for
    the event's model and that `ce-subject` is the event's aggregate id. Every failure is an
    `InvalidMessage` naming what is wrong (`UnknownEventType`, `MissingHeader`,
    `InvalidHeader`, `InvalidBody` with the failing field locations).
    """
    envelope = parse_headers(headers)
    model = model_for(envelope.type)
    if envelope.type != subject:
        raise InvalidHeader(
            "ce-type", f"{_shown(envelope.type)} differs from the subject {subject!r}"
        )
    if envelope.dataschema != dataschema_uri(envelope.type):
        raise InvalidHeader(
            "ce-dataschema",
            f"{_shown(envelope.dataschema)} is not the schema of {envelope.type!r} "
            f"({dataschema_uri(envelope.type)!r})",
        )
    if envelope.source != source_of(model.service):
        raise InvalidHeader(
            "ce-source", f"{_shown(envelope.source)} is not {source_of(model.service)!r}"
        )
    try:
        event = model.model_validate_json(body)
    except ValidationError as error:
        raise InvalidBody(envelope.type, _problems(error)) from None
    if envelope.subject != event.aggregate_id:
        raise InvalidHeader(
            "ce-subject",
            f"{_shown(envelope.subject)} is not the aggregate id {event.aggregate_id!r}",
        )
    return envelope, event


__all__ = [
    "AGGREGATE_VERSION_HEADER",
    "CONTENT_TYPE",
    "MSG_ID_HEADER",
    "REQUIRED_HEADERS",
    "SPECVERSION",
    "Envelope",
    "build_message",
    "envelope_for",
    "format_time",
    "new_event_id",
    "parse_headers",
    "parse_message",
    "source_of",
]
