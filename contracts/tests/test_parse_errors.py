"""A message that breaks the contract is refused with an InvalidMessage saying what is wrong."""

from __future__ import annotations

import json

import pytest

from arctic.contracts.envelope import build_message, parse_headers, parse_message
from arctic.contracts.errors import (
    InvalidBody,
    InvalidHeader,
    InvalidMessage,
    MissingHeader,
    UnknownEventType,
)
from arctic.contracts.events import PrototypeRequested
from arctic.contracts.examples import example_of

SUBJECT = PrototypeRequested.subject


def message() -> tuple[dict[str, str], bytes]:
    return build_message(example_of(PrototypeRequested), correlation_id="corr-1")


def body_without(field: str) -> bytes:
    _, body = message()
    data = json.loads(body)
    del data[field]
    return json.dumps(data).encode()


def body_with(**changes: object) -> bytes:
    _, body = message()
    return json.dumps({**json.loads(body), **changes}).encode()


def test_missing_ce_id_is_refused_naming_the_header() -> None:
    headers, body = message()
    del headers["ce-id"]

    with pytest.raises(MissingHeader, match="ce-id"):
        parse_message(SUBJECT, headers, body)


@pytest.mark.parametrize("header", ["ce-specversion", "ce-source", "ce-type", "ce-correlationid"])
def test_each_required_header_is_required(header: str) -> None:
    headers, body = message()
    del headers[header]

    with pytest.raises(MissingHeader, match=header):
        parse_message(SUBJECT, headers, body)


def test_a_message_without_headers_is_refused() -> None:
    _, body = message()

    with pytest.raises(MissingHeader):
        parse_message(SUBJECT, None, body)


def test_an_unknown_major_version_is_an_unknown_event_type() -> None:
    headers, body = message()
    v9 = SUBJECT.replace(".v1", ".v9")

    with pytest.raises(UnknownEventType, match=r"prototype\.requested\.v9"):
        parse_message(v9, {**headers, "ce-type": v9}, body)


def test_an_unknown_event_type_is_refused_naming_it() -> None:
    headers, body = message()
    odd = "arctic.prototyping.prototype.teleported.v1"

    with pytest.raises(UnknownEventType, match="teleported"):
        parse_message(odd, {**headers, "ce-type": odd}, body)


def test_a_body_that_is_not_json_is_refused() -> None:
    headers, _ = message()

    with pytest.raises(InvalidBody, match="not valid JSON"):
        parse_message(SUBJECT, headers, b"{not json")


def test_a_missing_field_is_refused_naming_the_field() -> None:
    headers, _ = message()

    with pytest.raises(InvalidBody, match="problem: Field required"):
        parse_message(SUBJECT, headers, body_without("problem"))


def test_a_field_of_the_wrong_type_is_refused_naming_the_field() -> None:
    headers, _ = message()

    with pytest.raises(InvalidBody, match="showcase_consent"):
        parse_message(SUBJECT, headers, body_with(showcase_consent="perhaps"))


def test_a_nested_field_is_named_by_its_location() -> None:
    headers, _ = message()
    company = {"name": "Oy", "business_id": "2617416-5", "contact": None}

    with pytest.raises(InvalidBody) as caught:
        parse_message(SUBJECT, headers, body_with(company=company))

    assert any(p.startswith("company.business_id") for p in caught.value.problems)
    assert any(p.startswith("company.contact") for p in caught.value.problems)


def test_a_type_that_differs_from_the_subject_is_refused() -> None:
    headers, body = message()

    with pytest.raises(InvalidHeader, match="ce-type"):
        parse_message("arctic.prototyping.prototype.accepted.v1", headers, body)


def test_another_specversion_is_refused() -> None:
    headers, body = message()

    with pytest.raises(InvalidHeader, match="ce-specversion"):
        parse_message(SUBJECT, {**headers, "ce-specversion": "0.3"}, body)


def test_a_body_that_is_not_json_by_content_type_is_refused() -> None:
    headers, body = message()

    with pytest.raises(InvalidHeader, match="content-type"):
        parse_message(SUBJECT, {**headers, "content-type": "text/plain"}, body)


def test_a_content_type_with_a_charset_is_accepted() -> None:
    headers, body = message()

    parse_message(SUBJECT, {**headers, "content-type": "application/json; charset=utf-8"}, body)


def test_a_source_other_than_the_producing_service_is_refused() -> None:
    headers, body = message()

    with pytest.raises(InvalidHeader, match="ce-source"):
        parse_message(SUBJECT, {**headers, "ce-source": "/arctic/catalogue"}, body)


def test_a_subject_other_than_the_aggregate_id_is_refused() -> None:
    headers, body = message()

    with pytest.raises(InvalidHeader, match="ce-subject"):
        parse_message(SUBJECT, {**headers, "ce-subject": "someone-else"}, body)


def test_an_id_that_is_not_a_uuid_is_refused() -> None:
    headers, _ = message()

    with pytest.raises(InvalidHeader, match="ce-id"):
        parse_headers({**headers, "ce-id": "42"})


def test_a_time_without_offset_is_refused() -> None:
    headers, _ = message()

    with pytest.raises(InvalidHeader, match="ce-time"):
        parse_headers({**headers, "ce-time": "2025-03-04T10:00:00"})


@pytest.mark.parametrize("version", ["0", "-1", "two", "1.5", "\u0661", "9" * 19])
def test_an_aggregate_version_that_is_not_a_positive_integer_is_refused(version: str) -> None:
    headers, _ = message()

    with pytest.raises(InvalidHeader, match="ce-aggregateversion"):
        parse_headers({**headers, "ce-aggregateversion": version})


def test_a_dataschema_of_another_version_is_refused() -> None:
    headers, body = message()
    v2 = headers["ce-dataschema"].replace(".v1.json", ".v2.json")

    with pytest.raises(InvalidHeader, match="ce-dataschema"):
        parse_message(SUBJECT, {**headers, "ce-dataschema": v2}, body)


def test_a_dataschema_of_another_event_is_refused() -> None:
    headers, body = message()
    other = headers["ce-dataschema"].replace("requested", "accepted")

    with pytest.raises(InvalidHeader, match="ce-dataschema"):
        parse_message(SUBJECT, {**headers, "ce-dataschema": other}, body)


@pytest.mark.parametrize(
    "value", ["x" * 129, "two words", "line\nbreak", "nul\x00", "tab\tin", "ääkkönen"], ids=repr
)
@pytest.mark.parametrize("header", ["ce-correlationid", "ce-causationid"])
def test_a_correlation_or_causation_id_beyond_the_bounds_is_refused(
    header: str, value: str
) -> None:
    headers, _ = message()

    with pytest.raises(InvalidHeader, match=header) as caught:
        parse_headers({**headers, header: value})

    assert len(str(caught.value)) < 300


def test_a_correlation_id_of_128_visible_characters_is_accepted() -> None:
    headers, _ = message()
    longest = "A-z0:9/_.~!" * 11 + "0123456"
    assert len(longest) == 128

    assert parse_headers({**headers, "ce-correlationid": longest}).correlation_id == longest


def test_every_parse_error_is_an_invalid_message() -> None:
    for error in (MissingHeader, InvalidHeader, UnknownEventType, InvalidBody):
        assert issubclass(error, InvalidMessage)
