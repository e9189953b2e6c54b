"""Rules every event model keeps, and the rules of particular events."""

from __future__ import annotations

import inspect
from datetime import datetime, timedelta
from uuid import UUID

import pytest
from pydantic import ValidationError

from arctic.contracts.events import (
    Event,
    PrototypeDelivered,
    PrototypeRequested,
    PrototypeTeamAssembled,
)
from arctic.contracts.examples import example_of
from arctic.contracts.registry import EVENTS

ALL_MODELS = list(EVENTS.values())


def _ids(model: type[Event]) -> str:
    return model.__name__


@pytest.mark.parametrize("model", ALL_MODELS, ids=_ids)
def test_the_aggregate_id_is_a_uuid_field_of_the_event(model: type[Event]) -> None:
    field = model.model_fields[model.aggregate_key]

    assert field.annotation is UUID
    assert example_of(model).aggregate_id == str(getattr(example_of(model), model.aggregate_key))


@pytest.mark.parametrize("model", ALL_MODELS, ids=_ids)
def test_each_event_says_when_it_is_published(model: type[Event]) -> None:
    assert "Published" in (inspect.getdoc(model) or "")


@pytest.mark.parametrize("model", ALL_MODELS, ids=_ids)
def test_each_event_carries_a_utc_timestamp(model: type[Event]) -> None:
    instants = [v for v in example_of(model).__dict__.values() if isinstance(v, datetime)]

    assert instants
    assert all(instant.utcoffset() == timedelta(0) for instant in instants)


@pytest.mark.parametrize("model", ALL_MODELS, ids=_ids)
def test_a_consumer_ignores_fields_added_later(model: type[Event]) -> None:
    event = example_of(model)
    data = {**event.model_dump(mode="json"), "added_in_a_later_minor_version": 1}

    assert model.model_validate(data) == event


@pytest.mark.parametrize("model", ALL_MODELS, ids=_ids)
def test_events_are_immutable(model: type[Event]) -> None:
    event = example_of(model)

    with pytest.raises(ValidationError, match="frozen"):
        setattr(event, model.aggregate_key, UUID(int=0))


def test_a_prototype_request_names_at_least_one_discipline() -> None:
    with pytest.raises(ValidationError, match="disciplines"):
        example_of(PrototypeRequested, disciplines=[])


def test_a_prototype_request_may_come_without_an_inquiry() -> None:
    assert example_of(PrototypeRequested, origin_inquiry_id=None).origin_inquiry_id is None


def test_a_prototype_request_refuses_a_naive_timestamp() -> None:
    with pytest.raises(ValidationError, match="requested_at"):
        example_of(PrototypeRequested, requested_at=datetime(2025, 3, 4, 10, 0))


def test_a_showcase_is_published_only_with_consent() -> None:
    with pytest.raises(ValidationError, match="consent"):
        example_of(PrototypeDelivered, showcase_consent=False)


def test_a_prototype_is_not_due_before_it_starts() -> None:
    event = example_of(PrototypeTeamAssembled)

    with pytest.raises(ValidationError, match="due_on"):
        example_of(PrototypeTeamAssembled, due_on=event.starts_on.replace(year=2024))
