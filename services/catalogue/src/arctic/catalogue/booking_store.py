"""The SQL of bookings, free slots and the benefit report."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

import asyncpg
from asyncpg.types import Range

from arctic.catalogue.bookings import Booking, BookingOverlaps, BookingStatus, Environment
from arctic.catalogue.store import Db
from arctic.contracts.events import BookingPeriod
from arctic.contracts.vocabulary import BookingSide, CompanyRef, ContactPerson, Organisation, Person
from arctic.runtime.pagination import Keyset, PageRequest, fetch_page
from arctic.runtime.unit_of_work import expect_changed

BY_REQUESTED = Keyset("requested_at", "id")
HOLDS_PERIOD = ("confirmed", "completed")
_COLUMNS = """b.id, b.environment_id, b.user_organisation_id, b.customer_name,
    b.customer_business_id, b.requester_person_id, b.requester_language, b.requester_sealed,
    b.requester_name, b.requester_email, b.requester_phone, b.period, b.purpose, b.status,
    b.version, b.requested_at, b.decided_at, b.cancelled_by, b.reason, b.hours_used,
    b.completed_at, e.title_en AS environment_name, e.organisation_id AS owner_id,
    owner.short_name AS owner_short_name, owner.name_en AS owner_name,
    e.owner_approves, usr.short_name AS user_short_name, usr.name_en AS user_name"""
_FROM = """bookings b JOIN offerings e ON e.id = b.environment_id
    JOIN organisations owner ON owner.id = e.organisation_id
    JOIN organisations usr ON usr.id = b.user_organisation_id"""


async def environment(db: Db, offering_id: UUID) -> Environment | None:
    """The published environment of this id, or None."""
    row = await db.fetchrow(
        """SELECT o.id, o.title_en, o.owner_approves, g.id AS owner_id, g.short_name,
                  g.name_en FROM offerings o JOIN organisations g ON g.id = o.organisation_id
           WHERE o.id = $1 AND o.kind = 'environment' AND o.status = 'published'""",
        offering_id,
    )
    if row is None:
        return None
    owner = Organisation(organisation_id=row["owner_id"], name=row["name_en"])
    return Environment(row["id"], row["title_en"], owner, row["short_name"], row["owner_approves"])


async def insert_booking(conn: asyncpg.Connection, booking: Booking) -> None:
    """Store a new booking."""
    person, requester = booking.requested_by, booking.requester
    assert requester is not None, "a new booking has its requester in clear"
    customer = booking.customer
    await conn.execute(
        """INSERT INTO bookings (id, environment_id, user_organisation_id, customer_name,
               customer_business_id, requester_person_id, requester_language, requester_sealed,
               requester_name, requester_email, requester_phone, period, purpose, requested_at,
               status, version, decided_at, cancelled_by, reason, hours_used, completed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
               $18, $19, $20, $21)""",
        booking.id,
        booking.environment.id,
        booking.user_organisation.organisation_id,
        None if customer is None else customer.name,
        None if customer is None else customer.business_id,
        person.person_id,
        person.language.value,
        person.sealed_details,
        requester.name,
        requester.email,
        requester.phone,
        Range(booking.period.starts_at, booking.period.ends_at),
        booking.purpose,
        booking.requested_at,
        *_state(booking),
    )


async def update_booking(conn: asyncpg.Connection, booking: Booking) -> None:
    """Save a change of a booking read at `booking.version - 1`: ConcurrentChange when another
    unit of work saved one since, BookingOverlaps (naming the other booking) when the change
    would make its period overlap a confirmed one."""
    try:
        async with conn.transaction():  # a savepoint: the overlap can be looked up after it
            status = await conn.execute(
                """UPDATE bookings SET status = $2, version = $3, decided_at = $4,
                       cancelled_by = $5, reason = $6, hours_used = $7, completed_at = $8
                   WHERE id = $1 AND version = $3 - 1""",
                booking.id,
                *_state(booking),
            )
    except asyncpg.ExclusionViolationError:
        raise await _overlap(conn, booking.environment.id, booking.period, booking.id) from None
    expect_changed(status, "booking", booking.id, booking.version - 1)


def _state(b: Booking) -> tuple[object, ...]:
    side = None if b.cancelled_by is None else b.cancelled_by.value
    return (b.status.value, b.version, b.decided_at, side, b.reason, b.hours_used, b.completed_at)


async def _overlap(
    db: Db, environment_id: UUID, period: BookingPeriod, besides: UUID | None = None
) -> BookingOverlaps:
    row = await db.fetchrow(
        """SELECT id, lower(period) AS starts_at, upper(period) AS ends_at FROM bookings
           WHERE environment_id = $1 AND status = ANY($2::text[]) AND period && $3
             AND id IS DISTINCT FROM $4 ORDER BY lower(period) LIMIT 1""",
        environment_id,
        list(HOLDS_PERIOD),
        Range(period.starts_at, period.ends_at),
        besides,
    )
    if row is None:
        return BookingOverlaps(None, None)
    return BookingOverlaps(
        row["id"], BookingPeriod(starts_at=row["starts_at"], ends_at=row["ends_at"])
    )


async def check_free(db: Db, environment_id: UUID, period: BookingPeriod) -> None:
    """BookingOverlaps when a confirmed booking holds part of the period now (a request is
    refused early; confirming is what the database guards)."""
    overlap = await _overlap(db, environment_id, period)
    if overlap.conflicting is not None:
        raise overlap


async def get_booking(db: Db, booking_id: UUID) -> Booking | None:
    """A stored booking, or None."""
    row = await db.fetchrow(f"SELECT {_COLUMNS} FROM {_FROM} WHERE b.id = $1", booking_id)
    return None if row is None else _to_booking(row)


async def list_bookings(
    db: Db, page: PageRequest, environment_id: UUID | None, status: BookingStatus | None
) -> tuple[list[Booking], str | None]:
    """A page of bookings, newest first unless asked otherwise."""
    rows, next_cursor = await fetch_page(
        db,
        f"SELECT * FROM (SELECT {_COLUMNS} FROM {_FROM}) bookings",
        {
            "environment_id": environment_id,
            "status": None if status is None else status.value,
        },
        page,
        BY_REQUESTED,
    )
    return [_to_booking(r) for r in rows], next_cursor


async def held_periods(
    db: Db, environment_id: UUID, starts_at: datetime, ends_at: datetime
) -> list[tuple[datetime, datetime]]:
    """The confirmed periods of an environment that touch [starts_at, ends_at)."""
    rows = await db.fetch(
        """SELECT lower(period) AS s, upper(period) AS e FROM bookings
           WHERE environment_id = $1 AND status = ANY($2::text[]) AND period && $3
           ORDER BY lower(period)""",
        environment_id,
        list(HOLDS_PERIOD),
        Range(starts_at, ends_at),
    )
    return [(r["s"], r["e"]) for r in rows]


async def benefit(db: Db, year: int) -> list[asyncpg.Record]:
    """Per owning organisation and user (another organisation, or companies through it) in
    `year` (Helsinki time): completed bookings, hours booked and used, customers served."""
    return list(
        await db.fetch(
            """SELECT owner.short_name AS owner, usr.short_name AS user_organisation,
                      count(*) AS bookings,
                      sum(extract(epoch FROM upper(b.period) - lower(b.period)) / 3600)
                          ::numeric(12, 2) AS hours_booked,
                      sum(b.hours_used)::numeric(12, 2) AS hours_used,
                      coalesce(sum(b.hours_used) FILTER (WHERE b.customer_business_id IS NOT NULL),
                               0)::numeric(12, 2) AS hours_for_companies,
                      count(DISTINCT b.customer_business_id) AS customers_served
               FROM bookings b JOIN offerings e ON e.id = b.environment_id
               JOIN organisations owner ON owner.id = e.organisation_id
               JOIN organisations usr ON usr.id = b.user_organisation_id
               WHERE b.status = 'completed'
                 AND extract(year FROM lower(b.period) AT TIME ZONE 'Europe/Helsinki') = $1
               GROUP BY owner.short_name, usr.short_name
               ORDER BY owner.short_name, usr.short_name""",
            year,
        )
    )


async def erase_requester(conn: asyncpg.Connection, person_id: UUID, at: datetime) -> int:
    """Erase a requester's details from the bookings naming them; how many."""
    status: str = await conn.execute(
        """UPDATE bookings SET requester_name = NULL, requester_email = NULL,
               requester_phone = NULL, requester_erased_at = $2
           WHERE requester_person_id = $1 AND requester_erased_at IS NULL""",
        person_id,
        at,
    )
    return int(status.rsplit(" ", 1)[1])


def _to_booking(row: asyncpg.Record) -> Booking:
    owner = Organisation(organisation_id=row["owner_id"], name=row["owner_name"])
    customer = None
    if row["customer_business_id"] is not None:
        customer = CompanyRef(name=row["customer_name"], business_id=row["customer_business_id"])
    period: Range = row["period"]
    hours_used: Decimal | None = row["hours_used"]
    return Booking(
        id=row["id"],
        environment=Environment(
            row["environment_id"],
            row["environment_name"],
            owner,
            row["owner_short_name"],
            row["owner_approves"],
        ),
        user_organisation=Organisation(
            organisation_id=row["user_organisation_id"], name=row["user_name"]
        ),
        user_short_name=row["user_short_name"],
        customer=customer,
        requested_by=Person(
            person_id=row["requester_person_id"],
            language=row["requester_language"],
            sealed_details=row["requester_sealed"],
        ),
        requester=None
        if row["requester_email"] is None
        else ContactPerson(
            name=row["requester_name"],
            email=row["requester_email"],
            phone=row["requester_phone"],
            language=row["requester_language"],
        ),
        period=BookingPeriod(starts_at=period.lower, ends_at=period.upper),
        purpose=row["purpose"],
        requested_at=row["requested_at"],
        status=BookingStatus(row["status"]),
        version=row["version"],
        decided_at=row["decided_at"],
        cancelled_by=None if row["cancelled_by"] is None else BookingSide(row["cancelled_by"]),
        reason=row["reason"],
        hours_used=hours_used,
        completed_at=row["completed_at"],
    )
