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
from arctic.notifications.preferences import DEFAULT_QUIET, Preferences
from arctic.notifications.settings import NotificationsSettings
from arctic.runtime.housekeeping import Prune
from arctic.runtime.pagination import PageRequest, fetch_page

_INSERT = """INSERT INTO deliveries (id, source_event_id, source_event_type, source_subject,
        recipient, channel, template, language, subject, body, correlation_id,
        recipient_person_id, named_person_ids, status, last_error, kind, html, reply_to,
        mandatory, webhook_id, unsubscribe_url, next_attempt_at, digest)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
        $19, $20, $21, coalesce($22, now()), $23)
    ON CONFLICT DO NOTHING RETURNING *"""


async def add_delivery(conn: asyncpg.Connection, message: Message, source: Envelope) -> bool:
    """Store a message to deliver for the event of `source`; False when this (event,
    recipient, channel) exists already."""
    return await _insert(conn, message, source, "pending", None) is not None


async def add_failed_delivery(
    conn: asyncpg.Connection, message: Message, source: Envelope, reason: str
) -> Delivery | None:
    """Record a message that will not be sent (its recipient was erased) as failed with
    `reason`; None when it was recorded already."""
    return await _insert(conn, message, source, "failed", reason)


async def _insert(
    conn: asyncpg.Connection, message: Message, source: Envelope, status: str, error: str | None
) -> Delivery | None:
    row = await conn.fetchrow(
        _INSERT,
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
        message.recipient_person_id,
        list(message.names),
        status,
        error,
        message.kind,
        message.html,
        message.reply_to,
        message.mandatory,
        message.webhook_id,
        message.unsubscribe_url,
        message.not_before,
        message.digest,
    )
    return None if row is None else to_delivery(row)


async def erase_person(
    conn: asyncpg.Connection, person_id: UUID, at: datetime, reason: str
) -> tuple[int, list[Delivery]]:
    """Empty the address (if theirs), subject and body of every delivery for or naming the
    person; fail those waiting to be sent with `reason` (one being sent now finishes its
    attempt with the text it holds; a retry it would need fails). Return how many were
    erased, and the ones this stopped."""
    rows = await conn.fetch(
        """WITH erased AS (
               SELECT id, status = 'pending' AS unsent FROM deliveries
               WHERE $1 = ANY(named_person_ids) AND erased_at IS NULL FOR UPDATE)
           UPDATE deliveries d SET
               recipient = CASE WHEN d.recipient_person_id = $1 THEN NULL ELSE d.recipient END,
               subject = NULL, body = NULL, html = NULL, reply_to = NULL,
               unsubscribe_url = NULL, erased_at = $2,
               status = CASE WHEN e.unsent THEN 'failed' ELSE d.status END,
               last_error = CASE WHEN e.unsent THEN $3 ELSE d.last_error END
           FROM erased e WHERE d.id = e.id
           RETURNING d.*, e.unsent""",
        person_id,
        at,
        reason,
    )
    stopped = [to_delivery(row) for row in rows if row["unsent"]]
    forgotten = await conn.execute("DELETE FROM preferences WHERE person_id = $1", person_id)
    return len(rows) + int(forgotten.split()[-1]), stopped


_CLAIM = """UPDATE deliveries SET status = 'sending', attempts = attempts + 1,
               next_attempt_at = now() + make_interval(secs => $2)
           WHERE id IN (
               SELECT id FROM deliveries
               WHERE next_attempt_at <= now() AND NOT digest AND (status = 'pending'
                   OR (status = 'sending'
                       AND pg_postmaster_start_time() < now() - make_interval(secs => $2)))
                   {and_not}
               ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING *"""


async def claim_due(conn: asyncpg.Connection, limit: int, stale_after: float) -> list[Delivery]:
    """Take due deliveries for one attempt each: mark them `sending` and count the attempt.

    A `sending` row older than `stale_after` seconds belongs to a sender that died mid-attempt
    and is taken again, but not within `stale_after` seconds of a database (re)start: a
    sender that lived through the outage may hold a mail the SMTP server accepted and is
    recording it now; its row is not to be sent again.
    """
    rows = await conn.fetch(_CLAIM.format(and_not=""), limit, stale_after)
    return [to_delivery(row) for row in rows]


_DELIVERED_AND_CLAIM = """WITH delivered AS (
           UPDATE deliveries SET status = 'delivered', delivered_at = $4, last_error = NULL
           WHERE id = $3)
       """ + _CLAIM.format(and_not="AND id <> $3")  # one statement changes a row once


async def mark_delivered_and_claim(
    conn: asyncpg.Connection, delivery_id: UUID, at: datetime, stale_after: float
) -> Delivery | None:
    """`mark_delivered` and `claim_due` of one delivery in one statement (one round trip
    fewer for the delivery loop's commonest outcome): the next due delivery, if any."""
    row = await conn.fetchrow(_DELIVERED_AND_CLAIM, 1, stale_after, delivery_id, at)
    return None if row is None else to_delivery(row)


async def release_claim(conn: asyncpg.Connection, delivery_id: UUID) -> None:
    """Give back a claimed delivery that was not sent (the sender is stopping): due again at
    once, its attempt not counted."""
    await conn.execute(
        """UPDATE deliveries SET status = 'pending', attempts = attempts - 1,
               next_attempt_at = now()
           WHERE id = $1 AND status = 'sending'""",
        delivery_id,
    )


async def mark_delivered(conn: asyncpg.Connection, delivery_id: UUID, at: datetime) -> None:
    """Record that the channel accepted the message."""
    await conn.execute(
        "UPDATE deliveries SET status = 'delivered', delivered_at = $2, last_error = NULL "
        "WHERE id = $1",
        delivery_id,
        at,
    )


async def mark_retry(
    conn: asyncpg.Connection,
    delivery_id: UUID,
    error: str,
    next_attempt_at: datetime,
    erased_reason: str,
) -> bool:
    """Record a failed attempt and when to try again; or, when the recipient was erased while
    the attempt was under way, that the delivery failed for good (`erased_reason`): True then."""
    erased: bool = await conn.fetchval(
        """UPDATE deliveries SET
               status = CASE WHEN erased_at IS NULL THEN 'pending' ELSE 'failed' END,
               last_error = CASE WHEN erased_at IS NULL THEN $2 ELSE $4 END,
               next_attempt_at = $3
           WHERE id = $1 RETURNING erased_at IS NOT NULL""",
        delivery_id,
        error,
        next_attempt_at,
        erased_reason,
    )
    return erased


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
    kind: str | None = None


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
            "kind": filters.kind,
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
    values.pop("unsent", None)
    values["status"] = DeliveryStatus(values["status"])
    values["channel"] = Channel(values["channel"])
    values["language"] = Language(values["language"])
    return Delivery(**values)


@dataclass(frozen=True)
class Erasure:
    """An erasure request taken here, and the services that confirmed it so far."""

    id: UUID
    person_id: UUID
    requested_at: datetime
    keys_erased_at: datetime
    erase_after: datetime
    confirmations: dict[str, tuple[int, datetime]]
    """By service: how many rows it erased or redacted, and when it confirmed."""


async def insert_erasure(conn: asyncpg.Connection, erasure: Erasure) -> None:
    """Record an erasure request."""
    await conn.execute(
        """INSERT INTO erasures (id, person_id, requested_at, keys_erased_at, erase_after)
           VALUES ($1, $2, $3, $4, $5)""",
        erasure.id,
        erasure.person_id,
        erasure.requested_at,
        erasure.keys_erased_at,
        erasure.erase_after,
    )


async def record_confirmation(
    conn: asyncpg.Connection, erasure_id: UUID, service: str, records: int, at: datetime
) -> None:
    """Record a service's confirmation of an erasure (once per service)."""
    await conn.execute(
        """INSERT INTO erasure_confirmations (erasure_id, service, records, confirmed_at)
           VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING""",
        erasure_id,
        service,
        records,
        at,
    )


async def get_erasure(db: asyncpg.Pool | asyncpg.Connection, erasure_id: UUID) -> Erasure | None:
    """An erasure request with its confirmations, or None."""
    row = await db.fetchrow("SELECT * FROM erasures WHERE id = $1", erasure_id)
    if row is None:
        return None
    confirmed = await db.fetch(
        "SELECT service, records, confirmed_at FROM erasure_confirmations WHERE erasure_id = $1",
        erasure_id,
    )
    return Erasure(
        **dict(row),
        confirmations={c["service"]: (c["records"], c["confirmed_at"]) for c in confirmed},
    )


@dataclass(frozen=True)
class Webhook:
    """An endpoint of another system and the event types it receives."""

    id: UUID
    url: str
    event_types: list[str]
    secret: str
    description: str | None
    created_by: str | None
    created_at: datetime


async def insert_webhook(conn: asyncpg.Connection, webhook: Webhook) -> None:
    """Register an endpoint."""
    await conn.execute(
        """INSERT INTO webhooks (id, url, event_types, secret, description, created_by,
               created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        webhook.id,
        webhook.url,
        webhook.event_types,
        webhook.secret,
        webhook.description,
        webhook.created_by,
        webhook.created_at,
    )


async def webhooks_for(conn: asyncpg.Connection, event_type: str) -> list[Webhook]:
    """The endpoints registered for `event_type`."""
    rows = await conn.fetch(
        "SELECT * FROM webhooks WHERE $1 = ANY(event_types) ORDER BY created_at", event_type
    )
    return [Webhook(**dict(row)) for row in rows]


async def list_webhooks(db: asyncpg.Pool | asyncpg.Connection) -> list[Webhook]:
    """Every registered endpoint, oldest first."""
    return [
        Webhook(**dict(row)) for row in await db.fetch("SELECT * FROM webhooks ORDER BY created_at")
    ]


async def webhook_secret(db: asyncpg.Pool | asyncpg.Connection, webhook_id: UUID) -> str | None:
    """The signing secret of an endpoint; None once it was removed."""
    secret: str | None = await db.fetchval("SELECT secret FROM webhooks WHERE id = $1", webhook_id)
    return secret


async def delete_webhook(conn: asyncpg.Connection, webhook_id: UUID) -> bool:
    """Remove an endpoint (its deliveries not sent yet then fail); False if there was none."""
    deleted: str = await conn.execute("DELETE FROM webhooks WHERE id = $1", webhook_id)
    return deleted != "DELETE 0"


def _preferences(row: asyncpg.Record) -> Preferences:
    quiet = None if row["quiet_start"] is None else (row["quiet_start"], row["quiet_end"])
    opted_out = set()
    for pair in row["opted_out"]:
        kind, _, channel = pair.partition("/")
        opted_out.add((kind, Channel(channel)))
    language = None if row["language"] is None else Language(row["language"])
    return Preferences(language, frozenset(opted_out), quiet, row["digest"])


async def preferences_of(
    db: asyncpg.Pool | asyncpg.Connection, person_ids: list[UUID]
) -> dict[UUID, Preferences]:
    """The stored preferences of those of the persons who have any."""
    rows = await db.fetch("SELECT * FROM preferences WHERE person_id = ANY($1)", person_ids)
    return {row["person_id"]: _preferences(row) for row in rows}


async def put_preferences(
    conn: asyncpg.Connection, person_id: UUID, preferences: Preferences, at: datetime
) -> None:
    """Store a person's preferences whole."""
    quiet = preferences.quiet_hours or (None, None)
    await conn.execute(
        """INSERT INTO preferences (person_id, language, opted_out, quiet_start, quiet_end,
               updated_at, digest) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (person_id) DO UPDATE SET language = $2, opted_out = $3,
               quiet_start = $4, quiet_end = $5, updated_at = $6, digest = $7""",
        person_id,
        None if preferences.language is None else preferences.language.value,
        sorted(f"{kind}/{channel.value}" for kind, channel in preferences.opted_out),
        *quiet,
        at,
        preferences.digest,
    )


async def opt_out(
    conn: asyncpg.Connection, person_id: UUID, kind: str, channel: Channel, at: datetime
) -> None:
    """Switch one optional kind off on one channel for a person (keeping the rest)."""
    await conn.execute(
        """INSERT INTO preferences (person_id, opted_out, quiet_start, quiet_end, updated_at)
           VALUES ($1, ARRAY[$2], $3, $4, $5)
           ON CONFLICT (person_id) DO UPDATE SET
               opted_out = (SELECT array_agg(DISTINCT o ORDER BY o)
                            FROM unnest(preferences.opted_out || $2) AS o),
               updated_at = $5""",
        person_id,
        f"{kind}/{channel.value}",
        *DEFAULT_QUIET,
        at,
    )


async def claim_digests(conn: asyncpg.Connection, stale_after: float) -> list[Delivery]:
    """Take every due digest delivery of one recipient (the one due longest), for one attempt:
    mark them `sending` and count the attempt. Another replica takes another recipient."""
    rows = await conn.fetch(
        """WITH first AS (
               SELECT recipient_person_id FROM deliveries
               WHERE digest AND next_attempt_at <= now() AND status = 'pending'
               ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)
           UPDATE deliveries d SET status = 'sending', attempts = attempts + 1,
               next_attempt_at = now() + make_interval(secs => $1)
           FROM first WHERE d.recipient_person_id = first.recipient_person_id
               AND d.digest AND d.status = 'pending' AND d.next_attempt_at <= now()
           RETURNING d.*""",
        stale_after,
    )
    return sorted((to_delivery(row) for row in rows), key=lambda d: d.created_at)
