"""Example people, companies and organisations shared by the example events (fictional)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from arctic.contracts.events import Expert, Partner
from arctic.contracts.vocabulary import (
    Company,
    CompanyRef,
    ContactPerson,
    Discipline,
    Language,
    Organisation,
    Person,
)


def example_id(name: str) -> UUID:
    """A stable id for an example entity, so that example events reproduce exactly."""
    return uuid5(NAMESPACE_URL, f"https://schemas.arctic-rdi.fi/examples/{name}")


def at(day: int, hour: int = 9, month: int = 3) -> datetime:
    """An instant of the example year 2025, in UTC."""
    return datetime(2025, month, day, hour, 0, tzinfo=UTC)


# The people of the examples in clear, and as events carry them: a person id derived with
# the example pepper `b"example pepper, never used outside the examples"`, and the details
# sealed with the example key sha256("arctic-rdi-hub example key <email>"); runtime's tests
# check that each opens (runtime/tests/test_sealing.py).
AINO_DETAILS = ContactPerson(
    name="Aino Korhonen",
    email="aino.korhonen@example.fi",
    phone="+358 40 123 4567",
    language=Language.fi,
)
ERIK_DETAILS = ContactPerson(
    name="Erik Lindqvist", email="erik.lindqvist@example.se", language=Language.sv
)
MAYA_DETAILS = ContactPerson(
    name="Maya Ortiz", email="maya.ortiz@example.com", language=Language.en
)
JUHANI_DETAILS = ContactPerson(
    name="Juhani Rova",
    email="juhani.rova@example.fi",
    phone="+358 50 765 4321",
    language=Language.fi,
)

AINO = Person(
    person_id=UUID("0e23c64b-2246-8a23-a310-8dbe56c4b9d2"),
    language=Language.fi,
    sealed_details="AXQgBn2O30u2oFz7Oo8lsID69EhIE6ZwOtCras9MfcS7wEF/lLs8YiwUnEJwNa1hBqJgizoalht/doB"
    "K1hLbqnxhORJRg2w2YmRD6QxIJiZEqlNCczj4vl/gLiY3+HRTMNa5uz/jKq+GGO9++kVcA8panA==",
)
ERIK = Person(
    person_id=UUID("fdb39a95-9979-8973-a270-f1172029b86b"),
    language=Language.sv,
    sealed_details="ATLjlFW7hXv0KqPBAxpwib5sgdEkxqhvzqb5ITe1t1tUFHtcQei9ypCXAhok4rmLprHRoZvKRemiLZT"
    "dWl3dS3k0x0u43pxAgGvgTAIWKpwJLbn44NLx3m5k",
)
MAYA = Person(
    person_id=UUID("2c30de13-3766-894c-bd82-246383ae938e"),
    language=Language.en,
    sealed_details="AeZSoJi2nLo2voWVKaw9nDLAF4cKsr43ooq184HIP5KlgiUR3J/etZ+s0GWhzch4p1OOfo9tIoW7Sa4"
    "YtH9+SYNS7XoiFY5ATe5u0HBnTG9Qxd8=",
)
JUHANI = Person(
    person_id=UUID("a25a4f7d-368c-8a44-b448-07389ace6fd4"),
    language=Language.fi,
    sealed_details="AeRX23OLQX3vJ1zTQquMt0mVYmNir9nzk2r2NybNC4DWjDu4yAKiBQpJTUallDsQUQSuK6rpAa5W6Kv"
    "8Fm43aBefzcMdiaW66NY9IA9rMHTydM5cAIut9J7NJBHzT9VK2+KDo60I6/zzkL9oXSQy",
)
EXAMPLE_PEOPLE = {
    AINO: AINO_DETAILS,
    ERIK: ERIK_DETAILS,
    MAYA: MAYA_DETAILS,
    JUHANI: JUHANI_DETAILS,
}
"""Each example person as events carry them, with their details in clear."""

REVONTULI = Company(name="Revontuli Robotics Oy", business_id="2617416-4", contact=AINO)
KAAMOS_REF = CompanyRef(name="Kaamos Timber Oy", business_id="7654321-2")
REVONTULI_REF = CompanyRef(name=REVONTULI.name, business_id=REVONTULI.business_id)

LAPLAND_UAS = Organisation(
    organisation_id=example_id("organisation/lapland-uas"), name="Lapland UAS"
)
GTK = Organisation(organisation_id=example_id("organisation/gtk"), name="GTK")

PARTNER = Partner(
    partner_id=example_id("partner/revontuli"),
    name=REVONTULI.name,
    business_id=REVONTULI.business_id,
)

TEAM = [
    Expert(
        expert_id=example_id("expert/juhani"),
        **JUHANI.model_dump(),
        disciplines=[Discipline.ict, Discipline.energy],
    ),
    Expert(
        expert_id=example_id("expert/maya"),
        **MAYA.model_dump(),
        disciplines=[Discipline.industrial_design],
    ),
]
