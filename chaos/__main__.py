"""`python -m chaos` (`make chaos`): the whole system under load while everything fails.

Starts NATS, PostgreSQL, an SMTP sink, a webhook receiver and every service as processes on
loopback, drives a mixed load through every cross-service flow, SIGKILLs every service
several times, restarts PostgreSQL and NATS (one outage longer than the consumers' retry
budget), lets the sink and the receiver refuse for a while, then counts from the databases,
the streams, the mails and the webhook calls that nothing was lost, nothing happened twice
and nothing came out of order. Exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from arctic.runtime.logs import configure_logging
from chaos.engine import Options, run
from chaos.faults import Plan, retry_budget
from chaos.report import lines, machine


def parse(argv: list[str]) -> Options:
    """Options from the command line."""
    defaults, plan = Options(), Plan()
    parser = argparse.ArgumentParser(
        prog="python -m chaos",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--commands", type=int, default=defaults.commands, help="commands the clients send")
    add("--clients", type=int, default=defaults.clients, help="concurrent clients")
    add("--seed", type=int, default=defaults.seed, help="the random choices' seed")
    add("--kills", type=int, default=plan.kills_per_service, help="SIGKILLs per service")
    add(
        "--long-outage",
        type=float,
        default=plan.long_outage_seconds,
        help=f"seconds PostgreSQL stays down once (the retry budget is {retry_budget():.0f} s);"
        " 0: none",
    )
    add("--refusal", type=float, default=plan.refusal_seconds, help="seconds sink/receiver refuse")
    add("--cluster", action="store_true", help="a three-node NATS cluster; kill a node, the leader")
    add("--soak-minutes", type=float, default=0.0, help="a soak: load for this long, no faults")
    add("--soak-rate", type=float, default=defaults.soak_rate, help="soak flows per second")
    add("--home", type=Path, help="where the servers keep their data (default: a temp dir)")
    add("--keep", action="store_true", help="keep the data and the services' logs afterwards")
    args = parser.parse_args(argv)
    return Options(
        commands=args.commands,
        clients=args.clients,
        seed=args.seed,
        cluster=args.cluster,
        plan=Plan(
            kills_per_service=args.kills,
            long_outage_seconds=args.long_outage,
            refusal_seconds=args.refusal,
            long_outage=args.long_outage > 0,
        ),
        soak_minutes=args.soak_minutes,
        soak_rate=args.soak_rate,
        home=args.home,
        keep=args.keep,
    )


async def _main(options: Options) -> int:
    result = await run(options)
    for line in lines(result, machine()):
        print(line)
    if options.keep:
        print(f"data and logs kept in {result.home}")
    return 0 if result.passed else 1


def main(argv: list[str] | None = None) -> int:
    """Run and report; the exit code says whether every check held."""
    options = parse(sys.argv[1:] if argv is None else argv)
    configure_logging("chaos", "WARNING", stream=sys.stderr)
    # SIGTERM (a CI timeout) ends the run as Ctrl-C does: everything started is stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    return asyncio.run(_main(options))


if __name__ == "__main__":
    sys.exit(main())
