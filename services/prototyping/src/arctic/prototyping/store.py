"""The SQL of prototyping."""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias
from uuid import UUID

import asyncpg
import orjson

from arctic.contracts.events import Suggestion
from arctic.contracts.vocabulary import Company, ContactPerson, Discipline, Person, Stage
from arctic.prototyping.domain import PrototypeRequest, Rejection, RequestStatus
from arctic.runtime.pagination import Keyset, PageRequest, fetch_page
from arctic.runtime.unit_of_work import expect_changed

Db: TypeAlias = asyncpg.Connection | asyncpg.Pool
BY_REQUESTED = Keyset("requested_at", "id")
_COLUMNS = """id, company_name, business_id, contact_person_id, contact_language,
    contact_sealed, contact_name, contact_email, contact_phone,
    title, problem, disciplines, stage, showcase_consent, origin_inquiry_id, status, requested_at,
    version, decided_at, confirmed_disciplines, rejection_reason, suggestions"""


async def insert_request(conn: asyncpg.Connection, request: PrototypeRequest) -> None:
    """Store a new request."""
    person, contact = request.company.contact, request.contact
    assert contact is not None, "a new request has its contact in clear"
    await conn.execute(
        f"INSERT INTO prototype_requests ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
        "$9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
        request.id,
        request.company.name,
        request.company.business_id,
        person.person_id,
        person.language.value,
        person.sealed_details,
        contact.name,
        contact.email,
        contact.phone,
        request.title,
        request.problem,
        [d.value for d in request.disciplines],
        request.stage.value,
        request.showcase_consent,
        request.origin_inquiry_id,
        *_decision(request),
    )


async def update_request(conn: asyncpg.Connection, request: PrototypeRequest) -> None:
    """Save a change of a request read at `request.version - 1`; ConcurrentChange when another
    unit of work saved one since."""
    status = await conn.execute(
        """UPDATE prototype_requests SET status = $2, requested_at = $3, version = $4,
               decided_at = $5, confirmed_disciplines = $6, rejection_reason = $7,
               suggestions = $8
           WHERE id = $1 AND version = $4 - 1""",
        request.id,
        *_decision(request),
    )
    expect_changed(status, "prototype request", request.id, request.version - 1)


def _decision(request: PrototypeRequest) -> tuple[object, ...]:
    """The values of the columns a change can touch, from `status` on."""
    rejection = request.rejection
    return (
        request.status.value,
        request.requested_at,
        request.version,
        request.decided_at,
        [d.value for d in request.confirmed_disciplines],
        None if rejection is None else rejection.reason,
        None
        if rejection is None
        else orjson.dumps([s.model_dump(mode="json") for s in rejection.suggestions]).decode(),
    )


async def get_request(db: Db, request_id: UUID) -> PrototypeRequest | None:
    """A stored request, or None."""
    row = await db.fetchrow(f"SELECT {_COLUMNS} FROM prototype_requests WHERE id = $1", request_id)
    return None if row is None else _to_request(row)


async def list_requests(
    db: Db, page: PageRequest, status: RequestStatus | None = None
) -> tuple[list[PrototypeRequest], str | None]:
    """A page of requests, newest first unless asked otherwise, of one status or all."""
    rows, next_cursor = await fetch_page(
        db,
        f"SELECT {_COLUMNS} FROM prototype_requests",
        {"status": None if status is None else status.value},
        page,
        BY_REQUESTED,
    )
    return [_to_request(row) for row in rows], next_cursor


async def erase_contact(conn: asyncpg.Connection, person_id: UUID, at: datetime) -> int:
    """Erase a contact person's details from every request naming them (the sealed form,
    unreadable once their key is gone, stays for the request's later events); return how
    many requests were touched."""
    status: str = await conn.execute(
        """UPDATE prototype_requests
           SET contact_name = NULL, contact_email = NULL, contact_phone = NULL,
               contact_erased_at = $2
           WHERE contact_person_id = $1 AND contact_erased_at IS NULL""",
        person_id,
        at,
    )
    return int(status.rsplit(" ", 1)[1])


def _to_request(row: asyncpg.Record) -> PrototypeRequest:
    rejection = None
    if row["rejection_reason"] is not None:
        suggestions = orjson.loads(row["suggestions"] or "[]")
        rejection = Rejection(
            row["rejection_reason"], tuple(Suggestion.model_validate(s) for s in suggestions)
        )
    return PrototypeRequest(
        id=row["id"],
        company=Company(
            name=row["company_name"],
            business_id=row["business_id"],
            contact=Person(
                person_id=row["contact_person_id"],
                language=row["contact_language"],
                sealed_details=row["contact_sealed"],
            ),
        ),
        contact=None
        if row["contact_email"] is None
        else ContactPerson(
            name=row["contact_name"],
            email=row["contact_email"],
            phone=row["contact_phone"],
            language=row["contact_language"],
        ),
        title=row["title"],
        problem=row["problem"],
        disciplines=[Discipline(d) for d in row["disciplines"]],
        stage=Stage(row["stage"]),
        showcase_consent=row["showcase_consent"],
        origin_inquiry_id=row["origin_inquiry_id"],
        requested_at=row["requested_at"],
        status=RequestStatus(row["status"]),
        version=row["version"],
        decided_at=row["decided_at"],
        confirmed_disciplines=[Discipline(d) for d in row["confirmed_disciplines"]],
        rejection=rejection,
    )
