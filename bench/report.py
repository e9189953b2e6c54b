"""The pipeline's figures as table rows: raw against runtime, pooled over the rounds."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.measure import STAGES
from bench.model import BacklogRound, FlowRound, Options, Summary, summarise

HEADER = ("measure", "raw", "runtime", "runtime/raw", "target", "met", "others")
"""`others`: cores that processes outside the benchmark kept busy during the runs behind the
figure (the most of any of them); above `--max-other` the run was done again."""
GROUPS = ("producer", "consumer", "postgres", "nats")
Target = tuple[str, Callable[[float], bool]]


@dataclass
class Results:
    """Everything one run measured, by scenario, then pipeline, then round."""

    options: Options
    saturated: dict[str, list[FlowRound]] = field(default_factory=dict)
    latency: dict[str, list[FlowRound]] = field(default_factory=dict)
    backlog: dict[str, list[BacklogRound]] = field(default_factory=dict)

    def summaries(self) -> dict[str, tuple[Summary, Summary]]:
        """(raw, runtime) pooled figures of each scenario that ran for both pipelines."""
        out = {}
        for name in ("saturated", "latency", "backlog"):
            runs: dict[str, list[FlowRound]] | dict[str, list[BacklogRound]] = getattr(self, name)
            if "raw" in runs and "runtime" in runs:
                out[name] = (summarise(runs["raw"]), summarise(runs["runtime"]))
        return out


def ratio_row(
    label: str,
    raw: float,
    runtime: float,
    digits: int = 0,
    target: Target | None = None,
    others: float = math.nan,
) -> tuple[str, ...]:
    """A measure, its baseline and its value, their ratio, the target it meets or not, and
    the disturbance of its runs."""
    ratio = runtime / raw if raw else math.nan
    met = "" if target is None else ("yes" if target[1](ratio) else "NO")
    shown = f"{ratio:.2f}x" if math.isfinite(ratio) else "n/a"
    cells = (f"{raw:,.{digits}f}", f"{runtime:,.{digits}f}", shown)
    busy = f"{others:.2f}" if math.isfinite(others) else ""
    return (label, *cells, "" if target is None else target[0], met, busy)


def _cpu_rows(name: str, raw: Summary, runtime: Summary) -> list[tuple[str, ...]]:
    others = max(raw.most_other, runtime.most_other)
    out = [
        ratio_row(f"{name}: CPU ms/event, {group}", raw.cpu_ms[group], runtime.cpu_ms[group], 3)
        for group in GROUPS
        if group in raw.cpu_ms and group in runtime.cpu_ms
    ]
    total_raw = sum(raw.cpu_ms[group] for group in GROUPS if group in raw.cpu_ms)
    total_runtime = sum(runtime.cpu_ms[group] for group in GROUPS if group in runtime.cpu_ms)
    out.append(ratio_row(f"{name}: CPU ms/event, total", total_raw, total_runtime, 3, None, others))
    return out


def _row(
    label: str, raw: Summary, runtime: Summary, values: tuple[float, float], digits: int = 0,
    target: Target | None = None,
) -> tuple[str, ...]:  # fmt: skip
    others = max(raw.most_other, runtime.most_other)
    return ratio_row(label, values[0], values[1], digits, target, others)


def targets(handler: str) -> dict[str, Target]:
    """Issue 17's targets: with the batch handler, and with a per-event one."""
    saturated, backlog = (0.95, 0.85) if handler == "batch" else (0.85, 0.6)
    return {
        "saturated": (f"≥ {saturated:.2f}x", lambda r: r >= saturated),
        "latency": ("≤ 1.20x", lambda r: r <= 1.2),
        "backlog": (f"≥ {backlog:.2f}x", lambda r: r >= backlog),
    }


def rows(results: Results) -> list[tuple[str, ...]]:
    """The table's rows: the three targets first, then the figures behind them."""
    found = results.summaries()
    rate = f"{results.options.rate:g}/s"
    goal = targets(results.options.handler)
    out: list[tuple[str, ...]] = []
    if "saturated" in found:
        raw, runtime = found["saturated"]
        label = "saturated throughput, events/s (commit → effect)"
        out.append(_row(label, raw, runtime, (raw.rate, runtime.rate), 0, goal["saturated"]))
    if "latency" in found:
        raw, runtime = found["latency"]
        values = (raw.latency.p99, runtime.latency.p99)
        out.append(_row(f"latency p99 at {rate}, ms", raw, runtime, values, 1, goal["latency"]))
    if "backlog" in found:
        raw, runtime = found["backlog"]
        label = f"backlog of {results.options.backlog:,}: catch-up events/s"
        out.append(_row(label, raw, runtime, (raw.rate, runtime.rate), 0, goal["backlog"]))
    if "latency" in found:
        raw, runtime = found["latency"]
        values = (raw.latency.p50, runtime.latency.p50)
        out.append(_row(f"latency p50 at {rate}, ms", raw, runtime, values, 1))
        values = (raw.latency.max, runtime.latency.max)
        out.append(_row(f"latency max at {rate}, ms", raw, runtime, values, 1))
        for stage in (s for s in STAGES if s in raw.stages and s in runtime.stages):
            for name in ("p50", "p99"):
                label = f"at {rate}: {stage}, {name} ms"
                values = (getattr(raw.stages[stage], name), getattr(runtime.stages[stage], name))
                out.append(_row(label, raw, runtime, values, 1))
        out += _cpu_rows(f"at {rate}", raw, runtime)
    if "saturated" in found:
        raw, runtime = found["saturated"]
        values = (raw.latency.p50, runtime.latency.p50)
        out.append(_row("saturated: latency p50, ms", raw, runtime, values, 1))
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
