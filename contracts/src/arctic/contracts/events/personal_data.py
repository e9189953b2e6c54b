"""Events of erasure: a person's personal data is erased from every service, and each
service confirms it for its own data.

The request is published by notifications, which serves `POST /personal-data/erasure`;
every service erases or redacts what it holds of the person and publishes its own
`PersonalDataErased` on its own stream.
"""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import Field

from arctic.contracts.events.base import (
    CatalogueEvent,
    Event,
    NotificationsEvent,
    PartnershipsEvent,
    PrototypingEvent,
)
from arctic.contracts.vocabulary import UtcDateTime


class PersonalDataErasureRequested(NotificationsEvent):
    """Published when an administrator asks to erase a person: the person's key is already
    erased (every sealed copy of their details is unreadable), and every service now erases
    or redacts what it holds of them and confirms with its `PersonalDataErased`."""

    subject: ClassVar[str] = "arctic.notifications.personal_data.erasure_requested.v1"
    aggregate_key: ClassVar[str] = "erasure_id"

    erasure_id: UUID
    person_id: UUID
    """The person to erase (`Person.person_id`)."""
    requested_at: UtcDateTime
    keys_erased_at: UtcDateTime
    """When the person's key was erased."""


class PersonalDataErased(Event):
    """A service's confirmation that it erased a person's data from its own tables; each
    service publishes its own (subject `arctic.<service>.personal_data.erased.v1`)."""

    aggregate_key: ClassVar[str] = "erasure_id"

    erasure_id: UUID
    """The erasure request this confirms."""
    person_id: UUID
    records: int = Field(ge=0)
    """How many rows the service erased or redacted (0 when it held nothing of the person,
    or when it had already confirmed this request)."""
    erased_at: UtcDateTime


class CataloguePersonalDataErased(PersonalDataErased, CatalogueEvent):
    """Published when the catalogue has erased a person's data (PersonalDataErased)."""

    subject: ClassVar[str] = "arctic.catalogue.personal_data.erased.v1"


class PrototypingPersonalDataErased(PersonalDataErased, PrototypingEvent):
    """Published when prototyping has erased a person's data (PersonalDataErased)."""

    subject: ClassVar[str] = "arctic.prototyping.personal_data.erased.v1"


class PartnershipsPersonalDataErased(PersonalDataErased, PartnershipsEvent):
    """Published when partnerships has erased a person's data (PersonalDataErased)."""

    subject: ClassVar[str] = "arctic.partnerships.personal_data.erased.v1"


class NotificationsPersonalDataErased(PersonalDataErased, NotificationsEvent):
    """Published when notifications has erased a person's data (PersonalDataErased)."""

    subject: ClassVar[str] = "arctic.notifications.personal_data.erased.v1"


ERASURE_CONFIRMATIONS: tuple[type[PersonalDataErased], ...] = (
    CataloguePersonalDataErased,
    PrototypingPersonalDataErased,
    PartnershipsPersonalDataErased,
    NotificationsPersonalDataErased,
)
"""Every service's confirmation event, one per producing service."""


def erasure_confirmation_of(service: str) -> type[PersonalDataErased]:
    """The `PersonalDataErased` event that `service` publishes."""
    for model in ERASURE_CONFIRMATIONS:
        if model.service == service:
            return model
    raise LookupError(f"no erasure confirmation is defined for service {service!r}")


__all__ = [
    "ERASURE_CONFIRMATIONS",
    "CataloguePersonalDataErased",
    "NotificationsPersonalDataErased",
    "PartnershipsPersonalDataErased",
    "PersonalDataErased",
    "PersonalDataErasureRequested",
    "PrototypingPersonalDataErased",
    "erasure_confirmation_of",
]
