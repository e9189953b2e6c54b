"""The SQL of needs and negotiations."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from arctic.contracts.events import CompetenceGroup as CompetenceGroupRef
from arctic.contracts.events import Partner as PartnerRef
from arctic.partnerships.programme import (
    Need,
    NeedStatus,
    Negotiation,
    NegotiationStatus,
)
from arctic.partnerships.store import Db, dump, required
from arctic.runtime.pagination import Keyset, PageRequest, fetch_page
from arctic.runtime.unit_of_work import expect_changed


async def insert_need(conn: asyncpg.Connection, need: Need) -> None:
    """Store a new need."""
    await conn.execute(
        """INSERT INTO needs (id, partner_id, partner, competence_group, description, raised_by,
               status, version, raised_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        need.id,
        need.partner.partner_id,
        dump(need.partner),
        dump(need.competence_group),
        need.description,
        dump(need.raised_by),
        need.status.value,
        need.version,
        need.raised_at,
    )


async def update_need(conn: asyncpg.Connection, need: Need) -> None:
    """Save a change of a need read at `version - 1`."""
    status = await conn.execute(
        "UPDATE needs SET status = $2, version = $3 WHERE id = $1 AND version = $3 - 1",
        need.id,
        need.status.value,
        need.version,
    )
    expect_changed(status, "need", need.id, need.version - 1)


async def get_need(db: Db, need_id: UUID) -> Need | None:
    """A need, or None."""
    row = await db.fetchrow("SELECT * FROM needs WHERE id = $1", need_id)
    return None if row is None else _to_need(row)


async def list_needs(
    db: Db, page: PageRequest, status: NeedStatus | None
) -> tuple[list[Need], str | None]:
    """A page of needs, of one status or all."""
    rows, cursor = await fetch_page(
        db,
        "SELECT * FROM needs",
        {"status": None if status is None else status.value},
        page,
        Keyset("raised_at", "id"),
    )
    return [_to_need(r) for r in rows], cursor


def _to_need(row: asyncpg.Record) -> Need:
    return Need(
        row["id"],
        PartnerRef.model_validate_json(row["partner"]),
        CompetenceGroupRef.model_validate_json(row["competence_group"]),
        row["description"],
        required(row["raised_by"]),
        row["raised_at"],
        NeedStatus(row["status"]),
        row["version"],
    )


_NEGOTIATION = """id, need_id, partner_id, partner, focus_areas, goals, uas_contact,
    partner_contact, status, agreement_id, version, started_at, changed_at"""


async def insert_negotiation(conn: asyncpg.Connection, negotiation: Negotiation) -> None:
    """Store a new negotiation."""
    await conn.execute(
        f"""INSERT INTO negotiations ({_NEGOTIATION})
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)""",
        negotiation.id,
        negotiation.need_id,
        negotiation.partner.partner_id,
        dump(negotiation.partner),
        negotiation.focus_areas,
        negotiation.goals,
        dump(negotiation.uas_contact),
        dump(negotiation.partner_contact),
        negotiation.status.value,
        negotiation.agreement_id,
        negotiation.version,
        negotiation.started_at,
        negotiation.changed_at,
    )


async def update_negotiation(conn: asyncpg.Connection, negotiation: Negotiation) -> None:
    """Save a change of a negotiation read at `version - 1`."""
    status = await conn.execute(
        """UPDATE negotiations SET focus_areas = $2, goals = $3, status = $4,
               agreement_id = $5, version = $6, changed_at = $7
           WHERE id = $1 AND version = $6 - 1""",
        negotiation.id,
        negotiation.focus_areas,
        negotiation.goals,
        negotiation.status.value,
        negotiation.agreement_id,
        negotiation.version,
        negotiation.changed_at,
    )
    expect_changed(status, "negotiation", negotiation.id, negotiation.version - 1)


async def get_negotiation(db: Db, negotiation_id: UUID) -> Negotiation | None:
    """A negotiation, or None."""
    row = await db.fetchrow(
        f"SELECT {_NEGOTIATION} FROM negotiations WHERE id = $1", negotiation_id
    )
    return None if row is None else _to_negotiation(row)


async def list_negotiations(
    db: Db, page: PageRequest, status: NegotiationStatus | None
) -> tuple[list[Negotiation], str | None]:
    """A page of negotiations, of one status or all."""
    rows, cursor = await fetch_page(
        db,
        f"SELECT {_NEGOTIATION} FROM negotiations",
        {"status": None if status is None else status.value},
        page,
        Keyset("started_at", "id"),
    )
    return [_to_negotiation(r) for r in rows], cursor


def _to_negotiation(row: asyncpg.Record) -> Negotiation:
    return Negotiation(
        row["id"],
        row["need_id"],
        PartnerRef.model_validate_json(row["partner"]),
        list(row["focus_areas"]),
        list(row["goals"]),
        required(row["uas_contact"]),
        required(row["partner_contact"]),
        row["started_at"],
        NegotiationStatus(row["status"]),
        row["agreement_id"],
        row["version"],
        row["changed_at"],
    )
