"""The SQL of notifications."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from arctic.contracts.ids import new_event_id
from arctic.contracts.vocabulary import Channel, Language
from arctic.notifications.domain import Delivery, DeliveryStatus, Message


async def add_delivery(
    conn: asyncpg.Connection,
    message: Message,
    *,
    source_event_id: UUID,
    source_event_type: str,
    correlation_id: str,
) -> bool:
    """Store a message to deliver; False when this (event, recipient, channel) exists already."""
    inserted = await conn.fetchval(
        """INSERT INTO deliveries (id, source_event_id, source_event_type, recipient, channel,
               template, language, subject, body, correlation_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (source_event_id, recipient, channel) DO NOTHING RETURNING true""",
        new_event_id(),
        source_event_id,
        source_event_type,
        message.recipient,
        message.channel.value,
        message.template,
        message.language.value,
        message.subject,
        message.body,
        correlation_id,
    )
    return bool(inserted)


async def claim_due(conn: asyncpg.Connection, limit: int, stale_after: float) -> list[Delivery]:
    """Take due deliveries for one attempt each: mark them `sending` and count the attempt.

    A `sending` row older than `stale_after` seconds belongs to a sender that died mid-attempt
    and is taken again.
    """
    rows = await conn.fetch(
        """UPDATE deliveries SET status = 'sending', attempts = attempts + 1,
               next_attempt_at = now() + make_interval(secs => $2)
           WHERE id IN (
               SELECT id FROM deliveries
               WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
               ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING *""",
        limit,
        stale_after,
    )
    return [to_delivery(row) for row in rows]


async def mark_delivered(conn: asyncpg.Connection, delivery_id: UUID, at: datetime) -> None:
    """Record that the channel accepted the message."""
    await conn.execute(
        "UPDATE deliveries SET status = 'delivered', delivered_at = $2, last_error = NULL "
        "WHERE id = $1",
        delivery_id,
        at,
    )


async def mark_retry(
    conn: asyncpg.Connection, delivery_id: UUID, error: str, next_attempt_at: datetime
) -> None:
    """Record a failed attempt and when to try again."""
    await conn.execute(
        "UPDATE deliveries SET status = 'pending', last_error = $2, next_attempt_at = $3 "
        "WHERE id = $1",
        delivery_id,
        error,
        next_attempt_at,
    )


async def mark_failed(conn: asyncpg.Connection, delivery_id: UUID, error: str) -> None:
    """Record that no attempt is left."""
    await conn.execute(
        "UPDATE deliveries SET status = 'failed', last_error = $2 WHERE id = $1", delivery_id, error
    )


async def deliveries_for_event(pool: asyncpg.Pool, event_id: UUID | None) -> list[Delivery]:
    """Deliveries made for one event (or the latest 100), oldest first."""
    rows = await pool.fetch(
        """SELECT * FROM deliveries WHERE $1::uuid IS NULL OR source_event_id = $1
           ORDER BY created_at, recipient LIMIT 100""",
        event_id,
    )
    return [to_delivery(row) for row in rows]


def to_delivery(row: asyncpg.Record) -> Delivery:
    """A row as a Delivery."""
    values = dict(row)
    values["status"] = DeliveryStatus(values["status"])
    values["channel"] = Channel(values["channel"])
    values["language"] = Language(values["language"])
    return Delivery(**values)
