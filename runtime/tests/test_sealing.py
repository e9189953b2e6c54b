"""Person ids and sealed details: the pure cryptography of crypto-shredding."""

from __future__ import annotations

import base64
import hashlib
from uuid import UUID

import pytest

from arctic.contracts.examples.parties import EXAMPLE_PEOPLE
from arctic.contracts.vocabulary import Person, PersonDetails
from arctic.runtime.sealing import (
    SealedValueInvalid,
    new_person_key,
    open_details,
    person_id_for,
    seal_details,
)

PEPPER = b"a pepper of the tests, 32 bytes!"
AINO = PersonDetails(name="Aino Testaaja", email="aino@example.com", phone="+358 40 765 4321")
EXAMPLE_PEPPER = b"example pepper, never used outside the examples"


def example_key(email: str) -> bytes:
    """The key the contracts' examples were sealed with (documented in their module)."""
    return hashlib.sha256(f"arctic-rdi-hub example key {email}".encode()).digest()


def test_a_person_id_is_the_same_for_the_same_address_however_it_is_typed() -> None:
    assert person_id_for(" Aino@Example.COM ", PEPPER) == person_id_for("aino@example.com", PEPPER)


def test_a_person_id_is_a_uuid_version_8_that_depends_on_the_pepper() -> None:
    made = person_id_for("aino@example.com", PEPPER)
    assert made.version == 8
    assert made.variant == "specified in RFC 4122"
    assert made != person_id_for("aino@example.com", b"another pepper of 32 bytes long!")
    assert made != person_id_for("aino2@example.com", PEPPER)


def test_a_short_pepper_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        person_id_for("aino@example.com", b"short")


def test_sealed_details_open_with_their_key_as_their_person() -> None:
    key, person_id = new_person_key(), person_id_for(AINO.email, PEPPER)

    sealed = seal_details(key, person_id, AINO)

    assert open_details(key, person_id, sealed) == AINO
    assert open_details(new_person_key(), person_id, sealed) is None, "another key"
    assert open_details(key, UUID(int=7), sealed) is None, "moved to another person"


def test_sealed_details_show_nothing_of_the_person() -> None:
    sealed = seal_details(new_person_key(), UUID(int=1), AINO)
    raw = base64.b64decode(sealed)

    for value in (AINO.name, AINO.email, "Aino", "example.com", "765 4321"):
        assert value.encode() not in raw
        assert value not in sealed


def test_the_same_details_seal_differently_every_time() -> None:
    key = new_person_key()
    assert seal_details(key, UUID(int=1), AINO) != seal_details(key, UUID(int=1), AINO)


def test_a_tampered_sealed_value_does_not_open() -> None:
    key = new_person_key()
    raw = bytearray(base64.b64decode(seal_details(key, UUID(int=1), AINO)))
    raw[-1] ^= 1
    assert open_details(key, UUID(int=1), base64.b64encode(raw).decode()) is None


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"\x02" + b"x" * 40).decode()])
def test_a_value_of_another_format_is_an_error_not_an_erasure(value: str) -> None:
    with pytest.raises(SealedValueInvalid):
        open_details(new_person_key(), UUID(int=1), value)


@pytest.mark.parametrize("person", list(EXAMPLE_PEOPLE), ids=lambda p: str(p.person_id))
def test_the_contracts_examples_are_really_sealed(person: Person) -> None:
    """Each example person opens with its example key; regenerate with `seal_details`."""
    given = EXAMPLE_PEOPLE[person]
    assert person.person_id == person_id_for(given.email, EXAMPLE_PEPPER)
    key = example_key(given.email)
    expected = PersonDetails(name=given.name, email=given.email, phone=given.phone)
    opened = open_details(key, person.person_id, person.sealed_details)
    assert opened == expected, seal_details(key, person.person_id, expected)
