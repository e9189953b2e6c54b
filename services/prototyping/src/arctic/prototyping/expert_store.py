"""The SQL of the expert pool: experts, their absences and their assignments to teams."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from arctic.contracts.vocabulary import ContactPerson, Discipline, Person
from arctic.prototyping.experts import ExpertRecord
from arctic.prototyping.pool import DateRange, PoolExpert
from arctic.prototyping.store import Db
from arctic.runtime.pagination import Keyset, PageRequest, fetch_page
from arctic.runtime.unit_of_work import expect_changed

BY_CREATED = Keyset("created_at", "id")
_COLUMNS = """id, person_id, language, sealed, name, email, phone, disciplines, capacity,
    permanent_staff, absences, version, created_at, updated_at"""
_LOAD = """(SELECT count(*) FROM assignments a
            WHERE a.expert_id = experts.id AND a.released_at IS NULL) AS active_prototypes"""


class ExpertAlreadyInPool(Exception):
    """Another expert of the pool has the same e-mail address (the same person)."""

    def __init__(self) -> None:
        super().__init__("an expert with this e-mail address is in the pool already")


async def insert_expert(conn: asyncpg.Connection, expert: ExpertRecord) -> None:
    """Store a new expert; ExpertAlreadyInPool when the person is in the pool already."""
    try:
        await conn.execute(
            f"INSERT INTO experts ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
            "$11, $12, $13, $14)",
            *_values(expert),
        )
    except asyncpg.UniqueViolationError as error:
        raise ExpertAlreadyInPool() from error


async def update_expert(conn: asyncpg.Connection, expert: ExpertRecord) -> None:
    """Save a change read at `expert.version - 1` (ConcurrentChange otherwise)."""
    try:
        status = await conn.execute(
            """UPDATE experts SET person_id = $2, language = $3, sealed = $4, name = $5,
                   email = $6, phone = $7, disciplines = $8, capacity = $9,
                   permanent_staff = $10, absences = $11, version = $12, erased_at = NULL,
                   updated_at = $13
               WHERE id = $1 AND version = $12 - 1""",
            *_values(expert)[:12],
            expert.updated_at,
        )
    except asyncpg.UniqueViolationError as error:
        raise ExpertAlreadyInPool() from error
    expect_changed(status, "expert", expert.id, expert.version - 1)


def _values(expert: ExpertRecord) -> tuple[object, ...]:
    person, details = expert.person, expert.details
    return (
        expert.id,
        person.person_id,
        person.language.value,
        person.sealed_details,
        None if details is None else details.name,
        None if details is None else details.email,
        None if details is None else details.phone,
        [d.value for d in expert.disciplines],
        expert.capacity,
        expert.permanent_staff,
        orjson.dumps(
            [[a.starts_on.isoformat(), a.ends_on.isoformat()] for a in expert.absences]
        ).decode(),
        expert.version,
        expert.created_at,
        expert.updated_at,
    )


async def get_expert(db: Db, expert_id: UUID) -> ExpertRecord | None:
    """A stored expert, or None."""
    row = await db.fetchrow(f"SELECT {_COLUMNS}, {_LOAD} FROM experts WHERE id = $1", expert_id)
    return None if row is None else _to_expert(row)


async def list_experts(
    db: Db, page: PageRequest, discipline: Discipline | None = None
) -> tuple[list[ExpertRecord], str | None]:
    """A page of the pool (newest first unless asked otherwise), or of one discipline's."""
    select = f"SELECT * FROM (SELECT {_COLUMNS}, {_LOAD} FROM experts"
    if discipline is not None:
        select += f" WHERE '{discipline.value}' = ANY(disciplines)"
    rows, next_cursor = await fetch_page(db, select + ") AS pool", {}, page, BY_CREATED)
    return [_to_expert(row) for row in rows], next_cursor


async def pool_for_assembly(conn: asyncpg.Connection, lock: bool) -> list[PoolExpert]:
    """The whole pool with each expert's active bookings; with `lock`, every expert row is
    locked until the transaction ends, so that two team assemblies (or an assembly and an
    expert's change) take turns and never book an expert past capacity."""
    if lock:
        await conn.execute("SELECT id FROM experts ORDER BY id FOR UPDATE")
    rows = await conn.fetch(
        """SELECT e.id, e.person_id, e.language, e.sealed, e.erased_at, e.disciplines,
                  e.capacity, e.absences,
                  coalesce(array_agg(a.starts_on) FILTER (WHERE a.expert_id IS NOT NULL), '{}')
                      AS booked_from,
                  coalesce(array_agg(a.due_on) FILTER (WHERE a.expert_id IS NOT NULL), '{}')
                      AS booked_to
           FROM experts e
           LEFT JOIN assignments a ON a.expert_id = e.id AND a.released_at IS NULL
           GROUP BY e.id ORDER BY e.id"""
    )
    return [
        PoolExpert(
            id=row["id"],
            person=None
            if row["erased_at"] is not None
            else Person(
                person_id=row["person_id"],
                language=row["language"],
                sealed_details=row["sealed"],
            ),
            disciplines=frozenset(Discipline(d) for d in row["disciplines"]),
            capacity=row["capacity"],
            absences=_absences(row["absences"]),
            bookings=tuple(
                DateRange(first, last)
                for first, last in zip(row["booked_from"], row["booked_to"], strict=True)
            ),
        )
        for row in rows
    ]


async def assign(
    conn: asyncpg.Connection, request_id: UUID, expert_ids: Sequence[UUID], box: tuple[date, date]
) -> None:
    """Book the experts for the request's time-box."""
    await conn.executemany(
        """INSERT INTO assignments (request_id, expert_id, starts_on, due_on)
           VALUES ($1, $2, $3, $4)""",
        [(request_id, expert_id, *box) for expert_id in expert_ids],
    )


async def release(conn: asyncpg.Connection, request_id: UUID, at: datetime) -> int:
    """Free the team of a delivered prototype; how many experts were freed."""
    status: str = await conn.execute(
        "UPDATE assignments SET released_at = $2 WHERE request_id = $1 AND released_at IS NULL",
        request_id,
        at,
    )
    return int(status.rsplit(" ", 1)[1])


async def erase_expert(conn: asyncpg.Connection, person_id: UUID, at: datetime) -> int:
    """Erase an expert's details (the sealed form stays, unreadable without the key); an
    erased expert joins no team any more. How many experts were touched."""
    status: str = await conn.execute(
        """UPDATE experts SET name = NULL, email = NULL, phone = NULL, erased_at = $2
           WHERE person_id = $1 AND erased_at IS NULL""",
        person_id,
        at,
    )
    return int(status.rsplit(" ", 1)[1])


def _absences(value: Any) -> tuple[DateRange, ...]:
    return tuple(
        DateRange(date.fromisoformat(first), date.fromisoformat(last))
        for first, last in orjson.loads(value)
    )


def _to_expert(row: asyncpg.Record) -> ExpertRecord:
    details = None
    if row["email"] is not None:
        details = ContactPerson(
            name=row["name"], email=row["email"], phone=row["phone"], language=row["language"]
        )
    return ExpertRecord(
        id=row["id"],
        person=Person(
            person_id=row["person_id"], language=row["language"], sealed_details=row["sealed"]
        ),
        details=details,
        disciplines=[Discipline(d) for d in row["disciplines"]],
        capacity=row["capacity"],
        permanent_staff=row["permanent_staff"],
        absences=_absences(row["absences"]),
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        active_prototypes=row["active_prototypes"],
    )
