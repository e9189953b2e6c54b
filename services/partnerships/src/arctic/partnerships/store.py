"""The SQL of the programme: persons, partners, competence groups and each partner's
history; what the other stores share."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeAlias
from uuid import UUID, uuid4

import asyncpg
import orjson

from arctic.contracts.vocabulary import ContactPerson, Person
from arctic.partnerships.programme import (
    CompetenceGroup,
    Partner,
)
from arctic.runtime.pagination import Keyset, PageRequest, fetch_page
from arctic.runtime.unit_of_work import expect_changed

Db: TypeAlias = asyncpg.Connection | asyncpg.Pool


def dump(value: Any) -> str:
    """A model (or a list of them) as jsonb text."""
    if isinstance(value, list):
        return orjson.dumps([v.model_dump(mode="json") for v in value]).decode()
    return str(value.model_dump_json())


def person(value: str | None) -> Person | None:
    """A `Person` from its jsonb text."""
    return None if value is None else Person.model_validate_json(value)


def required(value: str) -> Person:
    """A `Person` from the jsonb text of a column that always names one."""
    return Person.model_validate_json(value)


def persons(value: str) -> list[Person]:
    """`Person`s from their jsonb text."""
    return [Person.model_validate(p) for p in orjson.loads(value)]


async def keep_person(
    conn: asyncpg.Connection, sealed: Person, clear: ContactPerson, at: datetime
) -> None:
    """Keep a person in clear (where erasure finds them), or refresh their details; a person
    already erased stays erased."""
    await conn.execute(
        """INSERT INTO persons (person_id, language, sealed_details, name, email, phone, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (person_id) DO UPDATE SET language = EXCLUDED.language,
               sealed_details = EXCLUDED.sealed_details, name = EXCLUDED.name,
               email = EXCLUDED.email, phone = EXCLUDED.phone, updated_at = EXCLUDED.updated_at
           WHERE persons.erased_at IS NULL""",
        sealed.person_id,
        sealed.language.value,
        sealed.sealed_details,
        clear.name,
        clear.email,
        clear.phone,
        at,
    )


async def details(db: Db, person_ids: Iterable[UUID]) -> dict[UUID, ContactPerson]:
    """The persons' details in clear, of those not erased."""
    rows = await db.fetch(
        """SELECT person_id, language, name, email, phone FROM persons
           WHERE person_id = ANY($1::uuid[]) AND erased_at IS NULL""",
        list(set(person_ids)),
    )
    return {
        r["person_id"]: ContactPerson(
            name=r["name"], email=r["email"], phone=r["phone"], language=r["language"]
        )
        for r in rows
    }


async def erase_person(conn: asyncpg.Connection, person_id: UUID, at: datetime) -> int:
    """Empty a person's details in clear; how many rows were touched (the sealed copies
    elsewhere are unreadable once their key is gone)."""
    status: str = await conn.execute(
        """UPDATE persons SET name = NULL, email = NULL, phone = NULL, erased_at = $2
           WHERE person_id = $1 AND erased_at IS NULL""",
        person_id,
        at,
    )
    return int(status.rsplit(" ", 1)[1])


_PARTNER = "id, name, business_id, sector, focus_areas, contacts, created_at, version"


async def insert_partner(conn: asyncpg.Connection, partner: Partner) -> bool:
    """Store a new partner; False when its business id is taken."""
    row = await conn.fetchval(
        f"""INSERT INTO partners ({_PARTNER}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (business_id) DO NOTHING RETURNING id""",
        partner.id,
        partner.name,
        partner.business_id,
        partner.sector,
        partner.focus_areas,
        dump(partner.contacts),
        partner.created_at,
        partner.version,
    )
    return row is not None


async def update_partner(conn: asyncpg.Connection, partner: Partner) -> None:
    """Save a change of a partner read at `version - 1`."""
    status = await conn.execute(
        """UPDATE partners SET contacts = $2, focus_areas = $3, version = $4
           WHERE id = $1 AND version = $4 - 1""",
        partner.id,
        dump(partner.contacts),
        partner.focus_areas,
        partner.version,
    )
    expect_changed(status, "partner", partner.id, partner.version - 1)


async def get_partner(db: Db, partner_id: UUID) -> Partner | None:
    """A partner, or None."""
    row = await db.fetchrow(f"SELECT {_PARTNER} FROM partners WHERE id = $1", partner_id)
    return None if row is None else _to_partner(row)


async def partner_by_business_id(db: Db, business_id: str) -> Partner | None:
    """The partner with this business id, or None."""
    row = await db.fetchrow(f"SELECT {_PARTNER} FROM partners WHERE business_id = $1", business_id)
    return None if row is None else _to_partner(row)


async def partners_by_id(db: Db, partner_ids: Iterable[UUID]) -> dict[UUID, Partner]:
    """Partners by their ids."""
    rows = await db.fetch(
        f"SELECT {_PARTNER} FROM partners WHERE id = ANY($1::uuid[])", list(set(partner_ids))
    )
    return {r["id"]: _to_partner(r) for r in rows}


async def list_partners(db: Db, page: PageRequest) -> tuple[list[Partner], str | None]:
    """A page of partners."""
    rows, cursor = await fetch_page(
        db, f"SELECT {_PARTNER} FROM partners", {}, page, Keyset("created_at", "id")
    )
    return [_to_partner(r) for r in rows], cursor


def _to_partner(row: asyncpg.Record) -> Partner:
    return Partner(
        row["id"],
        row["name"],
        row["business_id"],
        row["sector"],
        list(row["focus_areas"]),
        persons(row["contacts"]),
        row["created_at"],
        row["version"],
    )


async def insert_group(conn: asyncpg.Connection, group: CompetenceGroup) -> bool:
    """Store a new competence group; False when its name is taken."""
    row = await conn.fetchval(
        """INSERT INTO competence_groups (id, name, owner, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (name) DO NOTHING RETURNING id""",
        group.id,
        group.name,
        dump(group.owner),
        group.created_at,
    )
    return row is not None


async def get_group(db: Db, group_id: UUID) -> CompetenceGroup | None:
    """A competence group, or None."""
    row = await db.fetchrow("SELECT * FROM competence_groups WHERE id = $1", group_id)
    return None if row is None else _to_group(row)


async def list_groups(db: Db, page: PageRequest) -> tuple[list[CompetenceGroup], str | None]:
    """A page of competence groups."""
    rows, cursor = await fetch_page(
        db, "SELECT * FROM competence_groups", {}, page, Keyset("created_at", "id")
    )
    return [_to_group(r) for r in rows], cursor


def _to_group(row: asyncpg.Record) -> CompetenceGroup:
    return CompetenceGroup(row["id"], row["name"], required(row["owner"]), row["created_at"])


async def add_history(
    conn: asyncpg.Connection,
    partner_id: UUID,
    occurred_at: datetime,
    kind: str,
    source_key: str,
    title: str,
    history_details: dict[str, Any] | None = None,
) -> bool:
    """Add a fact to the partner's history, once per `source_key`; whether it was new."""
    row = await conn.fetchval(
        """INSERT INTO partner_history (id, partner_id, occurred_at, kind, source_key, title,
               details) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (source_key) DO NOTHING RETURNING id""",
        uuid4(),
        partner_id,
        occurred_at,
        kind,
        source_key,
        title,
        orjson.dumps(history_details or {}).decode(),
    )
    return row is not None


async def replace_history(
    conn: asyncpg.Connection,
    partner_id: UUID,
    occurred_at: datetime,
    kind: str,
    source_key: str,
    title: str,
    history_details: dict[str, Any],
) -> None:
    """Add a fact to the partner's history, or replace the one of `source_key` (a reply
    changed)."""
    await conn.execute(
        """INSERT INTO partner_history (id, partner_id, occurred_at, kind, source_key, title,
               details) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (source_key) DO UPDATE SET occurred_at = EXCLUDED.occurred_at,
               title = EXCLUDED.title, details = EXCLUDED.details""",
        uuid4(),
        partner_id,
        occurred_at,
        kind,
        source_key,
        title,
        orjson.dumps(history_details).decode(),
    )


async def history(
    db: Db, partner_id: UUID, page: PageRequest
) -> tuple[list[asyncpg.Record], str | None]:
    """A page of a partner's history."""
    return await fetch_page(
        db,
        "SELECT id, occurred_at, kind, title, details FROM partner_history",
        {"partner_id": partner_id},
        page,
        Keyset("occurred_at", "id"),
    )
