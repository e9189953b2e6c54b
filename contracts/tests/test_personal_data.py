"""Personal data in the contracts: every personal field is marked, and no event carries one in
clear: a person's details travel only sealed, with a key of their own."""

from __future__ import annotations

import json
import re
import types
from collections.abc import Iterator
from typing import Any, Union, get_args, get_origin

import pytest
from pydantic import BaseModel

from arctic.contracts.events import ALL_EVENTS, Event
from arctic.contracts.export import CONTRACTS_DIR, recorded_resets
from arctic.contracts.schemas import SEALED_DETAILS, event_schema
from arctic.contracts.vocabulary import ContactPerson, ContractModel, PersonDetails, Text

# A field whose name says it may hold a person's name, e-mail address, phone number or
# postal address. Such a field must be marked personal unless it is listed below as a thing's
# name (a company's or an organisation's is not personal data).
PERSONAL_LOOKING = re.compile(r"(^|_)(names?|e_?mail|mail|phone|mobile|address|surname)($|_)")
NOT_PERSONAL = {
    "Company.name": "a company's name",
    "CompanyRef.name": "a company's name",
    "Organisation.name": "an RDI organisation's name",
    "Partner.name": "a partner company's name",
    "CompetenceGroup.name": "a competence group of the UAS",
    "OfferingPublished.name": "an offering's name",
    "OfferingRetired.name": "an offering's name",
    "BookingRequested.environment_name": "a development environment's name",
    "BookingConfirmed.environment_name": "a development environment's name",
    "BookingCancelled.environment_name": "a development environment's name",
    "EnvironmentUsageRecorded.environment_name": "a development environment's name",
    "PartnerEventInvitationIssued.event_name": "the spring partner event's name",
    "NotificationDelivered.recipient_address": "a role address or webhook URL, never a person's",
    "NotificationFailed.recipient_address": "a role address or webhook URL, never a person's",
}


def models_in(
    model: type[BaseModel], seen: set[type[BaseModel]] | None = None
) -> Iterator[type[BaseModel]]:
    """`model` and every model its fields hold, each once."""
    seen = set() if seen is None else seen
    if model in seen:
        return
    seen.add(model)
    yield model
    for field in model.model_fields.values():
        for inner in _models_of(field.annotation):
            yield from models_in(inner, seen)


def _models_of(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    if get_origin(annotation) in (list, tuple, set, dict, Union, types.UnionType) or get_args(
        annotation
    ):
        for argument in get_args(annotation):
            yield from _models_of(argument)


def unmarked_personal_fields(model: type[BaseModel]) -> list[str]:
    """`Model.field` of every field that looks personal by its name but is neither marked
    `x-personal` nor listed as not personal."""
    properties = model.model_json_schema(mode="serialization").get("properties", {})
    return [
        f"{model.__name__}.{name}"
        for name in model.model_fields
        if PERSONAL_LOOKING.search(name)
        and f"{model.__name__}.{name}" not in NOT_PERSONAL
        and properties.get(name, {}).get("x-personal") is not True
    ]


ALL_MODELS = sorted(
    {m for root in (*ALL_EVENTS, ContactPerson) for m in models_in(root)}, key=lambda m: m.__name__
)


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_every_field_that_may_hold_a_persons_name_address_or_phone_is_marked_personal(
    model: type[BaseModel],
) -> None:
    assert unmarked_personal_fields(model) == []


def test_the_check_finds_an_unmarked_personal_field() -> None:
    class Visit(ContractModel):
        visitor_name: Text
        contact_email: Text
        phone_number: Text | None = None
        host_organisation_name: Text

    assert unmarked_personal_fields(Visit) == [
        "Visit.visitor_name",
        "Visit.contact_email",
        "Visit.phone_number",
        "Visit.host_organisation_name",
    ]


def test_the_not_personal_list_names_only_fields_that_exist() -> None:
    fields = {f"{m.__name__}.{name}" for m in ALL_MODELS for name in m.model_fields}
    assert set(NOT_PERSONAL) - fields == set()


def test_the_sealed_details_mark_name_address_and_phone_as_personal() -> None:
    properties = PersonDetails.model_json_schema(mode="serialization")["properties"]
    assert {name for name, p in properties.items() if p.get("x-personal")} == {
        "name",
        "email",
        "phone",
    }


def _personal_nodes(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if node.get("x-personal") is True:
            yield path, node
        for key, value in node.items():
            if not (path == "$defs" and key == SEALED_DETAILS):  # what is sealed, not clear
                yield from _personal_nodes(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _personal_nodes(item, f"{path}[{index}]")


@pytest.mark.parametrize("model", ALL_EVENTS, ids=lambda m: m.__name__)
def test_no_event_carries_personal_data_in_clear(model: type[Event]) -> None:
    """The only personal field on the wire is a sealed one (`Person.sealed_details`)."""
    schema = event_schema(model)
    clear = [path for path, node in _personal_nodes(schema) if node.get("x-sealed") is None]
    assert clear == []
    if any(True for _ in _personal_nodes(schema)):
        assert SEALED_DETAILS in schema["$defs"], "a sealed value says what it seals"


def test_the_committed_schemas_and_asyncapi_show_the_marks() -> None:
    committed = CONTRACTS_DIR / "schemas" / "arctic.prototyping.prototype.requested.v1.json"
    schema = json.loads(committed.read_text(encoding="utf-8"))
    assert schema["$defs"]["Person"]["properties"]["sealed_details"]["x-personal"] is True
    assert schema["$defs"][SEALED_DETAILS]["properties"]["email"]["x-personal"] is True
    asyncapi = json.loads((CONTRACTS_DIR / "asyncapi.json").read_text(encoding="utf-8"))
    components = asyncapi["components"]["schemas"]
    assert components["Person"]["properties"]["sealed_details"]["x-sealed"] == SEALED_DETAILS
    assert components[SEALED_DETAILS]["properties"]["name"]["x-personal"] is True


def test_v1_was_reset_once_before_the_first_release_to_take_personal_data_out_of_events() -> None:
    """The compatibility gate let breaking changes through exactly once, recorded and
    reviewed: a further reset of v1 fails here (publish a `.v2` event instead)."""
    [reset] = recorded_resets(CONTRACTS_DIR)
    assert reset["reason"].startswith("v1 before its first release (issue 10, personal data)")
    schema = "schemas/arctic.prototyping.prototype.requested.v1.json"
    assert f"{schema}: 'company.contact.email' was removed" in reset["changes"]
