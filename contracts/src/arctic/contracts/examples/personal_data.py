"""Example events of erasure: Aino's data erased, and each service's confirmation."""

from __future__ import annotations

from arctic.contracts.events import (
    CataloguePersonalDataErased,
    NotificationsPersonalDataErased,
    PartnershipsPersonalDataErased,
    PersonalDataErased,
    PersonalDataErasureRequested,
    PrototypingPersonalDataErased,
)
from arctic.contracts.examples.parties import AINO, at, example_id

ERASURE_ID = example_id("erasure/aino")


def personal_data_erasure_requested() -> PersonalDataErasureRequested:
    """An administrator erases Aino; her key is gone a moment before."""
    return PersonalDataErasureRequested(
        erasure_id=ERASURE_ID,
        person_id=AINO.person_id,
        requested_at=at(20, 10),
        keys_erased_at=at(20, 10),
    )


def _erased(model: type[PersonalDataErased], records: int) -> PersonalDataErased:
    return model(
        erasure_id=ERASURE_ID, person_id=AINO.person_id, records=records, erased_at=at(20, 11)
    )


def catalogue_personal_data_erased() -> PersonalDataErased:
    """The catalogue held nothing of Aino."""
    return _erased(CataloguePersonalDataErased, 0)


def prototyping_personal_data_erased() -> PersonalDataErased:
    """Prototyping redacted the contact of her request."""
    return _erased(PrototypingPersonalDataErased, 1)


def partnerships_personal_data_erased() -> PersonalDataErased:
    """Partnerships held nothing of Aino."""
    return _erased(PartnershipsPersonalDataErased, 0)


def notifications_personal_data_erased() -> PersonalDataErased:
    """Notifications redacted the deliveries made for her."""
    return _erased(NotificationsPersonalDataErased, 2)
