"""`python -m bench`: the raw pipeline and the runtime's, on the same fresh servers."""

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
from bench import scenarios
from bench.infra import Servers
from bench.machine import describe
from bench.measure import Latency
from bench.model import BacklogRound, FlowRound, Options
from bench.profile import Profiler
from bench.report import Results, console, markdown
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
        choices=defaults.scenarios,
        default=list(defaults.scenarios),
        help="run only these scenarios",
    )
    add(
        "--handler",
        choices=("batch", "event"),
        default=defaults.handler,
        help="runtime consumer: a batch handler (one statement) or a per-event handler",
    )
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
        scenarios=tuple(args.only),
        handler=args.handler,
    )
    return options, args.output, args.profile


def say(message: str) -> None:
    """Progress on stderr, so that stdout holds the table."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def run(options: Options, profiler: Profiler) -> tuple[Results, list[tuple[str, str]]]:
    """Start the servers, run the scenarios for both pipelines, describe the machine."""
    servers = Servers()
    say(f"starting NATS and PostgreSQL under {servers.root}")
    await servers.start()
    try:
        await servers.create_schemas()
        results = Results(options)
        if "saturated" in options.scenarios:
            await _flows(servers, options, None, profiler, results)
        if "latency" in options.scenarios:
            await _flows(servers, options, options.rate, profiler, results)
        if "backlog" in options.scenarios:
            say(f"filling the stream with {options.backlog:,} events")
            await scenarios.fill_backlog(servers, options.backlog)
            for number in range(options.backlog_rounds):
                for pipeline in scenarios.order(number):
                    say(f"backlog round {number + 1}, {pipeline} consumer")

                    async def attempt(
                        pipeline: Pipeline = pipeline, number: int = number
                    ) -> BacklogRound:
                        return await scenarios.run_backlog(
                            servers, pipeline, options, profiler, number
                        )

                    backlog = await quietly(attempt, options, results)
                    results.backlog.setdefault(pipeline, []).append(backlog)
                    say(f"  {backlog.rate:,.0f} events/s ({backlog.seconds:.1f} s)")
        return results, await describe(servers.admin_dsn)
    finally:
        servers.stop()


async def quietly(
    attempt: Callable[[], Awaitable[Measured]], options: Options, results: Results
) -> Measured:
    """Run `attempt` again while other processes disturbed it (more than `max_other` cores)."""
    for tries in range(options.retries + 1):
        measured = await attempt()
        if measured.other_cores <= options.max_other:
            return measured
        verdict = "running it again" if tries < options.retries else "kept, no retries left"
        say(f"  disturbed: other processes kept {measured.other_cores:.2f} cores busy; {verdict}")
        results.disturbed.append(f"{measured.pipeline}: {measured.other_cores:.2f} cores")
    return measured


async def _flows(
    servers: Servers, options: Options, rate: float | None, profiler: Profiler, results: Results
) -> None:
    load = "saturated" if rate is None else f"{rate:g} events/s"
    into = results.saturated if rate is None else results.latency
    for number in range(options.rounds):
        for pipeline in scenarios.order(number):
            say(f"{load}, round {number + 1}/{options.rounds}, {pipeline} pipeline")

            async def attempt(pipeline: Pipeline = pipeline, number: int = number) -> FlowRound:
                return await scenarios.run_flow(servers, pipeline, options, rate, profiler, number)

            flow = await quietly(attempt, options, results)
            into.setdefault(pipeline, []).append(flow)
            latency = Latency.of(flow.latencies_ms)
            say(f"  {flow.throughput:,.0f}/s, p50 {latency.p50:.1f}, p99 {latency.p99:.1f} ms")


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark, print the table and write the markdown results."""
    options, output, profile_dir = parse(sys.argv[1:] if argv is None else argv)
    # A terminated run still stops its servers and deletes their folders (finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    configure_logging("bench", "WARNING")
    logging.getLogger("asyncpg").setLevel(logging.WARNING)
    profiler = Profiler(profile_dir)
    if profile_dir is not None:  # py-spy itself is "another process": do not re-run for it
        options = dataclasses.replace(options, retries=0)
    results, machine = uvloop.run(run(options, profiler))
    print(console(results))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(markdown(results, machine))
    say(f"results written to {output}")
    for summary in profiler.collect():
        print("\n" + summary)


if __name__ == "__main__":
    main()
