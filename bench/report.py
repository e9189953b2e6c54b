"""The results as a console table and as markdown (`bench/results/latest.md`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench.measure import STAGES
from bench.model import BacklogRound, FlowRound, Options, Summary, summarise

HEADER = ("measure", "raw", "runtime", "runtime/raw", "target", "met")
GROUPS = ("producer", "consumer", "postgres", "nats")
Target = tuple[str, Callable[[float], bool]]


@dataclass
class Results:
    """Everything one run measured, by scenario, then pipeline, then round."""

    options: Options
    saturated: dict[str, list[FlowRound]] = field(default_factory=dict)
    latency: dict[str, list[FlowRound]] = field(default_factory=dict)
    backlog: dict[str, list[BacklogRound]] = field(default_factory=dict)
    disturbed: list[str] = field(default_factory=list)
    """Runs done again because other processes used the machine meanwhile."""

    def summaries(self) -> dict[str, tuple[Summary, Summary]]:
        """(raw, runtime) pooled figures of each scenario that ran for both pipelines."""
        out = {}
        for name in ("saturated", "latency", "backlog"):
            runs: dict[str, list[FlowRound]] | dict[str, list[BacklogRound]] = getattr(self, name)
            if "raw" in runs and "runtime" in runs:
                out[name] = (summarise(runs["raw"]), summarise(runs["runtime"]))
        return out


def _row(
    label: str, raw: float, runtime: float, digits: int = 0, target: Target | None = None
) -> tuple[str, ...]:
    ratio = runtime / raw if raw else math.nan
    met = "" if target is None else ("yes" if target[1](ratio) else "NO")
    shown = f"{ratio:.2f}x" if math.isfinite(ratio) else "n/a"
    cells = (f"{raw:,.{digits}f}", f"{runtime:,.{digits}f}", shown)
    return (label, *cells, "" if target is None else target[0], met)


def _cpu_rows(name: str, raw: Summary, runtime: Summary) -> list[tuple[str, ...]]:
    out = [
        _row(f"{name}: CPU ms/event, {group}", raw.cpu_ms[group], runtime.cpu_ms[group], 3)
        for group in GROUPS
        if group in raw.cpu_ms and group in runtime.cpu_ms
    ]
    total_raw = sum(raw.cpu_ms[group] for group in GROUPS if group in raw.cpu_ms)
    total_runtime = sum(runtime.cpu_ms[group] for group in GROUPS if group in runtime.cpu_ms)
    out.append(_row(f"{name}: CPU ms/event, total", total_raw, total_runtime, 3))
    out.append(_row(f"{name}: other processes, cores busy", raw.other, runtime.other, 2))
    return out


def rows(results: Results) -> list[tuple[str, ...]]:
    """The table's rows: the three targets first, then the figures behind them."""
    found = results.summaries()
    rate = f"{results.options.rate:g}/s"
    out: list[tuple[str, ...]] = []
    if "saturated" in found:
        raw, runtime = found["saturated"]
        label = "saturated throughput, events/s (commit → effect)"
        out.append(_row(label, raw.rate, runtime.rate, 0, ("≥ 0.80x", lambda r: r >= 0.8)))
    if "latency" in found:
        raw, runtime = found["latency"]
        out.append(
            _row(
                f"latency p99 at {rate}, ms",
                raw.latency.p99,
                runtime.latency.p99,
                1,
                ("≤ 1.50x", lambda r: r <= 1.5),
            )
        )
    if "backlog" in found:
        raw, runtime = found["backlog"]
        label = f"backlog of {results.options.backlog:,}: catch-up events/s"
        out.append(_row(label, raw.rate, runtime.rate, 0, ("≥ 0.50x", lambda r: r >= 0.5)))
    if "latency" in found:
        raw, runtime = found["latency"]
        out.append(_row(f"latency p50 at {rate}, ms", raw.latency.p50, runtime.latency.p50, 1))
        out.append(_row(f"latency max at {rate}, ms", raw.latency.max, runtime.latency.max, 1))
        for stage in (s for s in STAGES if s in raw.stages and s in runtime.stages):
            for name in ("p50", "p99"):
                label = f"at {rate}: {stage}, {name} ms"
                value_raw = getattr(raw.stages[stage], name)
                out.append(_row(label, value_raw, getattr(runtime.stages[stage], name), 1))
        out += _cpu_rows(f"at {rate}", raw, runtime)
    if "saturated" in found:
        raw, runtime = found["saturated"]
        out.append(_row("saturated: latency p50, ms", raw.latency.p50, runtime.latency.p50, 1))
        out += _cpu_rows("saturated", raw, runtime)
    if "backlog" in found:
        out += _cpu_rows("backlog", *found["backlog"])
    return out


def checks(results: Results) -> list[str]:
    """Each round: achieved load, exactly-once check, its own figure."""
    lines = []
    for name, runs in (("saturated", results.saturated), ("latency", results.latency)):
        for pipeline, rounds in runs.items():
            for number, one in enumerate(rounds, 1):
                seconds = one.producer.get("seconds", 0.0)
                summary = summarise([one])
                lines.append(
                    f"{name} round {number}, {pipeline}: {one.throughput:,.0f} events/s, "
                    f"p99 {summary.latency.p99:.1f} ms; {one.committed:,} committed in "
                    f"{seconds:.0f} s ({one.producer.get('failed', 0)} failed), "
                    f"{one.effects:,} effects, {one.duplicates} duplicates; "
                    f"other processes {summary.other:.2f} cores"
                )
    for pipeline, backlog_rounds in results.backlog.items():
        for number, backlog in enumerate(backlog_rounds, 1):
            other = summarise([backlog]).other
            lines.append(
                f"backlog round {number}, {pipeline}: {backlog.events:,} effects in "
                f"{backlog.seconds:.1f} s ({backlog.rate:,.0f}/s), {backlog.duplicates} "
                f"duplicates; other processes {other:.2f} cores"
            )
    return lines


def _disturbed(results: Results) -> str:
    limit = f"{results.options.max_other:g} cores"
    if not results.disturbed:
        return f"No run was disturbed by other processes (limit {limit})."
    runs = "; ".join(results.disturbed)
    retries = results.options.retries
    return (
        f"Runs disturbed by other processes (more than {limit} busy): {runs}. Each was run "
        f"again, at most {retries} times; the last attempt is the one counted."
    )


def console(results: Results) -> str:
    """A fixed-width table for the terminal, then the per-round lines."""
    table = [HEADER, *rows(results)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in table]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join([*lines, "", *checks(results), "", _disturbed(results)])


def markdown(results: Results, machine: list[tuple[str, str]]) -> str:
    """The same figures, the settings of the run and the machine, as markdown."""
    o = results.options
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = (
        f"uv run --locked python -m bench --duration {o.duration:g} --warmup {o.warmup:g} "
        f"--rounds {o.rounds} --rate {o.rate:g} --concurrency {o.concurrency} "
        f"--window {o.window} --batch-size {o.batch_size} --backlog {o.backlog} "
        f"--backlog-rounds {o.backlog_rounds} --handler {o.handler}"
    )
    out = [f"# Benchmark results ({stamp})", "", f"`{command}`", ""]
    out += ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    out += ["| " + " | ".join(row) + " |" for row in rows(results)]
    out += ["", "Rounds (pooled above: events over seconds, latency over all samples):", ""]
    out += [f"- {line}" for line in checks(results)]
    out += ["", _disturbed(results)]
    out += ["", "## Machine", ""] + [f"- **{label}**: {value}" for label, value in machine]
    return "\n".join(out) + "\n"
