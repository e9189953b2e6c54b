"""One chaos run: the stack, the load, the faults, then the settling and the counting."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from chaos.checks import QUIET_HOURS_WAIT, Figures, count, settle
from chaos.faults import Fault, Faults, Plan
from chaos.load import Ledger, Load
from chaos.stack import Stack, start_stack


@dataclass
class Options:
    """What to run."""

    commands: int = 10_000
    clients: int = 8
    seed: int = 1
    cluster: bool = False
    plan: Plan = field(default_factory=Plan)
    soak_minutes: float = 0.0  # > 0: load for this long at `soak_rate`, no faults
    soak_rate: float = 5.0  # flows a second in all
    home: Path | None = None
    keep: bool = False


@dataclass
class Result:
    """What a run did and found."""

    ledger: Ledger
    figures: Figures
    faults: list[Fault]
    rss_start: dict[str, int | None]
    rss_end: dict[str, int | None]
    rss_samples: list[tuple[float, dict[str, int | None]]]
    load_seconds: float
    settle_seconds: float
    publishing_pauses: dict[str, float]
    starts: dict[str, int]
    home: Path

    @property
    def passed(self) -> bool:
        """Every check held and every command was accepted."""
        return self.figures.passed and not self.ledger.failed


def progress(line: str) -> None:
    """A line on stderr while the run goes (the figures go to stdout at the end)."""
    print(f"chaos: {time.strftime('%H:%M:%S')} {line}", file=sys.stderr, flush=True)


async def run(options: Options) -> Result:
    """Start the stack, drive the load while the faults happen, settle, count, stop."""
    home = options.home or Path(tempfile.mkdtemp(prefix="arctic-chaos-"))
    progress(f"starting the stack in {home}")
    stack = await start_stack(home / "stack", cluster=options.cluster)
    progress("every service ready")
    try:
        return await _run(stack, options, home)
    finally:
        stack.stop()
        if not options.keep:
            shutil.rmtree(home, ignore_errors=True)


async def _run(stack: Stack, options: Options, home: Path) -> Result:
    ledger = Ledger()
    soak = options.soak_minutes > 0
    commands = 10**9 if soak else options.commands
    load = Load(stack, ledger, commands, options.clients, options.seed)
    if soak:
        load.deadline = time.monotonic() + options.soak_minutes * 60
        load.pause = options.clients / options.soak_rate
        plan = Plan(kills_per_service=0, restarts=False, long_outage=False, refusals=False)
    else:
        plan = options.plan
    faults = Faults(stack, ledger, commands, plan, options.seed)
    # Every fault happens under load: the clients go on past `commands` until the last
    # fault has been healed.
    load.more = lambda: not faults.done
    rss_start = stack.rss()
    samples: list[tuple[float, dict[str, int | None]]] = [(0.0, rss_start)]
    started = time.monotonic()
    loading = asyncio.create_task(load.run())
    faults.load_done = loading.done
    making_due = asyncio.create_task(_make_due(stack, ledger, loading))
    sampling = asyncio.create_task(_sample(stack, samples, started, loading))
    reporting = asyncio.create_task(_report(ledger, faults, loading))
    await asyncio.gather(loading, faults.run(), making_due, sampling, reporting)
    load_seconds = time.monotonic() - started
    progress(f"load done: {ledger.commands} commands accepted; waiting for the system to settle")
    settle_seconds = await settle(stack, ledger)
    progress("settled; counting")
    notification_kills = sum(1 for f in faults.faults if f.name == "SIGKILL notifications")
    figures = await count(stack, ledger, notification_kills)
    pauses = await _publishing_pauses(stack, faults.faults)
    rss_end = stack.rss()
    samples.append((time.monotonic() - started, rss_end))
    return Result(
        ledger, figures, faults.faults, rss_start, rss_end, samples, load_seconds,
        settle_seconds, pauses, {n: s.starts for n, s in stack.services.items()}, home,
    )  # fmt: skip


async def _make_due(stack: Stack, ledger: Ledger, loading: asyncio.Task[None]) -> None:
    """Bring to now what the run's real clock would make it wait hours or months for.

    An agreement's first evaluation reminders (`Ledger.due_keys`) are months away: their rows
    in `scheduled_events` are moved to now, as an operator would, and partnerships' own
    scheduler fires them under the same faults as the rest. Optional messages (e.g. a
    negotiation started) wait out the recipient's quiet hours (21-07 Finnish time unless they
    chose others): at night they are moved to now likewise, so that their mails are counted."""
    done = 0
    while True:
        keys = ledger.due_keys[done:]
        try:
            conn = await asyncpg.connect(stack.admin_dsn, timeout=5)
            try:
                await conn.execute(
                    "UPDATE partnerships.scheduled_events SET due_at = now()"
                    " WHERE key = ANY($1::text[])",
                    keys,
                )
                await conn.execute(QUIET_HOURS_WAIT)
            finally:
                await conn.close()
            done += len(keys)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            pass  # PostgreSQL is down: the next round
        if loading.done() and done == len(ledger.due_keys):
            return
        await asyncio.sleep(1)


async def _report(ledger: Ledger, faults: Faults, loading: asyncio.Task[None]) -> None:
    """Progress every 10 s: commands accepted, faults given."""
    while not loading.done():
        await asyncio.wait([loading], timeout=10)
        given = [f.name for f in faults.faults if f.started]
        progress(
            f"{ledger.commands} commands accepted, {len(ledger.failed)} failed, "
            f"{ledger.retried} retried; faults given {len(given)}/{len(faults.faults)}"
            + (f" (last: {given[-1]})" if given else "")
        )


async def _sample(
    stack: Stack,
    samples: list[tuple[float, dict[str, int | None]]],
    started: float,
    loading: asyncio.Task[None],
    every: float = 30.0,
) -> None:
    """The services' resident memory every `every` seconds while the load runs."""
    while not loading.done():
        await asyncio.wait([loading], timeout=every)
        samples.append((time.monotonic() - started, stack.rss()))


async def _publishing_pauses(stack: Stack, faults: list[Fault]) -> dict[str, float]:
    """For each NATS fault: the longest time in its window in which no service published
    (from the outboxes' `published_at`, counted from the fault's start)."""
    pauses: dict[str, float] = {}
    conn = await asyncpg.connect(stack.admin_dsn)
    try:
        for fault in faults:
            if "NATS" not in fault.name:
                continue
            begin = fault.wall_started
            end = begin + fault.down_seconds + (fault.recovered_seconds or 0) + 5
            union = " UNION ALL ".join(
                f"SELECT extract(epoch FROM published_at)::float8 AS t FROM {name}.outbox"
                " WHERE published_at BETWEEN to_timestamp($1) AND to_timestamp($2)"
                for name in stack.services
            )
            times = [begin, *sorted(r["t"] for r in await conn.fetch(union, begin, end))]
            pauses[fault.name] = max(
                (b - a for a, b in itertools.pairwise(times)), default=end - begin
            )
    finally:
        await conn.close()
    return pauses
