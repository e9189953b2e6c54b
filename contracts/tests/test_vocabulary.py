"""Shared value types: business ids, instants, people, phone numbers, sealed details."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest
from pydantic import TypeAdapter, ValidationError

from arctic.contracts.vocabulary import (
    BusinessId,
    ContactPerson,
    Language,
    Person,
    PersonDetails,
    UtcDateTime,
)

business_id = TypeAdapter(BusinessId)
instant = TypeAdapter(UtcDateTime)


@pytest.mark.parametrize("value", ["2617416-4", "7654321-2", "9876543-0", "0245437-2"])
def test_a_business_id_with_the_right_check_digit_is_valid(value: str) -> None:
    assert business_id.validate_python(value) == value


@pytest.mark.parametrize("value", ["2617416-5", "7654321-0", "9876543-1"])
def test_a_business_id_with_a_wrong_check_digit_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="check digit"):
        business_id.validate_python(value)


def test_a_business_id_whose_remainder_is_one_is_never_valid() -> None:
    # 3141592: weighted sum 155, remainder 1 - no check digit can make it valid
    with pytest.raises(ValidationError, match="remainder 1"):
        business_id.validate_python("3141592-0")


@pytest.mark.parametrize(
    "value", ["2617416", "261741-64", "2617416-44", "FI26174164", " 2617416-4"]
)
def test_a_business_id_of_the_wrong_form_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="NNNNNNN-C"):
        business_id.validate_python(value)


def test_an_instant_with_an_offset_is_held_in_utc() -> None:
    helsinki = timezone(timedelta(hours=3))

    value = instant.validate_python(datetime(2025, 6, 1, 12, 0, tzinfo=helsinki))

    assert value == datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    assert value.utcoffset() == timedelta(0)


def test_an_instant_without_an_offset_is_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        instant.validate_python("2025-06-01T12:00:00")


def test_a_person_needs_a_valid_email_address() -> None:
    with pytest.raises(ValidationError, match="email address"):
        ContactPerson(name="Aino", email="not-an-address", language=Language.fi)


def test_a_person_is_addressed_only_in_a_served_language() -> None:
    with pytest.raises(ValidationError, match="language"):
        ContactPerson.model_validate({"name": "Aino", "email": "aino@example.fi", "language": "de"})


@pytest.mark.parametrize("value", ["+358 40 123 4567", "040-1234567", "(016) 123 456"])
def test_a_phone_number_of_digits_spaces_dashes_and_parentheses_is_valid(value: str) -> None:
    assert PersonDetails(name="Aino", email="aino@example.fi", phone=value).phone == value


@pytest.mark.parametrize("value", ["12345", "call me", "+358 40 123 4567 ext. 2", "1" * 21])
def test_a_phone_number_of_another_form_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="phone number"):
        PersonDetails(name="Aino", email="aino@example.fi", phone=value)


def test_an_event_person_carries_only_an_id_a_language_and_sealed_details() -> None:
    assert set(Person.model_fields) == {"person_id", "language", "sealed_details"}


@pytest.mark.parametrize("value", ["Aino Korhonen <aino@example.fi>", "", "AQ==\n"])
def test_sealed_details_are_base64_only(value: str) -> None:
    with pytest.raises(ValidationError, match="sealed_details"):
        Person(person_id=UUID(int=1), language=Language.fi, sealed_details=value)
