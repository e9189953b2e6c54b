"""Example people, companies and organisations shared by the example events (fictional)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from arctic.contracts.events import Expert, Partner
from arctic.contracts.vocabulary import Company, Discipline, Language, Organisation, Person


def example_id(name: str) -> UUID:
    """A stable id for an example entity, so that example events reproduce exactly."""
    return uuid5(NAMESPACE_URL, f"https://schemas.arctic-rdi.fi/examples/{name}")


def at(day: int, hour: int = 9, month: int = 3) -> datetime:
    """An instant of the example year 2025, in UTC."""
    return datetime(2025, month, day, hour, 0, tzinfo=UTC)


AINO = Person(name="Aino Korhonen", email="aino.korhonen@example.fi", language=Language.fi)
ERIK = Person(name="Erik Lindqvist", email="erik.lindqvist@example.se", language=Language.sv)
MAYA = Person(name="Maya Ortiz", email="maya.ortiz@example.com", language=Language.en)
JUHANI = Person(name="Juhani Rova", email="juhani.rova@example.fi", language=Language.fi)

REVONTULI = Company(name="Revontuli Robotics Oy", business_id="2617416-4", contact=AINO)
KAAMOS = Company(name="Kaamos Timber Oy", business_id="7654321-2", contact=ERIK)

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
        name=JUHANI.name,
        email=JUHANI.email,
        language=JUHANI.language,
        disciplines=[Discipline.ict, Discipline.energy],
    ),
    Expert(
        expert_id=example_id("expert/maya"),
        name=MAYA.name,
        email=MAYA.email,
        language=MAYA.language,
        disciplines=[Discipline.industrial_design],
    ),
]
