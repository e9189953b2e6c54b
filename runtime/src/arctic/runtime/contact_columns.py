"""A company and its contact person kept in a row: the sealed `Person` its events carry and
the clear `ContactPerson` the service keeps until the person is erased.

A table that keeps a company's contact has the columns of `COLUMNS`, in that order, and
`contact_erased_at`; these functions write, read and erase them, so that every service keeps
contacts the same way (docs/personal-data.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from arctic.contracts.vocabulary import Company, ContactPerson, Person

COLUMNS = """company_name, business_id, contact_person_id, contact_language, contact_sealed,
    contact_name, contact_email, contact_phone"""


def contact_values(company: Company, contact: ContactPerson | None) -> tuple[Any, ...]:
    """The values of `COLUMNS` for a company and its contact in clear (None once erased)."""
    person = company.contact
    return (
        company.name,
        company.business_id,
        person.person_id,
        person.language.value,
        person.sealed_details,
        None if contact is None else contact.name,
        None if contact is None else contact.email,
        None if contact is None else contact.phone,
    )


def company_of(row: asyncpg.Record) -> Company:
    """The company of a row, its contact sealed."""
    return Company(
        name=row["company_name"],
        business_id=row["business_id"],
        contact=Person(
            person_id=row["contact_person_id"],
            language=row["contact_language"],
            sealed_details=row["contact_sealed"],
        ),
    )


def contact_of(row: asyncpg.Record) -> ContactPerson | None:
    """The contact of a row in clear; None once they were erased."""
    if row["contact_email"] is None:
        return None
    return ContactPerson(
        name=row["contact_name"],
        email=row["contact_email"],
        phone=row["contact_phone"],
        language=row["contact_language"],
    )


async def erase_contact(conn: asyncpg.Connection, table: str, person_id: UUID, at: datetime) -> int:
    """Erase a contact's details in clear from every row of `table` naming them; the sealed
    form stays for later events and cannot be opened once the person's key is gone. Returns
    how many rows were touched."""
    status: str = await conn.execute(
        f"""UPDATE {table}
           SET contact_name = NULL, contact_email = NULL, contact_phone = NULL,
               contact_erased_at = $2
           WHERE contact_person_id = $1 AND contact_erased_at IS NULL""",
        person_id,
        at,
    )
    return int(status.rsplit(" ", 1)[1])
