"""Replaying a dead letter: the same inbox and handler, once more, by an operator's hand."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson

from arctic.contracts.envelope import parse_message
from arctic.runtime.inbox import Delivery, HandlerFailed, apply_once
from arctic.runtime.subscriptions import BoundSubscription


async def replay_dead_letter(
    pool: asyncpg.Pool, subscription: BoundSubscription[Any], dead_letter_id: int
) -> bool:
    """Apply a dead-lettered message again, through the same inbox and handler.

    Returns False when it was applied before (its id already in the inbox). Raises when it is
    still invalid or its handler still fails; the dead letter then stays open.
    """
    row = await pool.fetchrow(
        """SELECT subject, headers, payload FROM dead_letters
           WHERE id = $1 AND replayed_at IS NULL AND discarded_at IS NULL""",
        dead_letter_id,
    )
    if row is None:
        raise LookupError(f"no open dead letter {dead_letter_id} in this schema")
    envelope, event = parse_message(row["subject"], orjson.loads(row["headers"]), row["payload"])
    async with pool.acquire() as conn, conn.transaction():
        try:
            applied = await apply_once(conn, subscription, [Delivery(None, envelope, event)])
        except HandlerFailed as failed:
            raise failed.cause from failed
        await conn.execute(
            "UPDATE dead_letters SET replayed_at = now() WHERE id = $1", dead_letter_id
        )
    return applied == 1
