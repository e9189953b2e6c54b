"""The SQL of organisations, their contacts and offerings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TypeAlias
from uuid import UUID, uuid4

import asyncpg
import orjson

from arctic.catalogue.finnish import analysed_terms
from arctic.catalogue.funding import FundingInstrument
from arctic.catalogue.offerings import (
    BookableUnit,
    EnvironmentDetails,
    Offering,
    OfferingDetails,
    OfferingStatus,
    Prices,
    Pricing,
)
from arctic.contracts.vocabulary import (
    ContactPerson,
    Discipline,
    OfferingKind,
    Organisation,
    Person,
    Stage,
)
from arctic.runtime.pagination import Keyset, PageRequest, fetch_page
from arctic.runtime.unit_of_work import expect_changed

Db: TypeAlias = asyncpg.Connection | asyncpg.Pool

OFFERING_COLUMNS = """o.id, o.kind, o.organisation_id, g.short_name, g.name_en AS organisation_name,
    o.title_fi, o.title_en, o.title_sv, o.description_fi, o.description_en, o.description_sv,
    o.disciplines, o.keywords, o.stages, o.trl_min, o.trl_max, o.pricing, o.prices,
    o.lead_time_days, o.contact_email, o.location, o.bookable_unit, o.capacity,
    o.owner_approves, o.training_required, o.status, o.version, o.created_at, o.published_at,
    o.retired_at, o.retire_reason"""
OFFERINGS = "offerings o JOIN organisations g ON g.id = o.organisation_id"


async def organisation(db: Db, short_name: str) -> Organisation | None:
    """The organisation of this short name (e.g. `gtk`), as events name it, or None."""
    row = await db.fetchrow(
        "SELECT id, name_en FROM organisations WHERE short_name = $1", short_name
    )
    return None if row is None else Organisation(organisation_id=row["id"], name=row["name_en"])


async def organisations(db: Db) -> list[asyncpg.Record]:
    """Every organisation: id, short name, names."""
    return list(await db.fetch("SELECT * FROM organisations ORDER BY short_name"))


async def add_contact(
    conn: asyncpg.Connection,
    organisation_id: UUID | None,
    duty: str,
    person: Person,
    details: ContactPerson,
) -> None:
    """Name a person for a duty of an organisation (None: the one-stop shop's coordinators);
    naming them again changes nothing."""
    await conn.execute(
        """INSERT INTO contacts (id, organisation_id, duty, person_id, language, sealed_details,
               name, email, phone)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (organisation_id, duty, person_id) DO NOTHING""",
        uuid4(),
        organisation_id,
        duty,
        person.person_id,
        person.language.value,
        person.sealed_details,
        details.name,
        details.email,
        details.phone,
    )


async def contacts(db: Db, duty: str, organisation_ids: list[UUID] | None = None) -> list[Person]:
    """The persons (sealed) named for `duty` - of these organisations, or the one-stop shop's
    coordinators when `organisation_ids` is None; erased persons are left out."""
    rows = await db.fetch(
        """SELECT DISTINCT ON (person_id) person_id, language, sealed_details FROM contacts
           WHERE duty = $1 AND erased_at IS NULL
             AND (CASE WHEN $2::uuid[] IS NULL THEN organisation_id IS NULL
                       ELSE organisation_id = ANY($2::uuid[]) END)
           ORDER BY person_id""",
        duty,
        organisation_ids,
    )
    return [
        Person(person_id=r["person_id"], language=r["language"], sealed_details=r["sealed_details"])
        for r in rows
    ]


async def erase_contact(conn: asyncpg.Connection, person_id: UUID, at: datetime) -> int:
    """Erase a person's details from the contacts naming them; how many rows were touched."""
    status: str = await conn.execute(
        """UPDATE contacts SET name = NULL, email = NULL, phone = NULL, erased_at = $2
           WHERE person_id = $1 AND erased_at IS NULL""",
        person_id,
        at,
    )
    return int(status.rsplit(" ", 1)[1])


async def insert_offering(conn: asyncpg.Connection, offering: Offering) -> None:
    """Store a new offering."""
    await conn.execute(
        """INSERT INTO offerings (id, kind, organisation_id, created_at, title_fi, title_en,
               title_sv, description_fi, description_en, description_sv, disciplines, keywords,
               stages, trl_min, trl_max, pricing, prices, lead_time_days, contact_email,
               location, bookable_unit, capacity, owner_approves, training_required,
               keyword_text, analysed_terms, status, version, published_at, retired_at,
               retire_reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
               $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31)""",
        offering.id,
        offering.kind.value,
        offering.organisation.organisation_id,
        offering.created_at,
        *_details(offering.details),
        *_state(offering),
    )


async def update_offering(conn: asyncpg.Connection, offering: Offering) -> None:
    """Save a change of an offering read at `offering.version - 1`; ConcurrentChange when
    another unit of work saved one since."""
    status = await conn.execute(
        """UPDATE offerings SET title_fi = $2, title_en = $3, title_sv = $4,
               description_fi = $5, description_en = $6, description_sv = $7,
               disciplines = $8, keywords = $9, stages = $10, trl_min = $11, trl_max = $12,
               pricing = $13, prices = $14, lead_time_days = $15, contact_email = $16,
               location = $17, bookable_unit = $18, capacity = $19, owner_approves = $20,
               training_required = $21, keyword_text = $22, analysed_terms = $23,
               status = $24, version = $25, published_at = $26, retired_at = $27,
               retire_reason = $28
           WHERE id = $1 AND version = $25 - 1""",
        offering.id,
        *_details(offering.details),
        *_state(offering),
    )
    expect_changed(status, "offering", offering.id, offering.version - 1)


def _details(d: OfferingDetails) -> tuple[object, ...]:
    env = d.environment
    prices = {k: None if v is None else str(v) for k, v in vars(d.prices).items()}
    return (
        d.title_fi,
        d.title_en,
        d.title_sv,
        d.description_fi,
        d.description_en,
        d.description_sv,
        [x.value for x in d.disciplines],
        list(d.keywords),
        [s.value for s in d.stages],
        d.trl_min,
        d.trl_max,
        d.pricing.value,
        orjson.dumps(prices).decode(),
        d.lead_time_days,
        d.contact_email,
        None if env is None else env.location,
        None if env is None else env.bookable_unit.value,
        None if env is None else env.capacity,
        None if env is None else env.owner_approves,
        None if env is None else env.training_required,
        " ".join(d.keywords),
        analysed_terms([d.title_fi, " ".join(d.keywords), d.description_fi]),
    )


def _state(o: Offering) -> tuple[object, ...]:
    return (o.status.value, o.version, o.published_at, o.retired_at, o.retire_reason)


async def list_offerings(
    db: Db, organisation: str, page: PageRequest, status: OfferingStatus | None
) -> tuple[list[Offering], str | None]:
    """A page of one organisation's offerings, newest first unless asked otherwise."""
    rows, next_cursor = await fetch_page(
        db,
        f"SELECT * FROM (SELECT {OFFERING_COLUMNS} FROM {OFFERINGS}) offerings",
        {"short_name": organisation, "status": None if status is None else status.value},
        page,
        Keyset("created_at", "id"),
    )
    return [to_offering(r) for r in rows], next_cursor


async def get_offering(db: Db, offering_id: UUID) -> Offering | None:
    """A stored offering, or None."""
    row = await db.fetchrow(
        f"SELECT {OFFERING_COLUMNS} FROM {OFFERINGS} WHERE o.id = $1", offering_id
    )
    return None if row is None else to_offering(row)


def to_offering(row: asyncpg.Record) -> Offering:
    """An offering from a row selected with OFFERING_COLUMNS."""
    prices = orjson.loads(row["prices"])
    environment = None
    if row["kind"] == OfferingKind.environment:
        environment = EnvironmentDetails(
            location=row["location"] or "",
            bookable_unit=BookableUnit(row["bookable_unit"]),
            capacity=row["capacity"],
            owner_approves=row["owner_approves"],
            training_required=row["training_required"],
        )
    details = OfferingDetails(
        title_fi=row["title_fi"],
        title_en=row["title_en"],
        title_sv=row["title_sv"],
        description_fi=row["description_fi"],
        description_en=row["description_en"],
        description_sv=row["description_sv"],
        stages=tuple(Stage(s) for s in row["stages"]),
        trl_min=row["trl_min"],
        trl_max=row["trl_max"],
        pricing=Pricing(row["pricing"]),
        lead_time_days=row["lead_time_days"],
        contact_email=row["contact_email"],
        disciplines=tuple(Discipline(x) for x in row["disciplines"]),
        keywords=tuple(row["keywords"]),
        prices=Prices(**{k: None if v is None else Decimal(v) for k, v in prices.items()}),
        environment=environment,
    )
    return Offering(
        id=row["id"],
        kind=OfferingKind(row["kind"]),
        organisation=Organisation(
            organisation_id=row["organisation_id"], name=row["organisation_name"]
        ),
        organisation_short_name=row["short_name"],
        details=details,
        created_at=row["created_at"],
        status=OfferingStatus(row["status"]),
        version=row["version"],
        published_at=row["published_at"],
        retired_at=row["retired_at"],
        retire_reason=row["retire_reason"],
    )


async def funding_instruments(db: Db) -> list[FundingInstrument]:
    """Every funding instrument, by name."""
    rows = await db.fetch("SELECT * FROM funding_instruments ORDER BY name")
    return [
        FundingInstrument(
            id=r["id"],
            name=r["name"],
            provider=r["provider"],
            description=r["description"],
            stages=tuple(Stage(s) for s in r["stages"]),
            max_company_age_years=r["max_company_age_years"],
            max_employees=r["max_employees"],
            max_amount_eur=r["max_amount_eur"],
            max_rate_percent=r["max_rate_percent"],
            buys_research_services=r["buys_research_services"],
            cross_border=r["cross_border"],
            url=r["url"],
        )
        for r in rows
    ]
