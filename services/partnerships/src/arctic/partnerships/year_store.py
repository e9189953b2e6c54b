"""The SQL of the spring partner event and its invitations, and of the social handprint."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg
import orjson

from arctic.contracts.events import Partner
from arctic.partnerships.handprint import Handprint
from arctic.partnerships.store import Db, dump
from arctic.partnerships.valakiat import Invitation, PartnerEvent


async def insert_partner_event(conn: asyncpg.Connection, event: PartnerEvent) -> bool:
    """Store the year's partner event; False when the year has one."""
    row = await conn.fetchval(
        """INSERT INTO partner_events (id, year, name, held_on, location, programme, reply_by,
               created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (year) DO NOTHING RETURNING id""",
        event.id,
        event.year,
        event.name,
        event.held_on,
        event.location,
        event.programme,
        event.reply_by,
        event.created_at,
    )
    return row is not None


async def get_partner_event(db: Db, event_id: UUID) -> PartnerEvent | None:
    """A partner event, or None."""
    row = await db.fetchrow("SELECT * FROM partner_events WHERE id = $1", event_id)
    if row is None:
        return None
    return PartnerEvent(
        row["id"],
        row["year"],
        row["name"],
        row["held_on"],
        row["location"],
        row["programme"],
        row["reply_by"],
        row["created_at"],
    )


async def insert_invitations(conn: asyncpg.Connection, invitations: Sequence[Invitation]) -> None:
    """Store the invitations of a partner event."""
    await conn.executemany(
        """INSERT INTO invitations (id, partner_event_id, agreement_id, partner_id, invitee,
               invitee_id, send_at) VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        [
            (
                i.id,
                i.partner_event_id,
                i.agreement_id,
                i.partner_id,
                dump(i.invitee),
                i.invitee.person_id,
                i.send_at,
            )
            for i in invitations
        ],
    )


async def invitations_of(db: Db, event_id: UUID) -> list[asyncpg.Record]:
    """The invitations of a partner event with their replies."""
    return list(
        await db.fetch(
            """SELECT i.id, i.agreement_id, i.partner_id, i.invitee, i.send_at, i.attending,
                   i.replied_at, p.name AS partner_name, p.business_id
               FROM invitations i JOIN partners p ON p.id = i.partner_id
               WHERE i.partner_event_id = $1 ORDER BY p.name, i.id""",
            event_id,
        )
    )


async def invitations_to_send(db: Db, agreement_id: UUID, after: datetime) -> list[UUID]:
    """The invitations on behalf of an agreement that go out after `after`."""
    rows = await db.fetch(
        "SELECT id FROM invitations WHERE agreement_id = $1 AND send_at > $2",
        agreement_id,
        after,
    )
    return [r["id"] for r in rows]


async def get_invitation(db: Db, invitation_id: UUID) -> asyncpg.Record | None:
    """One invitation with its partner's business id."""
    row: asyncpg.Record | None = await db.fetchrow(
        """SELECT i.*, p.business_id FROM invitations i JOIN partners p ON p.id = i.partner_id
           WHERE i.id = $1""",
        invitation_id,
    )
    return row


async def reply(
    conn: asyncpg.Connection, invitation_id: UUID, attending: bool, at: datetime
) -> None:
    """Record a reply (a later one replaces it)."""
    await conn.execute(
        "UPDATE invitations SET attending = $2, replied_at = $3 WHERE id = $1",
        invitation_id,
        attending,
        at,
    )


async def insert_handprint(conn: asyncpg.Connection, record: Handprint) -> None:
    """Store a handprint record."""
    await conn.execute(
        """INSERT INTO handprints (id, partner_id, partner, year, action_id, counts, impact,
               recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        record.id,
        record.partner.partner_id,
        dump(record.partner),
        record.year,
        record.action_id,
        orjson.dumps(record.counts).decode(),
        record.impact,
        record.recorded_at,
    )


async def handprints_of(db: Db, year: int) -> list[Handprint]:
    """The year's handprint records."""
    rows = await db.fetch("SELECT * FROM handprints WHERE year = $1 ORDER BY recorded_at, id", year)
    return [
        Handprint(
            r["id"],
            Partner.model_validate_json(r["partner"]),
            r["year"],
            r["action_id"],
            orjson.loads(r["counts"]),
            r["impact"],
            r["recorded_at"],
        )
        for r in rows
    ]
