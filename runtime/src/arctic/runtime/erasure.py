"""Erasing a person from a service: every service honours `PersonalDataErasureRequested`.

The runtime subscribes every service to the request (durable `<service>-notifications` on the
stream of the request, merged into the service's own subscription to that stream if it has
one) and, in one transaction per request:

1. erases what the runtime's own tables may hold of the person (`erase_from_runtime_tables`);
2. runs the service's own `erase_person(tx, request)` (its SQL for its own tables), if any;
3. emits the service's `PersonalDataErased` confirmation, with how many rows were touched.

The inbox makes it idempotent: a redelivered request changes nothing and confirms nothing
twice; a new request for the same person erases again and confirms again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar
from uuid import UUID

import asyncpg
import orjson

from arctic.contracts.events import PersonalDataErasureRequested, erasure_confirmation_of
from arctic.contracts.registry import stream_for_subject
from arctic.runtime.logs import get_logger
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.subscriptions import Context, Handler, Subscription, on

log = get_logger(__name__)
S = TypeVar("S", bound=ServiceSettings)

PersonEraser = Callable[[Context[S], PersonalDataErasureRequested], Awaitable[int]]
"""A service's erasure of a person from its own tables, in the request's transaction
(`ctx.tx`); it returns how many rows it erased or redacted."""

REQUEST = PersonalDataErasureRequested
ERASED_ERROR = "error text erased with a person's personal data"
ERASED_ANSWER = orjson.dumps(
    {
        "type": "about:blank",
        "title": "Gone",
        "status": 410,
        "detail": "The answer to this request named a person whose personal data was erased.",
    }
)
"""What a retried command gets instead of a stored answer that named an erased person."""


def erasure_durable(service: str) -> str:
    """The durable consumer through which `service` receives erasure requests."""
    return f"{service}-{REQUEST.service}"


def with_erasure(
    service: str, subscriptions: Sequence[Subscription[S]], erase_person: PersonEraser[S] | None
) -> list[Subscription[S]]:
    """The service's subscriptions with the erasure request handled: added to its own
    subscription on the request's stream, or as a subscription of its own."""
    handler: Handler[S] = on(REQUEST, erasure_handler(service, erase_person))
    durable = erasure_durable(service)
    merged, found = [], False
    for subscription in subscriptions:
        if subscription.durable == durable:
            found = True
            if REQUEST.subject not in subscription.subjects:
                handlers = [*subscription.handlers, handler]
                subscription = dataclasses.replace(subscription, handlers=handlers)
        merged.append(subscription)
    if not found:
        stream = stream_for_subject(REQUEST.subject).name
        # Erasure requests are rare: the deployment does not scale a service on them.
        merged.append(Subscription(durable, stream, [handler], scaled=False))
    return merged


def erasure_handler(
    service: str, erase_person: PersonEraser[S] | None
) -> Callable[[Context[S], PersonalDataErasureRequested], Awaitable[None]]:
    """The handler of `PersonalDataErasureRequested` for `service`."""
    confirmation = erasure_confirmation_of(service)

    async def handle(ctx: Context[S], request: PersonalDataErasureRequested) -> None:
        records = await erase_from_runtime_tables(ctx.tx.conn, request.person_id)
        if erase_person is not None:
            records += await erase_person(ctx, request)
        await ctx.tx.emit(
            confirmation(
                erasure_id=request.erasure_id,
                person_id=request.person_id,
                records=records,
                erased_at=ctx.clock(),
            )
        )
        log.info("personal data erased", erasure_id=str(request.erasure_id), records=records)

    return handle


async def erase_from_runtime_tables(conn: asyncpg.Connection, person_id: UUID) -> int:
    """Erase what the runtime's tables hold of a person; return how many rows were touched.

    Events name a person only by id and sealed details, unreadable once the key is erased;
    still, nothing is kept that need not be:
    - published outbox rows naming the person are deleted (unpublished ones are still to be
      published, and their copies of the person are sealed);
    - dead letters naming the person keep their (sealed) message for a replay, but lose
      their error text, which is the one place a handler's words are kept;
    - scheduled events are kept: they must still fire for everyone else they concern, and
      name the person only sealed;
    - a stored answer to an Idempotency-Key naming the person (by id: answers show persons
      with their `person_id`) is replaced by a 410 problem, so a retry of that command within
      the key's window learns it is gone instead of running again.
    """
    needle = str(person_id).encode()
    deleted = await conn.execute(
        "DELETE FROM outbox WHERE published_at IS NOT NULL AND position($1::bytea IN payload) > 0",
        needle,
    )
    redacted = await conn.execute(
        """UPDATE dead_letters SET error = $2
           WHERE position($1::bytea IN payload) > 0 AND error <> $2""",
        needle,
        ERASED_ERROR,
    )
    forgotten = await conn.execute(
        """UPDATE idempotency_keys SET status = 410, headers = $2, body = $3
           WHERE position($1::bytea IN body) > 0""",
        needle,
        orjson.dumps({"content-type": "application/problem+json"}).decode(),
        ERASED_ANSWER,
    )
    return _count(deleted) + _count(redacted) + _count(forgotten)


def _count(status: str) -> int:
    """The row count of a command status such as `DELETE 3` or `UPDATE 0`."""
    return int(status.rsplit(" ", 1)[1])
