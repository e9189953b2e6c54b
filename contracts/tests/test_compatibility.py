"""The compatibility gate: which schema changes break producers or consumers."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from arctic.contracts.compatibility import breaking_changes
from arctic.contracts.events import Event
from arctic.contracts.registry import EVENTS
from arctic.contracts.schemas import event_schema

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


def schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="serialization")


class Colour(StrEnum):
    red = "red"
    green = "green"


class FewerColours(StrEnum):
    red = "red"


class MoreColours(StrEnum):
    red = "red"
    green = "green"
    blue = "blue"


class Contact(BaseModel):
    name: str
    email: str


class Before(BaseModel):
    title: str
    count: int
    colour: Colour
    note: str | None = None
    contact: Contact
    team: list[Contact] = []


def test_removing_a_field_is_breaking() -> None:
    class After(BaseModel):
        title: str
        colour: Colour
        note: str | None = None
        contact: Contact
        team: list[Contact] = []

    assert breaking_changes(schema(Before), schema(After)) == ["'count' was removed"]


def test_renaming_a_field_is_breaking_as_a_removal_and_an_addition() -> None:
    class After(BaseModel):
        headline: str
        count: int
        colour: Colour
        note: str | None = None
        contact: Contact
        team: list[Contact] = []

    assert breaking_changes(schema(Before), schema(After)) == [
        "'title' was removed (renamed to 'headline'?)",
        "'headline' was added as a required property",
    ]


def test_changing_a_fields_type_is_breaking() -> None:
    class After(BaseModel):
        title: str
        count: str
        colour: Colour
        note: str | None = None
        contact: Contact
        team: list[Contact] = []

    assert breaking_changes(schema(Before), schema(After)) == [
        "'count' changed type from integer to string"
    ]


def test_making_a_nullable_field_non_nullable_is_breaking() -> None:
    class After(BaseModel):
        title: str
        count: int
        colour: Colour
        note: str = ""
        contact: Contact
        team: list[Contact] = []

    assert breaking_changes(schema(Before), schema(After)) == [
        "'note' changed type from null | string to string"
    ]


def test_adding_a_required_field_is_breaking() -> None:
    class After(Before):
        owner: str

    assert breaking_changes(schema(Before), schema(After)) == [
        "'owner' was added as a required property"
    ]


def test_making_an_optional_field_required_is_breaking() -> None:
    class After(BaseModel):
        title: str
        count: int
        colour: Colour
        note: str | None
        contact: Contact
        team: list[Contact] = []

    assert breaking_changes(schema(Before), schema(After)) == ["'note' became required"]


def test_narrowing_an_enum_is_breaking() -> None:
    class After(BaseModel):
        title: str
        count: int
        colour: FewerColours
        note: str | None = None
        contact: Contact
        team: list[Contact] = []

    assert breaking_changes(schema(Before), schema(After)) == [
        "'colour' narrowed its enum: removed ['green']"
    ]


def test_a_change_inside_a_nested_object_is_found_through_references() -> None:
    class NoEmail(BaseModel):
        name: str

    class After(BaseModel):
        title: str
        count: int
        colour: Colour
        note: str | None = None
        contact: NoEmail
        team: list[NoEmail] = []

    assert breaking_changes(schema(Before), schema(After)) == [
        "'contact.email' was removed",
        "'team[].email' was removed",
    ]


def test_changing_a_format_is_breaking() -> None:
    old = {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}}}
    new = {"type": "object", "properties": {"id": {"type": "string", "format": "date-time"}}}

    assert breaking_changes(old, new) == ["'id' changed format from uuid to date-time"]


def test_adding_an_optional_field_is_compatible() -> None:
    class After(Before):
        owner: str | None = None

    assert breaking_changes(schema(Before), schema(After)) == []


def test_widening_an_enum_is_compatible() -> None:
    class After(BaseModel):
        title: str
        count: int
        colour: MoreColours
        note: str | None = None
        contact: Contact
        team: list[Contact] = []

    assert breaking_changes(schema(Before), schema(After)) == []


def test_an_unchanged_schema_is_compatible() -> None:
    assert breaking_changes(schema(Before), schema(Before)) == []


@pytest.mark.parametrize("model", list(EVENTS.values()), ids=lambda m: m.__name__)
def test_the_current_model_is_compatible_with_its_committed_schema(model: type[Event]) -> None:
    committed = json.loads((SCHEMAS / f"{model.subject}.json").read_text(encoding="utf-8"))

    assert breaking_changes(committed, event_schema(model)) == []
