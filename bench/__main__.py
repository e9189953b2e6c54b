"""`python -m bench`: the services, the domain's benchmarks, the raw pipeline beside the
runtime's (NATS default sync and `sync_interval: always`), and the cost that grows with time."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import uvloop

from arctic.runtime.logs import configure_logging
from bench import domain, growth, scenarios, services
from bench.document import Run, console, markdown
from bench.infra import Servers
from bench.machine import describe
from bench.measure import Latency
from bench.model import GROWTH, PARTS, PIPELINE, BacklogRound, FlowRound, Options
from bench.profile import Profiler
from bench.progress import quietly, say
from bench.report import Results
from bench.workers import Pipeline

Measured = TypeVar("Measured", FlowRound, BacklogRound)

RESULTS = Path(__file__).parent / "results" / "latest.md"


def parse(argv: list[str]) -> tuple[Options, Path, Path | None]:
    """Options from the command line."""
    defaults = Options()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    add = parser.add_argument
    add("--duration", type=float, default=defaults.duration, help="measured seconds per flow run")
    add("--warmup", type=float, default=defaults.warmup, help="unmeasured seconds before")
    add("--rounds", type=int, default=defaults.rounds, help="flow rounds per pipeline")
    add("--rate", type=float, default=defaults.rate, help="offered events/s of the latency run")
    add("--concurrency", type=int, default=defaults.concurrency, help="producer connections")
    add("--window", type=int, default=defaults.window, help="saturation: max events in flight")
    add("--batch-size", type=int, default=defaults.batch_size, help="consumer fetch batch")
    add("--backlog", type=int, default=defaults.backlog, help="events in the backlog run")
    add("--backlog-rounds", type=int, default=defaults.backlog_rounds, help="backlog rounds")
    add(
        "--only",
        nargs="+",
        choices=PARTS,
        default=list(defaults.scenarios),
        help="run only these parts",
    )
    add(
        "--sync",
        nargs="+",
        choices=("default", "always"),
        default=list(defaults.syncs),
        help="the pipeline's column sets: NATS default sync, `sync_interval: always`",
    )
    add(
        "--handler",
        choices=("batch", "event"),
        default=defaults.handler,
        help="runtime consumer: a batch handler (one statement) or a per-event handler",
    )
    add("--memory-events", type=int, default=defaults.memory_events, help="services: events")
    add("--search-sizes", type=int, nargs="+", default=list(defaults.search_sizes))
    add("--delivery-events", type=int, default=defaults.delivery_events, help="deliveries")
    add("--relay-events", type=int, default=defaults.relay_events, help="outbox: relay drain")
    add("--outbox-rows", type=int, default=defaults.outbox_rows, help="outbox: rows retained")
    add("--inbox-rows", type=int, default=defaults.inbox_rows, help="inbox: ids retained")
    add("--growth-rounds", type=int, default=defaults.growth_rounds, help="growth rounds")
    add("--output", type=Path, default=RESULTS, help="markdown results file")
    add("--max-other", type=float, default=defaults.max_other, help="cores others may use")
    add("--retries", type=int, default=defaults.retries, help="re-runs of a disturbed run")
    add("--profile", type=Path, default=None, help="record each worker with py-spy into DIR")
    args = parser.parse_args(argv)
    options = Options(
        duration=args.duration,
        warmup=args.warmup,
        rounds=args.rounds,
        rate=args.rate,
        concurrency=args.concurrency,
        window=args.window,
        batch_size=args.batch_size,
        backlog=args.backlog,
        backlog_rounds=args.backlog_rounds,
        max_other=args.max_other,
        retries=args.retries,
        scenarios=tuple(part for part in PARTS if part in args.only),
        handler=args.handler,
        syncs=tuple(sync for sync in ("default", "always") if sync in args.sync),
        memory_events=args.memory_events,
        search_sizes=tuple(args.search_sizes),
        delivery_events=args.delivery_events,
        relay_events=args.relay_events,
        outbox_rows=args.outbox_rows,
        inbox_rows=args.inbox_rows,
        growth_rounds=args.growth_rounds,
    )
    return options, args.output, args.profile


def command_of(argv: list[str]) -> str:
    """The command line as run (for the report)."""
    return " ".join(["uv run --locked python -m bench", *argv])


async def run(options: Options, profiler: Profiler, run: Run) -> list[tuple[str, str]]:
    """Every part asked for, in the report's order; the machine's description."""
    if "services" in options.scenarios:
        await services.measure(options, run)
    if "search" in options.scenarios:
        await domain.search(options, run)
    if "delivery" in options.scenarios:
        await domain.delivery_run(options, run)
    machine: list[tuple[str, str]] = []
    wanted_pipeline = any(part in options.scenarios for part in PIPELINE)
    for sync in options.syncs if wanted_pipeline else ():
        machine = await _pipeline(options, profiler, run, sync)
    if any(part in options.scenarios for part in GROWTH):
        servers = Servers()
        say(f"cost that grows with time: NATS and PostgreSQL under {servers.root}")
        await servers.start()
        try:
            await servers.create_schemas()
            await growth.run_growth(servers, options, profiler, run)
            machine = await describe(servers.admin_dsn)
        finally:
            servers.stop()
    return machine or await describe(None)


async def _pipeline(
    options: Options, profiler: Profiler, run: Run, sync: str
) -> list[tuple[str, str]]:
    """Both pipelines on fresh servers whose NATS has `sync`."""
    servers = Servers(sync_always=sync == "always")
    say(f"NATS ({sync} sync) and PostgreSQL under {servers.root}")
    await servers.start()
    results = run.pipelines[sync] = Results(options)
    try:
        await servers.create_schemas()
        if "saturated" in options.scenarios:
            await _flows(servers, options, None, profiler, results, run)
        if "latency" in options.scenarios:
            await _flows(servers, options, options.rate, profiler, results, run)
        if "backlog" in options.scenarios:
            say(f"filling the stream with {options.backlog:,} events")
            await scenarios.fill_backlog(servers, options.backlog)
            for number in range(options.backlog_rounds):
                for pipeline in scenarios.order(number):
                    say(f"backlog round {number + 1}, {pipeline} consumer ({sync} sync)")

                    async def attempt(
                        pipeline: Pipeline = pipeline, number: int = number
                    ) -> BacklogRound:
                        return await scenarios.run_backlog(
                            servers, pipeline, options, profiler, number
                        )

                    name = f"backlog {pipeline} ({sync} sync)"
                    backlog = await _quietly(attempt, options, run, name)
                    results.backlog.setdefault(pipeline, []).append(backlog)
                    say(f"  {backlog.rate:,.0f} events/s ({backlog.seconds:.1f} s)")
        return await describe(servers.admin_dsn)
    finally:
        servers.stop()


async def _quietly(
    attempt: Callable[[], Awaitable[Measured]], options: Options, run: Run, name: str
) -> Measured:
    return await quietly(attempt, options.max_other, options.retries, run.disturbed, name)


async def _flows(
    servers: Servers,
    options: Options,
    rate: float | None,
    profiler: Profiler,
    results: Results,
    run: Run,
) -> None:
    load = "saturated" if rate is None else f"{rate:g} events/s"
    into = results.saturated if rate is None else results.latency
    sync = "always" if servers.sync_always else "default"
    for number in range(options.rounds):
        for pipeline in scenarios.order(number):
            say(f"{load}, round {number + 1}/{options.rounds}, {pipeline} pipeline ({sync} sync)")

            async def attempt(pipeline: Pipeline = pipeline, number: int = number) -> FlowRound:
                return await scenarios.run_flow(servers, pipeline, options, rate, profiler, number)

            flow = await _quietly(attempt, options, run, f"{load} {pipeline} ({sync} sync)")
            into.setdefault(pipeline, []).append(flow)
            latency = Latency.of(flow.latencies_ms)
            say(f"  {flow.throughput:,.0f}/s, p50 {latency.p50:.1f}, p99 {latency.p99:.1f} ms")


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark, print the tables and write the markdown results."""
    arguments = sys.argv[1:] if argv is None else argv
    options, output, profile_dir = parse(arguments)
    # A terminated run still stops its servers and deletes their folders (finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    configure_logging("bench", "WARNING", stream=sys.stderr)
    logging.getLogger("asyncpg").setLevel(logging.WARNING)
    profiler = Profiler(profile_dir)
    if profile_dir is not None:  # py-spy itself is "another process": do not re-run for it
        options = dataclasses.replace(options, retries=0)
    started = time.monotonic()
    report = Run(options, command_of(arguments))
    machine = uvloop.run(run(options, profiler, report))
    minutes = (time.monotonic() - started) / 60
    say(f"done in {minutes:.1f} min")
    print(console(report))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(markdown(report, machine))
    say(f"results written to {output}")
    for summary in profiler.collect():
        print("\n" + summary)


if __name__ == "__main__":
    main()
