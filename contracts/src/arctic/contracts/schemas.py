"""JSON Schemas of the events, as outsiders read them.

Schemas are generated in pydantic's *serialization* mode: they describe exactly the JSON a
producer writes (e.g. amounts as decimal strings). Each carries `$id` = its `dataschema`
URI, the value of the `ce-dataschema` header of every message of that type.
"""

from __future__ import annotations

from typing import Any

from arctic.contracts.events import Event
from arctic.contracts.vocabulary import PersonDetails

JsonSchema = dict[str, Any]

DATASCHEMA_BASE = "https://schemas.arctic-rdi.fi/events/"
"""Where the committed schemas are published; one file per subject."""

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def dataschema_uri(subject: str) -> str:
    """The stable URI of the JSON Schema of the events published on `subject`."""
    return f"{DATASCHEMA_BASE}{subject}.json"


def schema_file_name(subject: str) -> str:
    """The file name of a subject's schema in `contracts/schemas/`."""
    return f"{subject}.json"


def model_schema(model: type[Event]) -> JsonSchema:
    """The bare JSON Schema of an event's body (with its own `$defs`).

    An event naming a person carries their details sealed (`"x-sealed": "PersonDetails"`);
    the schema of what is sealed is added to `$defs`, so that a reader sees which personal
    fields (`"x-personal": true`) a sealed value holds.
    """
    schema = model.model_json_schema(mode="serialization")
    if _seals(schema):
        schema.setdefault("$defs", {})[SEALED_DETAILS] = PersonDetails.model_json_schema(
            mode="serialization"
        )
    return schema


SEALED_DETAILS = "PersonDetails"
"""The name, in `$defs` and in AsyncAPI components, of the schema of sealed personal data."""


def _seals(node: object) -> bool:
    if isinstance(node, dict):
        return node.get("x-sealed") == SEALED_DETAILS or any(_seals(v) for v in node.values())
    if isinstance(node, list):
        return any(_seals(item) for item in node)
    return False


def event_schema(model: type[Event]) -> JsonSchema:
    """The published JSON Schema of an event: dialect, `$id`, `title` and the model's schema."""
    schema = model_schema(model)
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": dataschema_uri(model.subject),
        **schema,
        "title": model.__name__,
        "x-subject": model.subject,
        "x-service": model.service,
        "x-aggregate-id": model.aggregate_key,
    }


__all__ = [
    "DATASCHEMA_BASE",
    "JSON_SCHEMA_DIALECT",
    "SEALED_DETAILS",
    "JsonSchema",
    "dataschema_uri",
    "event_schema",
    "model_schema",
    "schema_file_name",
]
