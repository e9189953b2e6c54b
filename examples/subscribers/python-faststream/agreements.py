"""A subscriber another team would write: the regional council's table of active partnership
agreements and upcoming evaluations, kept from the partnerships events.

    uv run --locked python examples/subscribers/python-faststream/agreements.py

against `make up` (NATS on 127.0.0.1:4222, the read-only user `subscriber`). Settings, all
optional: NATS_URL, NATS_USER, NATS_PASSWORD, AGREEMENTS_DB (an SQLite file). Stop it with
Ctrl-C; started again, it goes on where it stopped (its durables keep the position).

What it shows of the kit (`arctic.contracts.faststream`, docs/subscribing.md):
- one durable per event, named `<user>-<purpose>`, created the first time with
  `deliver="all"` so that the table is rebuilt from everything the stream still holds;
- idempotency by event id: each event's id is stored in the same transaction as its effect,
  so a redelivered event changes nothing;
- order per aggregate by `ce-aggregateversion` is not needed here: each row is written by
  one event and removed by one later event, and a removal is remembered.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from faststream import FastStream
from faststream.nats import NatsBroker, NatsUserPassword

from arctic.contracts.envelope import Envelope
from arctic.contracts.events import AgreementEnded, AgreementSigned, EvaluationDue, EvaluationHeld
from arctic.contracts.faststream import Subscribers

SCHEMA = """
create table if not exists handled_events (event_id text primary key);
create table if not exists agreements (
    agreement_id text primary key, partner text not null, ends_on text not null,
    ended integer not null default 0);
create table if not exists evaluations (
    evaluation_id text primary key, agreement_id text not null, partner text not null,
    due_on text not null, held integer not null default 0);
"""


class Table:
    """The council's table, in SQLite."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.executescript(SCHEMA)

    @contextmanager
    def once(self, envelope: Envelope) -> Iterator[sqlite3.Connection | None]:
        """A transaction for the event's effect, or None when it was handled before."""
        with self.db:
            seen = self.db.execute(
                "insert or ignore into handled_events values (?)", (str(envelope.id),)
            )
            yield self.db if seen.rowcount else None
        self.show()

    def show(self) -> None:
        """Print the table: the active agreements, then the upcoming evaluations."""
        agreements = self.db.execute(
            "select partner, ends_on from agreements where not ended order by ends_on"
        ).fetchall()
        evaluations = self.db.execute(
            "select partner, due_on from evaluations where not held order by due_on"
        ).fetchall()
        lines = [f"active agreements: {len(agreements)}"]
        lines += [f"  {partner:<40} until {ends_on}" for partner, ends_on in agreements]
        lines.append(f"upcoming evaluations: {len(evaluations)}")
        lines += [f"  {partner:<40} due {due_on}" for partner, due_on in evaluations]
        print("\n".join(lines), flush=True)


def build(table: Table) -> FastStream:
    """The FastStream app: a NATS broker with one kit subscriber per event it reads."""
    user = os.environ.get("NATS_USER", "subscriber")
    broker = NatsBroker(
        os.environ.get("NATS_URL", "nats://127.0.0.1:4222"),
        # `make up` gives each user of deploy/nats/permissions.conf the password <user>-local.
        security=NatsUserPassword(user, os.environ.get("NATS_PASSWORD", f"{user}-local")),
    )
    arctic = Subscribers(broker)

    @arctic.subscriber(AgreementSigned, durable=f"{user}-agreement-signed", deliver="all")
    async def signed(event: AgreementSigned, envelope: Envelope) -> None:
        with table.once(envelope) as db:
            if db:
                db.execute(
                    "insert or ignore into agreements (agreement_id, partner, ends_on) "
                    "values (?, ?, ?)",
                    (str(event.agreement_id), event.partner.name, event.term.ends_on.isoformat()),
                )

    @arctic.subscriber(AgreementEnded, durable=f"{user}-agreement-ended", deliver="all")
    async def ended(event: AgreementEnded, envelope: Envelope) -> None:
        with table.once(envelope) as db:
            if db:
                # Inserted ended when the end arrives first (another durable, another order).
                db.execute(
                    "insert into agreements values (?, ?, ?, 1) "
                    "on conflict (agreement_id) do update set ended = 1",
                    (str(event.agreement_id), event.partner.name, event.term.ends_on.isoformat()),
                )

    @arctic.subscriber(EvaluationDue, durable=f"{user}-evaluation-due", deliver="all")
    async def due(event: EvaluationDue, envelope: Envelope) -> None:
        with table.once(envelope) as db:
            if db:
                db.execute(
                    "insert or ignore into evaluations "
                    "(evaluation_id, agreement_id, partner, due_on) values (?, ?, ?, ?)",
                    (
                        str(event.evaluation_id),
                        str(event.agreement_id),
                        event.partner.name,
                        event.due_on.isoformat(),
                    ),
                )

    @arctic.subscriber(EvaluationHeld, durable=f"{user}-evaluation-held", deliver="all")
    async def held(event: EvaluationHeld, envelope: Envelope) -> None:
        with table.once(envelope) as db:
            if db:
                db.execute(
                    "insert into evaluations values (?, ?, ?, ?, 1) "
                    "on conflict (evaluation_id) do update set held = 1",
                    (
                        str(event.evaluation_id),
                        str(event.agreement_id),
                        event.partner.name,
                        event.due_on.isoformat(),
                    ),
                )

    return FastStream(broker)


def main() -> None:
    """Run until Ctrl-C (or SIGTERM)."""
    path = Path(os.environ.get("AGREEMENTS_DB", ".arctic/example-agreements.sqlite3"))
    path.parent.mkdir(parents=True, exist_ok=True)
    table = Table(path)
    table.show()
    asyncio.run(build(table).run())


if __name__ == "__main__":
    main()
