"""The SQL of notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from arctic.contracts.envelope import Envelope
from arctic.contracts.ids import new_event_id
from arctic.contracts.vocabulary import Channel, Language
from arctic.notifications.domain import Delivery, DeliveryStatus, Message
from arctic.notifications.settings import NotificationsSettings
from arctic.runtime.housekeeping import Prune
from arctic.runtime.pagination import PageRequest, fetch_page


async def add_delivery(conn: asyncpg.Connection, message: Message, source: Envelope) -> bool:
    """Store a message to deliver for the event of `source`; False when this (event,
    recipient, channel) exists already."""
    inserted = await conn.fetchval(
        """INSERT INTO deliveries (id, source_event_id, source_event_type, source_subject,
               recipient, channel, template, language, subject, body, correlation_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (source_event_id, recipient, channel) DO NOTHING RETURNING true""",
        new_event_id(),
        source.id,
        source.type,
        source.subject,
        message.recipient,
        message.channel.value,
        message.template,
        message.language.value,
        message.subject,
        message.body,
        source.correlation_id,
    )
    return bool(inserted)


async def claim_due(conn: asyncpg.Connection, limit: int, stale_after: float) -> list[Delivery]:
    """Take due deliveries for one attempt each: mark them `sending` and count the attempt.

    A `sending` row older than `stale_after` seconds belongs to a sender that died mid-attempt
    and is taken again, but not within `stale_after` seconds of a database (re)start: a
    sender that lived through the outage may hold a mail the SMTP server accepted and is
    recording it now; its row is not to be sent again.
    """
    rows = await conn.fetch(
        """UPDATE deliveries SET status = 'sending', attempts = attempts + 1,
               next_attempt_at = now() + make_interval(secs => $2)
           WHERE id IN (
               SELECT id FROM deliveries
               WHERE next_attempt_at <= now() AND (status = 'pending'
                   OR (status = 'sending'
                       AND pg_postmaster_start_time() < now() - make_interval(secs => $2)))
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


@dataclass(frozen=True)
class DeliveryFilters:
    """What a list of deliveries may be narrowed to (None: any)."""

    event_id: UUID | None = None
    correlation_id: str | None = None
    subject: str | None = None
    recipient: str | None = None
    status: DeliveryStatus | None = None


async def list_deliveries(
    pool: asyncpg.Pool, filters: DeliveryFilters, page: PageRequest
) -> tuple[list[Delivery], str | None]:
    """A page of deliveries matching every filter given, newest first unless asked otherwise."""
    rows, next_cursor = await fetch_page(
        pool,
        "SELECT * FROM deliveries",
        {
            "source_event_id": filters.event_id,
            "correlation_id": filters.correlation_id,
            "source_subject": filters.subject,
            "recipient": filters.recipient,
            "status": None if filters.status is None else filters.status.value,
        },
        page,
    )
    return [to_delivery(row) for row in rows], next_cursor


PRUNE_SETTLED = Prune[NotificationsSettings](
    "settled_deliveries",
    """DELETE FROM deliveries WHERE id IN (
           SELECT id FROM deliveries
           WHERE status IN ('delivered', 'failed') AND created_at < $2
           ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED)""",
    lambda settings: timedelta(days=settings.delivery_retention_days),
)
"""Housekeeping: delivered and failed deliveries past their retention. (The inbox, kept
longer, still stops a redelivered event from planning its mail again.)"""


def to_delivery(row: asyncpg.Record) -> Delivery:
    """A row as a Delivery."""
    values = dict(row)
    values["status"] = DeliveryStatus(values["status"])
    values["channel"] = Channel(values["channel"])
    values["language"] = Language(values["language"])
    return Delivery(**values)
