"""The AsyncAPI document is valid AsyncAPI 3.0.0 and describes every event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from arctic.contracts.asyncapi import STREAM_FIELD, asyncapi_document
from arctic.contracts.envelope import build_message
from arctic.contracts.examples import example_of
from arctic.contracts.registry import EVENTS, stream_for_subject

OFFICIAL_SCHEMA = Path(__file__).parent / "data" / "asyncapi-3.0.0.schema.json"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    as_on_the_wire: dict[str, Any] = json.loads(json.dumps(asyncapi_document()))
    return as_on_the_wire


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(OFFICIAL_SCHEMA.read_text(encoding="utf-8")))


def resolve(document: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    assert isinstance(node, dict)
    return node


def test_the_document_validates_against_the_official_asyncapi_3_schema(
    document: dict[str, Any], validator: jsonschema.Draft7Validator
) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]

    assert errors == []


def test_the_official_schema_catches_an_invalid_document(
    document: dict[str, Any], validator: jsonschema.Draft7Validator
) -> None:
    broken = {**document, "operations": {"x": {"action": "publish", "channel": {}}}}

    assert not validator.is_valid(broken)


def test_there_is_one_channel_per_subject_addressed_by_it(document: dict[str, Any]) -> None:
    addresses = sorted(channel["address"] for channel in document["channels"].values())

    assert addresses == sorted(EVENTS)


def test_every_channel_has_a_send_operation(document: dict[str, Any]) -> None:
    sent = {
        resolve(document, op["channel"]["$ref"])["address"]
        for op in document["operations"].values()
        if op["action"] == "send"
    }

    assert sent == set(EVENTS)


@pytest.mark.parametrize("subject", sorted(EVENTS))
def test_an_example_message_conforms_to_its_documented_schemas(
    document: dict[str, Any], subject: str
) -> None:
    model = EVENTS[subject]
    message = document["components"]["messages"][model.__name__]
    headers, body = build_message(example_of(model), correlation_id="corr-1")
    resolver_root = {**document, "$schema": "http://json-schema.org/draft-07/schema#"}

    for schema, instance in ((message["headers"], headers), (message["payload"], json.loads(body))):
        jsonschema.validate(instance, {**resolver_root, **schema})


def test_the_headers_require_the_cloudevents_attributes(document: dict[str, Any]) -> None:
    required = document["components"]["schemas"]["CloudEventHeaders"]["required"]

    assert {"ce-specversion", "ce-id", "ce-source", "ce-type", "ce-subject"} <= set(required)
    assert {"ce-time", "ce-dataschema", "ce-correlationid", "Nats-Msg-Id"} <= set(required)


def test_each_channel_names_the_stream_that_holds_its_subject(document: dict[str, Any]) -> None:
    streams = {
        channel["address"]: channel[STREAM_FIELD] for channel in document["channels"].values()
    }

    assert streams == {subject: stream_for_subject(subject).name for subject in EVENTS}


def test_the_server_says_how_to_log_in(document: dict[str, Any]) -> None:
    (security,) = document["servers"]["nats"]["security"]

    assert resolve(document, security["$ref"])["type"] == "userPassword"
