"""Statement handlers (`on_statement`): inbox marks and effects sent as one statement."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from runtime_support import (
    DURABLE,
    REQUESTED,
    SETTINGS,
    effect_counts,
    prototype_requested,
    running,
)

from arctic.contracts.envelope import Envelope, build_message
from arctic.contracts.events import PrototypeRequested
from arctic.runtime.consumer import Consumer
from arctic.runtime.deadletters import list_dead_letters
from arctic.runtime.inbox import first_delivery
from arctic.runtime.replay import replay_dead_letter
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.subscriptions import BoundSubscription, Subscription, on_statement
from arctic.runtime.testing import Schema, wait_until

RECORD = "INSERT INTO effects (event_id, title) SELECT event_id, title FROM fresh"
# A NULL title breaks the effects table's NOT NULL: the statement fails for "poison" only.
REFUSE_POISON = """INSERT INTO effects (event_id, title)
    SELECT event_id, nullif(title, 'poison') FROM fresh"""


def _title(envelope: Envelope, event: PrototypeRequested) -> tuple[str]:
    return (event.title,)


def statement_subscription(sql: str = RECORD) -> BoundSubscription[ServiceSettings]:
    """The tests' durable with a statement handler writing one effects row per event."""
    handler = on_statement(PrototypeRequested, sql, columns={"title": "text"}, values=_title)
    subscription = Subscription(
        DURABLE, "PROTOTYPING", [handler], max_failures=1, ack_wait_seconds=5.0
    )
    return subscription.bind(SETTINGS)


async def publish(nc: NATS, title: str, *, copies: int = 1) -> uuid.UUID:
    headers, body = build_message(prototype_requested(title), correlation_id="c")
    del headers["Nats-Msg-Id"]  # copies beyond the first are stored too: redeliveries
    for _ in range(copies):
        await nc.jetstream().publish(REQUESTED, body, headers=headers)
    return uuid.UUID(headers["ce-id"])


async def test_a_backlog_with_copies_is_applied_once_per_event_and_acknowledged(
    pool: asyncpg.Pool, nc: NATS, stream: str
) -> None:
    ids = [await publish(nc, f"t{i}", copies=2 if i % 7 == 0 else 1) for i in range(300)]
    # One event was applied before (its id in the inbox): it arrives fresh but is not applied.
    seen = await publish(nc, "seen")
    await pool.execute(
        "INSERT INTO inbox (consumer, event_id, event_type) VALUES ($1, $2, $3)",
        DURABLE,
        seen,
        REQUESTED,
    )
    consumer = Consumer(pool, nc.jetstream(), statement_subscription(), batch_size=64)
    async with running(consumer):
        await wait_until(lambda: _all_acknowledged(nc, stream))
    assert await effect_counts(pool) == dict.fromkeys(ids, 1)
    inbox = await pool.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1", DURABLE)
    assert inbox == 301


async def test_a_batch_of_first_deliveries_costs_one_statement_and_no_begin_or_commit(
    schema: Schema, nc: NATS, stream: str
) -> None:
    pool = await schema.pool(size=1)
    sent: list[str] = []
    async with pool.acquire() as conn:  # the pool's one connection: it logs what it sends
        conn.add_query_logger(lambda record: sent.append(record.query))
    ids = [await publish(nc, f"t{i}") for i in range(30)]
    try:
        async with running(Consumer(pool, nc.jetstream(), statement_subscription())):
            await wait_until(lambda: _all_acknowledged(nc, stream))
        assert await effect_counts(pool) == dict.fromkeys(ids, 1)
    finally:
        await pool.close()
    applied = [query for query in sent if "INSERT INTO inbox" in query]
    assert applied, sent
    assert all(query.startswith("WITH arrived AS") and RECORD in query for query in applied)
    assert not [query for query in sent if query.lstrip().upper().startswith(("BEGIN", "COMMIT"))]


async def test_a_failing_statement_is_narrowed_to_the_event_at_fault_and_replayable(
    pool: asyncpg.Pool, nc: NATS, stream: str
) -> None:
    good = [await publish(nc, f"good {i}") for i in range(10)]
    poison = await publish(nc, "poison")
    good += [await publish(nc, f"good {i}") for i in range(10, 20)]
    subscription = statement_subscription(REFUSE_POISON)
    async with running(Consumer(pool, nc.jetstream(), subscription, batch_size=50)):
        await wait_until(lambda: _all_acknowledged(nc, stream))
    assert await effect_counts(pool) == dict.fromkeys(good, 1)
    [letter] = await list_dead_letters(pool)
    assert letter.reason == "exhausted"
    assert "NotNullViolation" in letter.error
    assert await replay_dead_letter(pool, statement_subscription(), letter.id) is True
    assert await effect_counts(pool) == {**dict.fromkeys(good, 1), poison: 1}


@pytest.mark.parametrize(
    ("sql", "columns", "refusal"),
    [
        (
            "WITH x AS (SELECT 1) INSERT INTO effects SELECT * FROM fresh",
            {"title": "text"},
            "may not begin with WITH",
        ),
        (RECORD, {"event_id": "uuid"}, "not a column name"),
        (RECORD, {"title; DROP TABLE effects": "text"}, "not a column name"),
        (RECORD, {"title": "text[]"}, "not a scalar PostgreSQL type"),
    ],
)
def test_a_statement_the_runtime_cannot_compose_is_refused_when_declared(
    sql: str, columns: dict[str, str], refusal: str
) -> None:
    with pytest.raises(ValueError, match=refusal):
        on_statement(PrototypeRequested, sql, columns=columns, values=_title)


async def _all_acknowledged(nc: NATS, stream: str) -> bool:
    info = await nc.jetstream().consumer_info(stream, DURABLE)
    return bool(info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq)


@pytest.mark.parametrize(
    ("reply", "first"),
    [
        ("$JS.ACK.PROTOTYPING.d.1.5.5.1764620000000000000.0", True),
        ("$JS.ACK.PROTOTYPING.d.3.5.7.1764620000000000000.0", False),
        ("$JS.ACK.dom.hash.PROTOTYPING.d.1.5.5.1764620000000000000.0.x", True),
        ("$JS.ACK.dom.hash.PROTOTYPING.d.2.5.6.1764620000000000000.0.x", False),
    ],
    ids=["v1 first", "v1 again", "v2 first", "v2 again"],
)
def test_a_first_delivery_is_told_from_the_reply_subject(reply: str, first: bool) -> None:
    assert first_delivery(Msg(None, subject=REQUESTED, reply=reply)) is first  # type: ignore[arg-type]
