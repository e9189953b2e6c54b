"""Every event survives build_message then parse_message, headers as docs/architecture.md says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest

from arctic.contracts.envelope import build_message, envelope_for, parse_headers, parse_message
from arctic.contracts.errors import InvalidHeader
from arctic.contracts.events import Event, PrototypeRequested
from arctic.contracts.examples import example_of
from arctic.contracts.ids import is_uuid7, new_event_id
from arctic.contracts.registry import EVENTS
from arctic.contracts.schemas import dataschema_uri

ALL_MODELS = list(EVENTS.values())
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture(params=ALL_MODELS, ids=lambda model: model.__name__)
def event(request: pytest.FixtureRequest) -> Event:
    model: type[Event] = request.param
    return example_of(model)


def test_parse_gives_back_the_event_that_was_built(event: Event) -> None:
    headers, body = build_message(event, correlation_id="corr-1")

    _, parsed = parse_message(event.subject, headers, body)

    assert parsed == event
    assert type(parsed) is type(event)


def test_parse_gives_back_the_envelope_attributes_given(event: Event) -> None:
    event_id, time = new_event_id(), datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
    headers, body = build_message(
        event,
        correlation_id="corr-1",
        causation_id="cause-1",
        traceparent=TRACEPARENT,
        event_id=event_id,
        time=time,
        actor="kc-7f3a",
    )

    envelope, _ = parse_message(event.subject, headers, body)

    assert envelope.id == event_id
    assert envelope.time == time
    assert envelope.correlation_id == "corr-1"
    assert envelope.causation_id == "cause-1"
    assert envelope.traceparent == TRACEPARENT
    assert envelope.actor == "kc-7f3a"
    assert envelope.type == event.subject
    assert envelope.subject == event.aggregate_id
    assert envelope.source == f"/arctic/{event.service}"
    assert envelope.dataschema == dataschema_uri(event.subject)


@pytest.mark.parametrize(
    "optional",
    [{}, {"causation_id": "cause-1", "aggregate_version": 3, "actor": "user-7"}],
    ids=["required only", "every optional attribute"],
)
def test_the_headers_built_are_those_of_the_envelope(
    event: Event, optional: dict[str, str | int]
) -> None:
    attributes = {
        "correlation_id": "corr-1",
        "event_id": new_event_id(),
        "time": datetime(2025, 3, 4, 10, 0, tzinfo=timezone(timedelta(hours=2))),
        "traceparent": TRACEPARENT,
        **optional,
    }
    headers, _ = build_message(event, **attributes)  # type: ignore[arg-type]
    expected = envelope_for(event, **attributes).headers()  # type: ignore[arg-type]
    assert list(headers.items()) == list(expected.items())


def test_the_aggregate_version_travels_as_an_optional_extension_attribute(event: Event) -> None:
    versioned, body = build_message(event, correlation_id="c", aggregate_version=7)
    plain, _ = build_message(event, correlation_id="c")

    assert versioned["ce-aggregateversion"] == "7"
    assert parse_message(event.subject, versioned, body)[0].aggregate_version == 7
    assert "ce-aggregateversion" not in plain
    assert parse_message(event.subject, plain, body)[0].aggregate_version is None


def test_an_aggregate_version_below_one_is_not_built() -> None:
    with pytest.raises(ValueError, match="version"):
        build_message(example_of(PrototypeRequested), correlation_id="c", aggregate_version=0)


def test_headers_follow_cloudevents_binary_mode(event: Event) -> None:
    headers, _ = build_message(event, correlation_id="corr-1")

    assert headers["ce-specversion"] == "1.0"
    assert is_uuid7(UUID(headers["ce-id"]))
    assert headers["Nats-Msg-Id"] == headers["ce-id"]
    assert headers["ce-type"] == event.subject
    assert headers["ce-source"] == f"/arctic/{event.service}"
    assert headers["ce-subject"] == event.aggregate_id
    assert headers["ce-dataschema"] == dataschema_uri(event.subject)
    assert headers["ce-correlationid"] == "corr-1"
    assert headers["content-type"] == "application/json"
    assert headers["ce-time"].endswith("Z")


def test_body_is_the_events_json(event: Event) -> None:
    _, body = build_message(event, correlation_id="corr-1")

    assert body == event.model_dump_json().encode()


def test_causation_header_is_left_out_when_not_given() -> None:
    headers, _ = build_message(example_of(PrototypeRequested), correlation_id="corr-1")

    assert "ce-causationid" not in headers
    assert parse_headers(headers).causation_id is None


def test_the_actor_extension_travels_as_ce_actor_and_is_left_out_when_not_given() -> None:
    event = example_of(PrototypeRequested)
    with_actor, _ = build_message(event, correlation_id="c", actor="kc-7f3a")
    without, _ = build_message(event, correlation_id="c")

    assert with_actor["ce-actor"] == "kc-7f3a"
    assert "ce-actor" not in without
    assert parse_headers(without).actor is None
    for bad in ("", "a b", "x" * 129, "line\r\nbreak"):
        with pytest.raises(ValueError, match="actor"):
            build_message(event, correlation_id="c", actor=bad)
    with pytest.raises(InvalidHeader, match="ce-actor"):
        parse_headers({**with_actor, "ce-actor": "kc 7f3a"})


def test_a_valid_traceparent_is_generated_when_not_given() -> None:
    headers, _ = build_message(example_of(PrototypeRequested), correlation_id="corr-1")

    assert parse_headers(headers).traceparent == headers["traceparent"]


def test_time_is_written_in_utc() -> None:
    helsinki = timezone(timedelta(hours=2))
    time = datetime(2025, 3, 4, 12, 0, tzinfo=helsinki)

    headers, _ = build_message(example_of(PrototypeRequested), correlation_id="c", time=time)

    assert headers["ce-time"] == "2025-03-04T10:00:00.000000Z"


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        build_message(example_of(PrototypeRequested), correlation_id="c", time=datetime(2025, 3, 4))


def test_a_blank_correlation_id_is_refused() -> None:
    with pytest.raises(ValueError, match="correlation_id"):
        build_message(example_of(PrototypeRequested), correlation_id="")


@pytest.mark.parametrize("field", ["correlation_id", "causation_id"])
def test_a_correlation_or_causation_id_beyond_the_bounds_is_refused_when_building(
    field: str,
) -> None:
    ids = {"correlation_id": "c", field: "x" * 129}

    with pytest.raises(ValueError, match=field):
        build_message(example_of(PrototypeRequested), **ids)


def test_a_malformed_traceparent_is_refused_when_building() -> None:
    with pytest.raises(ValueError, match="traceparent"):
        build_message(example_of(PrototypeRequested), correlation_id="c", traceparent="00-xyz")


def test_header_names_are_read_case_insensitively() -> None:
    event = example_of(PrototypeRequested)
    headers, body = build_message(event, correlation_id="c")
    shouting = {name.upper(): value for name, value in headers.items()}

    _, parsed = parse_message(event.subject, shouting, body)

    assert parsed == event


def test_an_invalid_traceparent_is_dropped_when_parsing() -> None:
    event = example_of(PrototypeRequested)
    headers, body = build_message(event, correlation_id="c")

    envelope, _ = parse_message(event.subject, {**headers, "traceparent": "garbage"}, body)

    assert envelope.traceparent is None
