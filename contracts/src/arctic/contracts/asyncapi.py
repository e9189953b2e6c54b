"""The AsyncAPI 3.0.0 document of every event: one channel per subject, one message per event.

Messages carry the CloudEvents headers schema and the event's payload schema. The payload
schemas (and the models they share, e.g. `Person`) sit once in `components.schemas`, so the
document is self-contained.
"""

from __future__ import annotations

import inspect
from typing import Any

from arctic.contracts.envelope import (
    AGGREGATE_VERSION_HEADER,
    CONTENT_TYPE,
    MSG_ID_HEADER,
    REQUIRED_HEADERS,
    SPECVERSION,
)
from arctic.contracts.events import Event
from arctic.contracts.examples import EXAMPLES
from arctic.contracts.ids import CORRELATION_ID_MAX_LENGTH
from arctic.contracts.registry import EVENTS, STREAMS, stream_for_subject
from arctic.contracts.schemas import JsonSchema, dataschema_uri, model_schema

ASYNCAPI_VERSION = "3.0.0"
DOCUMENT_VERSION = "1.0.0"
HEADERS_SCHEMA = "CloudEventHeaders"
STREAM_FIELD = "x-jetstream-stream"
"""Channel field naming the JetStream stream that holds the channel's subject: where a
subscriber binds its durable consumer (AsyncAPI's NATS binding has no field for it)."""


def _string(description: str, **constraints: Any) -> JsonSchema:
    return {"type": "string", "description": description, **constraints}


_CORRELATION_ID: dict[str, Any] = {
    "pattern": "^[\\x21-\\x7e]+$",
    "minLength": 1,
    "maxLength": CORRELATION_ID_MAX_LENGTH,
}


def cloudevents_headers_schema() -> JsonSchema:
    """The JSON Schema of the NATS headers of every message (CloudEvents binary mode)."""
    return {
        "type": "object",
        "description": "CloudEvents 1.0 attributes in binary content mode, as NATS headers.",
        "required": [*REQUIRED_HEADERS, MSG_ID_HEADER],
        "properties": {
            "ce-specversion": _string("CloudEvents version.", const=SPECVERSION),
            "ce-id": _string("Event id, a UUIDv7 (time ordered).", format="uuid"),
            "ce-source": _string("/arctic/<service>", pattern="^/arctic/[a-z_]+$"),
            "ce-type": _string("Event type, equal to the subject."),
            "ce-subject": _string("Id of the aggregate the event is about."),
            "ce-time": _string("When the event occurred, RFC 3339 UTC.", format="date-time"),
            "ce-dataschema": _string("URI of the payload's JSON Schema.", format="uri"),
            "ce-correlationid": _string(
                "Id shared by every event of one request's flow.", **_CORRELATION_ID
            ),
            "ce-causationid": _string(
                "Id of the event (or request) that caused this one.", **_CORRELATION_ID
            ),
            "ce-actor": _string(
                "Subject (an id from the caller's token, never a name) of the person or system "
                "whose command caused this event; absent for events of public commands and for "
                "events that other events cause.",
                **_CORRELATION_ID,
            ),
            "traceparent": _string(
                "W3C Trace Context.", pattern="^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
            ),
            AGGREGATE_VERSION_HEADER: _string(
                "Version of the aggregate named by ce-subject after the change this event "
                "reports (1 at creation, +1 per change); absent when the event changes no "
                "versioned aggregate. Compare per ce-subject to tell old from new.",
                pattern="^[1-9][0-9]{0,17}$",
            ),
            "content-type": _string("Media type of the body.", const=CONTENT_TYPE),
            MSG_ID_HEADER: _string("JetStream de-duplication id, equal to ce-id.", format="uuid"),
        },
    }


def _rewrite_refs(node: Any) -> Any:
    """Point pydantic's local `#/$defs/X` references at `#/components/schemas/X`."""
    if isinstance(node, dict):
        return {
            key: (
                value.replace("#/$defs/", "#/components/schemas/")
                if key == "$ref" and isinstance(value, str)
                else _rewrite_refs(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in node]
    return node


def _component_schemas() -> dict[str, JsonSchema]:
    schemas: dict[str, JsonSchema] = {HEADERS_SCHEMA: cloudevents_headers_schema()}
    for model in EVENTS.values():
        schema = model_schema(model)
        parts = {model.__name__: schema, **schema.pop("$defs", {})}
        for name, part in parts.items():
            part = _rewrite_refs(part)
            if schemas.setdefault(name, part) != part:
                raise ValueError(f"two different schemas are both named {name!r}")
    return schemas


def _summary(model: type[Event]) -> str:
    return " ".join((inspect.getdoc(model) or model.__name__).split())


def _message(model: type[Event]) -> JsonSchema:
    example = EXAMPLES[model]()
    return {
        "name": model.__name__,
        "title": model.__name__,
        "summary": _summary(model),
        "contentType": CONTENT_TYPE,
        "headers": {
            "allOf": [
                {"$ref": f"#/components/schemas/{HEADERS_SCHEMA}"},
                {
                    "type": "object",
                    "properties": {
                        "ce-type": {"const": model.subject},
                        "ce-source": {"const": f"/arctic/{model.service}"},
                        "ce-dataschema": {"const": dataschema_uri(model.subject)},
                    },
                },
            ]
        },
        "payload": {"$ref": f"#/components/schemas/{model.__name__}"},
        "correlationId": {"$ref": "#/components/correlationIds/correlation"},
        "tags": [{"name": model.service}],
        "examples": [{"name": "example", "payload": example.model_dump(mode="json")}],
    }


def _channel(model: type[Event]) -> JsonSchema:
    return {
        "address": model.subject,
        "title": model.__name__,
        "description": _summary(model),
        STREAM_FIELD: stream_for_subject(model.subject).name,
        "messages": {model.__name__: {"$ref": f"#/components/messages/{model.__name__}"}},
        "servers": [{"$ref": "#/servers/nats"}],
    }


def _operation(model: type[Event]) -> JsonSchema:
    return {
        "action": "send",
        "title": f"{model.service} publishes {model.__name__}",
        "channel": {"$ref": f"#/channels/{model.subject}"},
        "messages": [{"$ref": f"#/channels/{model.subject}/messages/{model.__name__}"}],
        "tags": [{"name": model.service}],
    }


def asyncapi_document() -> JsonSchema:
    """The AsyncAPI 3.0.0 document describing every event the product publishes."""
    streams = ", ".join(f"{s.name} ({s.subjects[0]})" for s in STREAMS)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Arctic RDI Hub events",
            "version": DOCUMENT_VERSION,
            "description": (
                "Events of the Arctic RDI Hub on NATS JetStream, as CloudEvents 1.0 in binary "
                "content mode: the body is the event's JSON, the attributes are ce-* headers. "
                f"Streams: {streams}; each channel names its stream in `{STREAM_FIELD}`. "
                "Subjects: arctic.<service>.<aggregate>.<event>.v<major>. "
                "Personal data: fields holding it are marked `x-personal: true`. A person is a "
                "`Person`: a pseudonymous `person_id`, a language, and their `PersonDetails` "
                "(name, e-mail address, phone) sealed (`x-sealed`) with AES-256-GCM under a "
                "key of their own, which only the product's services can read and which "
                "erasure destroys: outside subscribers see no personal data, and nobody can "
                "read an erased person's details in any copy of an event."
            ),
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "nats": {
                "host": "localhost:4222",
                "protocol": "nats",
                "description": (
                    "NATS JetStream of a local stack. Every connection logs in as a user of "
                    "deploy/nats/permissions.conf; an outside system gets a read-only user "
                    "(docs/subscribing.md)."
                ),
                "security": [{"$ref": "#/components/securitySchemes/natsUser"}],
            }
        },
        "channels": {model.subject: _channel(model) for model in EVENTS.values()},
        "operations": {f"publish{m.__name__}": _operation(m) for m in EVENTS.values()},
        "components": {
            "schemas": _component_schemas(),
            "messages": {model.__name__: _message(model) for model in EVENTS.values()},
            "securitySchemes": {
                "natsUser": {
                    "type": "userPassword",
                    "description": "A NATS user and password given by the operator.",
                }
            },
            "correlationIds": {
                "correlation": {
                    "description": "Shared by every event of one request's flow.",
                    "location": "$message.header#/ce-correlationid",
                }
            },
        },
    }


__all__ = [
    "ASYNCAPI_VERSION",
    "STREAM_FIELD",
    "asyncapi_document",
    "cloudevents_headers_schema",
]
