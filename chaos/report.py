"""The figures of a run, printed."""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from pathlib import Path

from chaos.engine import Result

MIB = 1024


def _mib(kib: int | None) -> str:
    return "-" if kib is None else f"{kib / MIB:.0f} MiB"


def machine() -> list[tuple[str, str]]:
    """CPU, cores, memory and Python of this machine."""
    info = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
               platform.processor())  # fmt: skip
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))  # fmt: skip
    return [
        ("CPU", cpu),
        ("cores", str(len(os.sched_getaffinity(0)))),
        ("memory", f"{int(memory) / 1024 / 1024:.1f} GiB"),
        ("Python", platform.python_version()),
    ]


def lines(result: Result, machine: list[tuple[str, str]] | None = None) -> list[str]:
    """The report as lines of text."""
    ledger, figures = result.ledger, result.figures
    out: list[str] = []
    say: Callable[[str], None] = out.append
    say(f"chaos run: {'PASSED' if result.passed else 'FAILED'}")
    for label, value in machine or []:
        say(f"  {label:<10} {value}")
    say(f"load {result.load_seconds:.0f} s, settled {result.settle_seconds:.0f} s after it")
    say(f"commands accepted: {ledger.commands}")
    for kind, accepted in sorted(ledger.accepted.items()):
        say(f"  {kind:<20} {accepted}")
    say(f"  sends retried with the same Idempotency-Key: {ledger.retried}")
    say(f"  bookings re-planned (their period began during an outage): {ledger.replanned}")
    say(f"  commands never accepted: {len(ledger.failed)}")
    for failure in ledger.failed[:10]:
        say(f"    {failure}")
    say(f"events published: {sum(figures.events.values())}")
    for stream, messages in sorted(figures.events.items()):
        say(f"  {stream:<20} {messages}")
    say(f"effects found exactly once: {sum(figures.effects.values())}")
    for what, found in sorted(figures.effects.items()):
        if found:
            say(f"  {what:<60} {found}")
    say(f"duplicates: {sum(figures.duplicates.values())}")
    for what, found in sorted(figures.duplicates.items()):
        say(f"  {what:<60} {found}")
    say(f"losses: {sum(figures.losses.values())}")
    for what, found in sorted(figures.losses.items()):
        say(f"  {what:<60} {found}")
    say(f"out of order: {figures.out_of_order}")
    say(f"dead letters: {figures.dead_letters}")
    say(
        f"mails {figures.mails}, webhook calls {figures.webhook_calls}; sends repeated after a "
        f"SIGKILL of notifications: {figures.repeated_sends} (documented bound "
        f"{figures.allowed_repeats}: {figures.allowed_repeats // 2 or 0} kills x 2 in flight)"
    )
    say("faults (at command; down; time to recover: ready and a command accepted again):")
    for fault in result.faults:
        recovered = "-" if fault.recovered_seconds is None else f"{fault.recovered_seconds:.1f} s"
        say(
            f"  {fault.name:<34} at {fault.at_command:>6}  down {fault.down_seconds:6.1f} s"
            f"  recovered {recovered}"
        )
    for name, pause in result.publishing_pauses.items():
        say(f"  publishing paused {pause:.1f} s at most in: {name}")
    say("resident memory (start -> end; processes started):")
    for name in result.rss_start:
        say(
            f"  {name:<14} {_mib(result.rss_start[name]):>8} -> {_mib(result.rss_end[name]):>8}"
            f"  ({result.starts.get(name, 1)} starts)"
        )
    if len(result.rss_samples) > 2:
        say("resident memory over time (MiB):")
        names = list(result.rss_start)
        say("  " + f"{'s':>6} " + " ".join(f"{n[:12]:>12}" for n in names))
        for at, sample in result.rss_samples:
            say("  " + f"{at:6.0f} " + " ".join(f"{_mib(sample.get(n)):>12}" for n in names))
    if figures.problems:
        say(f"problems ({len(figures.problems)}, the first 20):")
        for problem in figures.problems[:20]:
            say(f"  {problem}")
    return out
