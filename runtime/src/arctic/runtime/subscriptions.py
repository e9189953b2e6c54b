"""What a service consumes: durable consumers on other services' streams, and typed handlers.

A service lists its handlers by event class and gets each event with a typed context:

    async def acknowledge(ctx: Context[NotificationsSettings], event: PrototypeRequested) -> None:
        ...

    SUBSCRIPTIONS = [
        Subscription(
            "notifications-prototyping", "PROTOTYPING", [on(PrototypeRequested, acknowledge)]
        )
    ]

The runtime binds each subscription to the running service's settings, clock and persons'
data (`Subscription.bind`) and calls the handlers inside the transaction that also records
the event ids in the inbox.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Generic, TypeVar

import asyncpg

from arctic.contracts.envelope import Envelope
from arctic.contracts.events import Event
from arctic.runtime.clock import Clock, system_clock
from arctic.runtime.personal_data import PersonalData
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.unit_of_work import Transaction

S = TypeVar("S", bound=ServiceSettings)
E = TypeVar("E", bound=Event)


@dataclass(frozen=True, slots=True)
class Context(Generic[S]):
    """What a handler of one event gets besides the event.

    `tx` is the inbox transaction (its emits carry the event's correlation id and name it as
    their cause), `envelope` the event's CloudEvents attributes, `settings` the service's
    settings, `clock` the service's clock and `persons` what opens the persons the event
    names (`await ctx.persons.open(event.company.contact)`).
    """

    tx: Transaction
    envelope: Envelope
    settings: S
    clock: Clock
    persons: PersonalData


@dataclass(frozen=True, slots=True)
class BatchContext(Generic[S]):
    """What a batch handler gets besides its events: the inbox transaction's connection, the
    service's settings, clock and persons' data. `transaction_for(envelope)` emits on behalf
    of one event."""

    conn: asyncpg.Connection
    settings: S
    clock: Clock
    persons: PersonalData

    def transaction_for(self, envelope: Envelope) -> Transaction:
        """The transaction through which to emit what `envelope`'s event causes."""
        return Transaction.caused_by(self.conn, envelope)


EventHandler = Callable[[Context[S], E], Awaitable[None]]
"""A handler of one event: `async def handle(ctx: Context[MySettings], event: MyEvent)`."""
BatchHandler = Callable[[BatchContext[S], Sequence[tuple[Envelope, E]]], Awaitable[None]]
"""A handler of all the fresh events of one type in a fetched batch (a backlog in one statement)."""


_COLUMN = re.compile(r"[a-z_][a-z0-9_]*")
_TYPE = re.compile(r"[a-z][a-z0-9_ ]*(\([0-9, ]+\))?")


@dataclass(frozen=True)
class Statement:
    """A handler that is one SQL statement over the fresh events of a batch (`on_statement`).

    `sql` reads the relation `fresh`: one row per fresh event, with the column `event_id`
    (uuid) and `columns` (name → PostgreSQL type), whose values `values(envelope, event)`
    gives for each event. The runtime prefixes it with the `WITH` that defines `fresh`.
    """

    sql: str
    columns: Mapping[str, str]
    values: Callable[[Envelope, Any], Sequence[object]]

    def __post_init__(self) -> None:
        if self.sql.lstrip()[:4].upper() == "WITH":
            raise ValueError(
                "the statement may not begin with WITH: the runtime's WITH defines fresh"
            )
        for name, type_ in self.columns.items():
            if name == "event_id" or not _COLUMN.fullmatch(name):
                raise ValueError(f"{name!r} is not a column name the statement can read")
            if not _TYPE.fullmatch(type_):
                raise ValueError(f"{type_!r} is not a scalar PostgreSQL type name")

    def rows(self, items: Sequence[tuple[Envelope, Event]]) -> list[list[object]]:
        """The columns of `fresh` for `items` (event ids first), one list per column."""
        columns: list[list[object]] = [[envelope.id for envelope, _ in items]]
        columns += [[] for _ in self.columns]
        for envelope, event in items:
            for column, value in zip(columns[1:], self.values(envelope, event), strict=True):
                column.append(value)
        return columns


@dataclass(frozen=True)
class Handler(Generic[S]):
    """One event class and what handles it (made by `on`, `on_batch` or `on_statement`)."""

    event: type[Event]
    one: EventHandler[S, Any] | None = None
    batch: BatchHandler[S, Any] | None = None
    statement: Statement | None = None


def on(event: type[E], handle: EventHandler[S, E]) -> Handler[S]:
    """Handle each `event` with `handle(ctx, event)`."""
    return Handler(event, one=handle)


def on_batch(event: type[E], handle: BatchHandler[S, E]) -> Handler[S]:
    """Handle the fresh `event`s of a fetched batch together with `handle(ctx, [(envelope,
    event), ...])` (one event at a time when a batch fails, to find the one at fault)."""
    return Handler(event, batch=handle)


def on_statement(
    event: type[E],
    sql: str,
    *,
    columns: Mapping[str, str],
    values: Callable[[Envelope, E], Sequence[object]],
) -> Handler[Any]:
    """Handle the fresh `event`s of a fetched batch with one SQL statement reading `fresh`
    (`event_id` and `columns`, from `values(envelope, event)` per event), for example

        on_statement(
            PrototypeRequested,
            "INSERT INTO requests (id, title) SELECT request_id, title FROM fresh",
            columns={"request_id": "uuid", "title": "text"},
            values=lambda envelope, event: (event.request_id, event.title),
        )

    The runtime sends it together with the batch's inbox marks as one statement: one round
    trip per batch, as a hand-written consumer would do. For a handler that writes without
    deciding anything in Python; one that reads first, or emits, is an `on` or `on_batch`.
    """
    return Handler(event, statement=Statement(sql, columns, values))


@dataclass(frozen=True)
class Subscription(Generic[S]):
    """A durable pull consumer named `<consumer-service>-<purpose>` on `stream`, and its
    handlers by event class. The consumer is filtered to exactly the subjects handled.

    An event whose handler failed `max_failures` times is dead-lettered; the runtime counts
    those failures itself, so redeliveries caused by an outage cost nothing. `scaled` says
    whether the deployment scales the service on this consumer's backlog (False for
    consumers of rare events, such as erasure requests).
    """

    durable: str
    stream: str
    handlers: Sequence[Handler[S]] = ()
    max_failures: int = 10
    ack_wait_seconds: float = 60.0
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 60.0
    scaled: bool = True
    _by_subject: Mapping[str, Handler[S]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_subject: dict[str, Handler[S]] = {}
        for handler in self.handlers:
            if handler.event.subject in by_subject:
                raise ValueError(f"{self.durable}: two handlers for {handler.event.__name__}")
            by_subject[handler.event.subject] = handler
        object.__setattr__(self, "_by_subject", by_subject)

    @property
    def subjects(self) -> list[str]:
        """Every subject this subscription handles, sorted."""
        return sorted(self._by_subject)

    def retry_delay(self, failures: int) -> float:
        """The nak delay after the handler's `failures`-th failure: doubling, capped."""
        delay = self.retry_base_seconds * 2 ** max(failures - 1, 0)
        return float(min(delay, self.retry_max_seconds))

    def bind(
        self, settings: S, clock: Clock = system_clock, persons: PersonalData | None = None
    ) -> BoundSubscription[S]:
        """This subscription with the settings, clock and persons' data its handlers'
        contexts carry (without `persons`, opening a person fails as unavailable)."""
        declared = {f.name: getattr(self, f.name) for f in fields(Subscription) if f.init}
        return BoundSubscription(
            **declared,
            settings=settings,
            clock=clock,
            persons=persons or PersonalData.offline(settings.personal_data_pepper),
        )


@dataclass(frozen=True, kw_only=True)
class BoundSubscription(Subscription[S]):
    """A subscription bound to a running service: what the consumer and the inbox call."""

    settings: S
    clock: Clock = system_clock
    persons: PersonalData

    def batches(self, subject: str) -> bool:
        """Whether the events of `subject` go to a batch (or statement) handler."""
        handler = self._by_subject[subject]
        return handler.batch is not None or handler.statement is not None

    def statement(self, subject: str) -> Statement | None:
        """The statement handling `subject`, when it is an `on_statement` handler."""
        return self._by_subject[subject].statement

    async def handle(self, conn: asyncpg.Connection, envelope: Envelope, event: Event) -> None:
        """Run the handler of one event inside the inbox transaction on `conn`."""
        handler = self._by_subject[envelope.type]
        if handler.one is not None:
            tx = Transaction.caused_by(conn, envelope)
            context = Context(tx, envelope, self.settings, self.clock, self.persons)
            await handler.one(context, event)
        else:
            await self.handle_batch(conn, envelope.type, [(envelope, event)])

    async def handle_batch(
        self, conn: asyncpg.Connection, subject: str, items: Sequence[tuple[Envelope, Event]]
    ) -> None:
        """Run the batch (or statement) handler of `subject` on several fresh events at once."""
        handler = self._by_subject[subject]
        if handler.statement is not None:
            await run_statement(conn, handler.statement, items)
            return
        assert handler.batch is not None, f"{subject} has no batch handler"
        await handler.batch(BatchContext(conn, self.settings, self.clock, self.persons), items)


def fresh_relation(statement: Statement, first: int = 1) -> str:
    """`unnest` of the statement's columns as parameters `$first`..., typed and named."""
    types = ["uuid", *statement.columns.values()]
    arrays = ", ".join(f"${first + i}::{type_}[]" for i, type_ in enumerate(types))
    return f"unnest({arrays}) AS arrived({', '.join(['event_id', *statement.columns])})"


async def run_statement(
    conn: asyncpg.Connection, statement: Statement, items: Sequence[tuple[Envelope, Event]]
) -> None:
    """Run a statement handler on `items` (their inbox marks already recorded)."""
    sql = f"WITH fresh AS (SELECT * FROM {fresh_relation(statement)})\n{statement.sql}"
    await conn.execute(sql, *statement.rows(items))


__all__ = [
    "BatchContext",
    "BatchHandler",
    "BoundSubscription",
    "Context",
    "EventHandler",
    "Handler",
    "Statement",
    "Subscription",
    "on",
    "on_batch",
    "on_statement",
]
