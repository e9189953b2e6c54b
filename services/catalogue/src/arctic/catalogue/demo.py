"""Demo data of the catalogue: the four organisations' environments and services, published,
the funding instruments, and the people who coordinate the one-stop shop, answer inquiries
and approve bookings (invented persons, sealed as any others)."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from arctic.catalogue import store
from arctic.catalogue.demo_offerings import FUNDING, OFFERINGS, SWEDISH, DemoOffering
from arctic.catalogue.handlers import BOOKINGS, COORDINATOR, INQUIRIES
from arctic.catalogue.offerings import (
    BookableUnit,
    EnvironmentDetails,
    Offering,
    OfferingDetails,
    Pricing,
)
from arctic.catalogue.settings import CatalogueSettings
from arctic.contracts.vocabulary import ContactPerson, Discipline, OfferingKind, Stage
from arctic.runtime.demo import DemoContext, DemoData

DEMO_NAMESPACE = uuid5(NAMESPACE_URL, "arctic-rdi-hub:catalogue:demo")
CONTACT_DOMAIN = "example.org"
PEOPLE: tuple[tuple[str | None, str, str, str], ...] = (
    (None, COORDINATOR, "Sanna Yhteyspiste", "fi"),
    ("lapland-uas", INQUIRIES, "Teemu Tequ", "fi"),
    ("lapland-uas", BOOKINGS, "Laura Laboratorio", "fi"),
    ("ulapland", INQUIRIES, "Ville Palvelu", "fi"),
    ("ulapland", BOOKINGS, "Ville Palvelu", "fi"),
    ("gtk", INQUIRIES, "Mikko Mineraali", "fi"),
    ("gtk", BOOKINGS, "Mikko Mineraali", "fi"),
    ("luke", INQUIRIES, "Elsa Luonto", "sv"),
    ("luke", BOOKINGS, "Elsa Luonto", "sv"),
)
"""Who does what (organisation, duty, name, language); e-mail addresses derived from names."""


def demo_id(key: str) -> UUID:
    """The stable id of a demo offering or funding instrument."""
    return uuid5(DEMO_NAMESPACE, key)


async def load_network(ctx: DemoContext[CatalogueSettings]) -> None:
    """Publish the demo offerings (OfferingPublished each), add the funding instruments and
    name the contact persons."""
    now, conn = ctx.clock(), ctx.tx.conn
    for demo in OFFERINGS:
        owner = await store.organisation(conn, demo.org)
        assert owner is not None, f"demo organisation {demo.org} is in the first migration"
        kind = OfferingKind.environment if demo.unit else OfferingKind.service
        offering = Offering(demo_id(demo.key), kind, owner, demo.org, _details(demo), now)
        await store.insert_offering(conn, offering)
        published = offering.publish(now)
        await store.update_offering(conn, offering)
        await ctx.tx.emit(published, aggregate_version=offering.version)
    for f in FUNDING:
        await conn.execute(
            """INSERT INTO funding_instruments (id, name, provider, description, stages,
                   max_company_age_years, max_employees, max_amount_eur, max_rate_percent,
                   buys_research_services, cross_border, url)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""",
            demo_id(f"funding:{f.name}"), f.name, f.provider, f.description, list(f.stages),
            f.max_company_age_years, f.max_employees, f.max_amount_eur, f.max_rate_percent,
            f.buys_research_services, f.cross_border, f.url,
        )  # fmt: skip
    for org, duty, name, language in PEOPLE:
        email = f"{name.lower().replace(' ', '.')}@{CONTACT_DOMAIN}"
        details = ContactPerson(name=name, email=email, language=language)
        organisation = None if org is None else await store.organisation(conn, org)
        organisation_id = None if organisation is None else organisation.organisation_id
        person = await ctx.persons.seal(details)
        await store.add_contact(conn, organisation_id, duty, person, details)


def _details(demo: DemoOffering) -> OfferingDetails:
    environment = None
    if demo.unit is not None:
        environment = EnvironmentDetails(
            location=demo.location or "",
            bookable_unit=BookableUnit(demo.unit),
            capacity=demo.capacity,
            owner_approves=demo.owner_approves,
            training_required=demo.training_required,
        )
    title_sv, description_sv = SWEDISH.get(demo.key, (None, None))
    return OfferingDetails(
        title_fi=demo.title_fi,
        title_en=demo.title_en,
        title_sv=title_sv,
        description_sv=description_sv,
        description_fi=demo.description_fi,
        description_en=demo.description_en,
        stages=tuple(Stage(s) for s in demo.stages),
        trl_min=demo.trl[0],
        trl_max=demo.trl[1],
        pricing=Pricing(demo.pricing),
        lead_time_days=demo.lead_time_days,
        contact_email=f"{demo.org}.{demo.key}@{CONTACT_DOMAIN}",
        disciplines=tuple(Discipline(d) for d in demo.disciplines),
        keywords=demo.keywords,
        environment=environment,
    ).checked(OfferingKind.environment if demo.unit else OfferingKind.service)


DEMO_DATA: list[DemoData[CatalogueSettings]] = [DemoData("network-v1", load_network)]
"""The catalogue's demo data sets (ServiceDefinition.demo_data)."""
