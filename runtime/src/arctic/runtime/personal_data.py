"""What a service does with the personal data of the persons named in its events.

    person = await resources.persons.seal(contact)     # producer: ContactPerson -> Person
    details = await resources.persons.open(person)     # consumer: PersonDetails, or None
    resources.persons.person_id("aino@example.fi")     # the pseudonymous id, no lookup

`seal` gets or creates the person's key (NATS at command time for a person whose key is not
cached: `PersonalKeysUnavailable` then, which the HTTP edge answers 503 with Retry-After);
`open` returns None once the person is erased, and raises `PersonalKeysUnavailable` when the
key store cannot be asked: an outage is never taken for an erasure.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from pydantic import SecretStr

from arctic.contracts.vocabulary import ContactPerson, Person, PersonDetails
from arctic.runtime.personal_keys import PersonalKeysUnavailable
from arctic.runtime.sealing import open_details, person_id_for, seal_details


class PepperMissing(RuntimeError):
    """`ARCTIC_PERSONAL_DATA_PEPPER` is not set, so no person id can be derived."""


class KeyStore(Protocol):
    """Where persons' keys are kept (`personal_keys.PersonalKeys`: the PERSONAL_KEYS bucket)."""

    async def find(self, person_id: UUID) -> bytes | None:
        """The person's key, or None when they have none."""

    async def find_or_create(self, person_id: UUID) -> bytes:
        """The person's key, created when they have none."""

    async def erase(self, person_id: UUID) -> bool:
        """Erase the person's key; tell whether there was one."""


class _NoKeyStore:
    """The key store of a process without NATS: every question is unanswerable."""

    async def find(self, person_id: UUID) -> bytes | None:
        raise PersonalKeysUnavailable("this process has no connection to the key store")

    async def find_or_create(self, person_id: UUID) -> bytes:
        raise PersonalKeysUnavailable("this process has no connection to the key store")

    async def erase(self, person_id: UUID) -> bool:
        raise PersonalKeysUnavailable("this process has no connection to the key store")


class PersonalData:
    """Seal, open and erase persons' details; one per process (`Resources.persons`)."""

    def __init__(self, keys: KeyStore, pepper: SecretStr | None) -> None:
        self.keys = keys
        self._pepper = pepper.get_secret_value().encode() if pepper is not None else None

    @classmethod
    def offline(cls, pepper: SecretStr | None) -> PersonalData:
        """Persons' data of a process without NATS: ids can be derived, nothing sealed or
        opened (`PersonalKeysUnavailable`)."""
        return cls(_NoKeyStore(), pepper)

    def person_id(self, email: str) -> UUID:
        """The pseudonymous id of the person with this e-mail address (the same in every
        service, as long as they share the pepper)."""
        if self._pepper is None:
            raise PepperMissing(
                "ARCTIC_PERSONAL_DATA_PEPPER is not set: every service needs the same secret "
                "to name persons alike"
            )
        return person_id_for(email, self._pepper)

    async def seal(self, person: ContactPerson) -> Person:
        """The person as events carry them: id, language and sealed details."""
        person_id = self.person_id(person.email)
        key = await self.keys.find_or_create(person_id)
        details = PersonDetails(name=person.name, email=person.email, phone=person.phone)
        return Person(
            person_id=person_id,
            language=person.language,
            sealed_details=seal_details(key, person_id, details),
        )

    async def open(self, person: Person) -> PersonDetails | None:
        """The person's details, or None when they were erased."""
        key = await self.keys.find(person.person_id)
        if key is None:
            return None
        return open_details(key, person.person_id, person.sealed_details)

    async def erase(self, person_id: UUID) -> bool:
        """Erase the person's key: every sealed copy of their details becomes unreadable.
        Only the erasure path's NATS user may; tell whether there was a key."""
        return await self.keys.erase(person_id)
