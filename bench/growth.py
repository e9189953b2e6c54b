"""Cost that grows with time: the runtime's pipeline beside the same pipeline with full tables.

The outbox keeps published rows until housekeeping prunes them (7 days), the inbox keeps ids
for longer than the streams keep messages: a service that has run for a while has large
tables that an empty benchmark database does not. Each comparison runs the runtime's
pipeline twice in one round on the same servers, once with empty tables and once with them
filled (one `INSERT … SELECT generate_series`, then VACUUM ANALYZE and CHECKPOINT, as a
long-running database would be), in alternating order:

- `outbox`: the relay alone draining `relay_events` unpublished events (relay throughput),
  and the flow at the fixed rate (its stage commit → relay claims, p99), with `outbox_rows`
  published rows retained (younger than the retention) beside an empty outbox;
- `inbox`: the consumer catching up the backlog with `inbox_rows` ids in its inbox;
- `housekeeping`: saturated load while the runtime's housekeeping prunes `outbox_rows` rows
  past their retention, beside the same load and table without housekeeping.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from functools import partial

import asyncpg

from arctic.runtime.unit_of_work import transaction
from bench import scenarios
from bench.document import Run, Section
from bench.events import requested_event
from bench.fleet import Fleet
from bench.infra import RT_CONSUMER, RT_DURABLE, RT_PRODUCER, Servers, fresh_streams
from bench.measure import STAGES
from bench.model import BacklogRound, FlowRound, Options, Summary, summarise
from bench.profile import Profiler
from bench.progress import quietly, say
from bench.report import Target, ratio_row
from bench.workers import WorkerSpec

RETAINED_AGE = timedelta(days=1)
"""Published a day ago: kept by housekeeping (retention 7 days)."""
EXPIRED_AGE = timedelta(days=8)
"""Published eight days ago: past the outbox's retention, housekeeping prunes it."""


async def emit(servers: Servers, events: int, first: int = 0) -> None:
    """`events` events into the runtime producer's outbox through `tx.emit`, 500 a
    transaction (no relay runs: they stay unpublished)."""
    pool = await asyncpg.create_pool(
        servers.dsns[RT_PRODUCER], min_size=1, max_size=1,
        server_settings={"search_path": RT_PRODUCER},
    )  # fmt: skip
    assert pool is not None
    try:
        for start in range(first, first + events, 500):
            async with transaction(pool, correlation_id=f"growth-{start}") as tx:
                for number in range(start, min(start + 500, first + events)):
                    await tx.emit(requested_event(number))
    finally:
        await pool.close()


async def fill_outbox(
    servers: Servers, conn: asyncpg.Connection, rows: int, age: timedelta
) -> None:
    """`rows` published outbox rows, copies of one real row (whatever form the runtime keeps
    its headers in) with ids and times of `age` ago."""
    await emit(servers, 1, first=10_000_000)
    outbox = f"{RT_PRODUCER}.outbox"
    template = await conn.fetchval(f"SELECT min(position) FROM {outbox}")
    await conn.execute(
        f"""INSERT INTO {outbox} (event_id, subject, headers, payload, created_at, published_at)
            SELECT uuidv7(-$2::interval), t.subject, t.headers, t.payload,
                   now() - $2::interval, now() - $2::interval
            FROM {outbox} t, generate_series(1, $1) WHERE t.position = $3""",
        rows,
        age,
        template,
    )
    await conn.execute(f"DELETE FROM {outbox} WHERE position = $1", template)


async def fill_inbox(schema: str, conn: asyncpg.Connection, durable: str, rows: int) -> None:
    """`rows` ids the consumer `durable` applied a day ago (UUIDv7 of that time, as the
    runtime's event ids are, so that today's ids land after them in the index)."""
    await conn.execute(
        f"""INSERT INTO {schema}.inbox (consumer, event_id, event_type, processed_at)
            SELECT $1, uuidv7(-interval '1 day'), 'arctic.bench.applied.v1',
                   now() - interval '1 day'
            FROM generate_series(1, $2)""",
        durable,
        rows,
    )


async def outbox_rows(servers: Servers) -> int:
    """How many rows the runtime producer's outbox holds."""
    conn = await asyncpg.connect(servers.admin_dsn)
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM {RT_PRODUCER}.outbox"))
    finally:
        await conn.close()


async def run_relay_drain(
    servers: Servers, options: Options, profiler: Profiler, retained: int, round_number: int
) -> BacklogRound:
    """The relay alone publishing `relay_events` unpublished events, `retained` published
    rows beside them; events/s from "go" to the last one published."""
    await servers.reset_data()
    nc = await servers.connect_nats()
    await fresh_streams(nc.jetstream(), RT_DURABLE, "bench-raw")
    await nc.close()
    if retained:
        conn = await asyncpg.connect(servers.admin_dsn)
        try:
            await fill_outbox(servers, conn, retained, RETAINED_AGE)
        finally:
            await conn.close()
    await emit(servers, options.relay_events)
    conn = await asyncpg.connect(servers.admin_dsn)
    try:
        await conn.execute("VACUUM ANALYZE")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()
    spec = WorkerSpec(
        "runtime", servers.nats_url, servers.dsns[RT_PRODUCER], RT_PRODUCER, produce=False
    )
    fleet = Fleet({"producer": spec})
    fleet.start()
    conn = await asyncpg.connect(servers.admin_dsn)
    try:
        meter = scenarios._meter(servers, fleet.pids)
        meter.start()
        started = time.monotonic()
        fleet.say("go")
        profiler.attach(f"relay-{retained}-{round_number}", fleet.pids, 5)
        unpublished = f"SELECT count(*) FROM {RT_PRODUCER}.outbox WHERE published_at IS NULL"
        deadline = started + 600
        while await conn.fetchval(unpublished):
            if time.monotonic() > deadline:
                raise RuntimeError("the relay did not publish its outbox within 600 s")
            await asyncio.sleep(0.02)
        seconds = time.monotonic() - started
        cpu = meter.stop()
        await asyncio.to_thread(fleet.stop)
        await asyncio.to_thread(fleet.finish)
    except BaseException:
        fleet.kill()
        raise
    finally:
        await conn.close()
    return BacklogRound("runtime", options.relay_events, seconds, 0, cpu)


def outbox_filler(servers: Servers, rows: int, age: timedelta) -> scenarios.Prepare:
    """A `prepare` filling the outbox with `rows` published rows of `age`."""

    async def prepare(conn: asyncpg.Connection, durable: str) -> None:
        await fill_outbox(servers, conn, rows, age)

    return prepare


def inbox_filler(schema: str, rows: int) -> scenarios.Prepare:
    """A `prepare` filling the consumer's inbox with `rows` ids."""
    return partial(_fill_inbox, schema, rows)


async def _fill_inbox(schema: str, rows: int, conn: asyncpg.Connection, durable: str) -> None:
    await fill_inbox(schema, conn, durable, rows)


async def run_growth(servers: Servers, options: Options, profiler: Profiler, run: Run) -> None:
    """The comparisons of `options.scenarios` (outbox, inbox, housekeeping); one section."""
    table: list[tuple[str, ...]] = []
    notes: list[str] = []
    number = options.growth_rounds
    keep = partial(quietly, max_other=options.max_other, retries=options.retries)
    if "outbox" in options.scenarios:
        drains: dict[str, list[BacklogRound]] = {"empty": [], "filled": []}
        flows: dict[str, list[FlowRound]] = {"empty": [], "filled": []}
        for n in range(number):
            for state in _order(n):
                retained = options.outbox_rows if state == "filled" else 0
                say(f"outbox {state} ({retained:,} published rows retained), relay drain")

                async def drain(retained: int = retained, n: int = n) -> BacklogRound:
                    return await run_relay_drain(servers, options, profiler, retained, n)

                name = f"relay drain, outbox {state}"
                drains[state].append(await keep(drain, disturbed=run.disturbed, name=name))
                say(f"  {drains[state][-1].rate:,.0f} events/s")
                prepare = outbox_filler(servers, retained, RETAINED_AGE) if retained else None
                say(f"outbox {state}, flow at {options.rate:g}/s")

                async def flow(
                    prepare: scenarios.Prepare | None = prepare, n: int = n
                ) -> FlowRound:
                    return await scenarios.run_flow(
                        servers, "runtime", options, options.rate, profiler, n, prepare
                    )

                name = f"flow at {options.rate:g}/s, outbox {state}"
                flows[state].append(await keep(flow, disturbed=run.disturbed, name=name))
        empty, filled = summarise(drains["empty"]), summarise(drains["filled"])
        label = f"relay draining {options.relay_events:,} events, events/s: empty → full outbox"
        table.append(_compare(label, empty, filled, (empty.rate, filled.rate), 0, RATE_95))
        empty, filled = summarise(flows["empty"]), summarise(flows["filled"])
        stage = STAGES[0]
        values = (empty.stages[stage].p99, filled.stages[stage].p99)
        label = f"at {options.rate:g}/s: {stage}, p99 ms: empty → full outbox"
        table.append(_compare(label, empty, filled, values, 1, P99_95))
        values = (empty.latency.p99, filled.latency.p99)
        label = f"at {options.rate:g}/s: commit → effect, p99 ms: empty → full outbox"
        table.append(_compare(label, empty, filled, values, 1))
        notes.append(
            f"outbox: filled = {options.outbox_rows:,} published rows retained (a day old, "
            "inside the retention) beside the events in flight; the relay drain is the relay "
            "alone publishing an outbox of unpublished events."
        )
    if "housekeeping" in options.scenarios:
        saturated: dict[str, list[FlowRound]] = {"empty": [], "filled": []}
        pruned: list[int] = []
        prepare = outbox_filler(servers, options.outbox_rows, EXPIRED_AGE)
        for n in range(number):
            for state in _order(n):
                pruning = state == "filled"
                say(f"saturated, {options.outbox_rows:,} expired rows, housekeeping {pruning}")

                async def loaded(pruning: bool = pruning, n: int = n) -> FlowRound:
                    return await scenarios.run_flow(
                        servers, "runtime", options, None, profiler, n, prepare, pruning
                    )

                name = f"saturated, housekeeping {'on' if pruning else 'off'}"
                saturated[state].append(await keep(loaded, disturbed=run.disturbed, name=name))
                if pruning:
                    pruned.append(options.outbox_rows - await _expired(servers))
        without, with_ = summarise(saturated["empty"]), summarise(saturated["filled"])
        label = "saturated throughput, events/s: without → with housekeeping pruning"
        table.append(_compare(label, without, with_, (without.rate, with_.rate), 0, RATE_90))
        notes.append(
            f"housekeeping: both runs start with {options.outbox_rows:,} published rows past "
            "the outbox's retention; in one the runtime's housekeeping (its default batch and "
            f"pause, in the producing service) prunes them meanwhile: it removed "
            f"{', '.join(f'{count:,}' for count in pruned)} rows during the run(s)."
        )
    if "inbox" in options.scenarios:
        say(f"filling the stream with {options.backlog:,} events")
        await scenarios.fill_backlog(servers, options.backlog)
        backlogs: dict[str, list[BacklogRound]] = {"empty": [], "filled": []}
        for n in range(number):
            for state in _order(n):
                ids = options.inbox_rows if state == "filled" else 0
                say(f"backlog, inbox {state} ({ids:,} ids)")
                filler = inbox_filler(RT_CONSUMER, ids) if ids else None

                async def backlog(
                    filler: scenarios.Prepare | None = filler, n: int = n
                ) -> BacklogRound:
                    return await scenarios.run_backlog(
                        servers, "runtime", options, profiler, 100 + n, filler
                    )

                name = f"backlog, inbox {state}"
                backlogs[state].append(await keep(backlog, disturbed=run.disturbed, name=name))
                say(f"  {backlogs[state][-1].rate:,.0f} events/s")
        empty, filled = summarise(backlogs["empty"]), summarise(backlogs["filled"])
        label = f"consumer catching up {options.backlog:,} events, events/s: empty → full inbox"
        table.append(_compare(label, empty, filled, (empty.rate, filled.rate), 0, RATE_90))
        notes.append(f"inbox: filled = {options.inbox_rows:,} ids applied a day ago.")
    if table:
        title = "4. Cost that grows with time: the runtime with empty tables against full ones"
        header = ("measure", "baseline", "grown", "grown/baseline", "target", "met", "others")
        run.sections.append(Section(title, header, table, notes))


RATE_95: Target = ("≥ 0.95x", lambda r: r >= 0.95)
RATE_90: Target = ("≥ 0.90x", lambda r: r >= 0.9)
P99_95: Target = ("≤ 1.05x", lambda r: r <= 1 / 0.95)
"""A p99 within 0.95x of the empty table's speed: at most 1/0.95 of its time."""


def _order(number: int) -> tuple[str, str]:
    return ("empty", "filled") if number % 2 == 0 else ("filled", "empty")


def _compare(
    label: str, empty: Summary, filled: Summary, values: tuple[float, float], digits: int,
    target: Target | None = None,
) -> tuple[str, ...]:  # fmt: skip
    others = max(empty.most_other, filled.most_other)
    return ratio_row(label, values[0], values[1], digits, target, others)


async def _expired(servers: Servers) -> int:
    conn = await asyncpg.connect(servers.admin_dsn)
    try:
        query = f"SELECT count(*) FROM {RT_PRODUCER}.outbox WHERE created_at < now() - $1::interval"
        return int(await conn.fetchval(query, EXPIRED_AGE - timedelta(hours=1)))
    finally:
        await conn.close()
