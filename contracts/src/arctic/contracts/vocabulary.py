"""The shared words of the events: enumerations, value types and the parties named in them.

Values travel as their lower-case string; adding a member is a compatible change, removing
or renaming one is breaking (see `compatibility`).
"""

from __future__ import annotations

import operator
import re
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)


class ContractModel(BaseModel):
    """Base of every model on the wire: immutable, and tolerant of fields added later."""

    model_config = ConfigDict(extra="ignore", frozen=True, use_attribute_docstrings=True)


class Language(StrEnum):
    """Language a person is addressed in."""

    fi = "fi"
    en = "en"
    sv = "sv"


class Discipline(StrEnum):
    """Disciplines of the prototyping expert pool."""

    ict = "ict"
    construction = "construction"
    energy = "energy"
    land_surveying = "land_surveying"
    industrial_design = "industrial_design"
    business = "business"
    media_production = "media_production"


class Stage(StrEnum):
    """Product-development stage: idea (TRL 1-2), concept (3-4), prototype (5-6), pilot (7-8),
    market (9 and commercialisation)."""

    idea = "idea"
    concept = "concept"
    prototype = "prototype"
    pilot = "pilot"
    market = "market"


class Channel(StrEnum):
    """How a notification reaches its recipient."""

    email = "email"
    webhook = "webhook"


class OfferingKind(StrEnum):
    """What an offering of the catalogue is."""

    service = "service"
    environment = "environment"


class RouteTarget(StrEnum):
    """Where an inquiry is routed: to one or more organisations, or to prototyping."""

    organisation = "organisation"
    prototyping = "prototyping"


class BookingSide(StrEnum):
    """A side of a booking: who uses the environment, or who owns it."""

    user = "user"
    owner = "owner"


class PrototypeOutcome(StrEnum):
    """How a time-boxed prototype ended."""

    working_prototype = "working_prototype"
    proof_of_concept = "proof_of_concept"
    not_feasible = "not_feasible"


class AgreementSide(StrEnum):
    """A side of a partnership agreement: the UAS or the partner."""

    uas = "uas"
    partner = "partner"


class ActionStatus(StrEnum):
    """Realisation of an agreed action, as recorded in an evaluation meeting."""

    done = "done"
    in_progress = "in_progress"
    not_started = "not_started"
    dropped = "dropped"


class AgreementEndReason(StrEnum):
    """Why an agreement ended."""

    expired = "expired"
    terminated = "terminated"


_BUSINESS_ID = re.compile(r"\d{7}-\d")
_BUSINESS_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def business_id_check_digit(digits: str) -> int | None:
    """The check digit of the seven leading digits of a Finnish business id, None if none fits.

    Weights 7, 9, 10, 5, 8, 4, 2; remainder of the sum mod 11: 0 gives 0, 1 is never issued,
    any other gives 11 - remainder.
    """
    if len(digits) != len(_BUSINESS_ID_WEIGHTS):
        raise ValueError("a business id's check digit is of seven digits")
    remainder = sum(map(operator.mul, map(int, digits), _BUSINESS_ID_WEIGHTS)) % 11
    if remainder == 1:
        return None
    return 0 if remainder == 0 else 11 - remainder


def validate_business_id(value: str) -> str:
    """Return `value` if it is a valid Finnish business id (Y-tunnus, NNNNNNN-C), else raise."""
    if not _BUSINESS_ID.fullmatch(value):
        raise ValueError("a business id has the form NNNNNNN-C, e.g. 2617416-4")
    expected = business_id_check_digit(value[:7])
    if expected is None:
        raise ValueError("no business id is issued with these seven digits (remainder 1)")
    if int(value[8]) != expected:
        raise ValueError(f"wrong check digit {value[8]}, expected {expected}")
    return value


BusinessId = Annotated[
    str,
    AfterValidator(validate_business_id),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{7}-\d$",
            "description": "Finnish business id (Y-tunnus) with a valid check digit",
        }
    ),
]
"""A Finnish business id (Y-tunnus), NNNNNNN-C with a valid check digit."""


_EMAIL = re.compile(r"[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+")


def validate_email(value: str) -> str:
    """Return `value` if it has the form of an e-mail address (local@domain.tld), else raise.

    A form check, not deliverability: it accepts international addresses, and it costs a
    microsecond where `EmailStr` (email-validator) cost ~100 µs on every parse of every
    event that names a person.
    """
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise ValueError("value is not a valid email address: expected the form name@example.fi")
    return value


Email = Annotated[
    str,
    AfterValidator(validate_email),
    WithJsonSchema({"type": "string", "format": "email"}),
]
"""An e-mail address (form-checked)."""


def _as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDateTime = Annotated[AwareDatetime, AfterValidator(_as_utc)]
"""An instant: must carry a UTC offset on input, held and written in UTC."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""A non-blank string."""

Amount = Annotated[
    Decimal,
    WithJsonSchema(
        {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "description": "a decimal number"},
        mode="serialization",
    ),
]
"""A decimal quantity (hours, euros, indicator values); written as a string to keep precision."""


PERSONAL = Field(json_schema_extra={"x-personal": True})
"""Marks a field as personal data (a person's name, e-mail address, phone number): its JSON
Schema carries `"x-personal": true`. Use it as `Annotated[Text, PERSONAL]`; a contracts test
fails when a field named like a person's name, address or phone is not marked."""

_PHONE = re.compile(r"\+?[0-9(][0-9 ()\-]{4,24}")


def validate_phone(value: str) -> str:
    """Return `value` if it has the form of a phone number (digits, spaces, dashes,
    parentheses, an optional leading +; 6 to 20 digits), else raise."""
    digits = sum(character.isdigit() for character in value)
    if not _PHONE.fullmatch(value) or not 6 <= digits <= 20:
        raise ValueError("value is not a phone number: expected the form +358 40 123 4567")
    return value


Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    AfterValidator(validate_phone),
    WithJsonSchema({"type": "string", "pattern": r"^\+?[0-9(][0-9 ()\-]{4,24}$"}),
]
"""A phone number (form-checked)."""

SEALED_PATTERN = r"^[A-Za-z0-9+/]+={0,2}$"

Sealed = Annotated[
    str,
    StringConstraints(pattern=SEALED_PATTERN, max_length=8192),
    WithJsonSchema(
        {
            "type": "string",
            "contentEncoding": "base64",
            "pattern": SEALED_PATTERN,
            "maxLength": 8192,
            "x-personal": True,
            "x-sealed": "PersonDetails",
        }
    ),
]
"""Personal data sealed with its person's own key: base64 of a format byte (1), a 12-byte
nonce and the AES-256-GCM ciphertext of the `PersonDetails` JSON, authenticated with the
person id. Unreadable without the key, and by anyone once the key is erased."""


class PersonDetails(ContractModel):
    """A person's personal data. In an event it travels only sealed (`Person.sealed_details`),
    so that erasing the person's key makes every copy unreadable."""

    name: Annotated[Text, PERSONAL]
    """The person's name as they give it."""
    email: Annotated[Email, PERSONAL]
    """Their e-mail address (their person id is derived from it)."""
    phone: Annotated[Phone | None, PERSONAL] = None
    """Their phone number, if they gave one."""


class ContactPerson(PersonDetails):
    """A person as a caller gives them, in clear, at an HTTP edge: the details and the
    language to address them in. A service seals it into a `Person` before it is emitted."""

    language: Language


class Person(ContractModel):
    """A person named in an event: who (a pseudonymous id), how to address them (language)
    and their details, sealed with a key of their own (crypto-shredding)."""

    person_id: UUID
    """Stable pseudonymous id of the person: the same for every service and every event
    naming them (derived from the normalised e-mail address under a secret of the operator),
    kept after erasure; on its own it tells nobody who the person is."""
    language: Language
    """The language to address the person in (fi, en, sv)."""
    sealed_details: Sealed
    """The person's `PersonDetails` (name, e-mail address, phone), sealed with the person's
    own key; once the person is erased, the key is gone and no copy can be opened."""


class Company(ContractModel):
    """A company as a customer: its name, business id and contact person."""

    name: Text
    business_id: BusinessId
    contact: Person


class CompanyRef(ContractModel):
    """A company named for reference, without a contact person (where nobody at the company
    is informed): its name and business id."""

    name: Text
    business_id: BusinessId


class Organisation(ContractModel):
    """One of the RDI organisations of the network (the UAS, a university, GTK, LUKE...)."""

    organisation_id: UUID
    name: Text


__all__ = [
    "PERSONAL",
    "SEALED_PATTERN",
    "ActionStatus",
    "AgreementEndReason",
    "AgreementSide",
    "Amount",
    "BookingSide",
    "BusinessId",
    "Channel",
    "Company",
    "CompanyRef",
    "ContactPerson",
    "ContractModel",
    "Discipline",
    "Email",
    "Language",
    "OfferingKind",
    "Organisation",
    "Person",
    "PersonDetails",
    "Phone",
    "PrototypeOutcome",
    "RouteTarget",
    "Sealed",
    "Stage",
    "Text",
    "UtcDateTime",
    "business_id_check_digit",
    "validate_business_id",
    "validate_email",
    "validate_phone",
]
