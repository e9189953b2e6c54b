"""The options of a run and what it measured, per round and pooled over rounds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bench.measure import Latency

PIPELINE = ("saturated", "latency", "backlog")
GROWTH = ("outbox", "inbox", "housekeeping")
PARTS = ("services", "search", "delivery", *PIPELINE, *GROWTH)
"""Every part of `python -m bench`, in the order they run and report."""


@dataclass(frozen=True)
class Options:
    """What to run (see `python -m bench --help`)."""

    duration: float = 10.0
    warmup: float = 2.0
    rounds: int = 3
    rate: float = 200.0
    concurrency: int = 16
    window: int = 500
    batch_size: int = 200
    backlog: int = 50_000
    backlog_rounds: int = 1
    max_other: float = 0.25
    """A run during which other processes kept more cores busy than this is run again..."""
    retries: int = 2
    """...at most this many times (then the last one is kept, and the report says so)."""
    scenarios: tuple[str, ...] = PARTS
    """The parts to run (`--only`)."""
    handler: Literal["batch", "event"] = "batch"
    """The runtime consumer's handler: one statement per batch, or one call per event."""
    syncs: tuple[str, ...] = ("default", "always")
    """NATS JetStream sync of the pipeline's column sets: its default, and `always`."""
    memory_events: int = 10_000
    """Events each service's consumers apply before their memory is read again."""
    search_sizes: tuple[int, ...] = (10_000, 100_000)
    """Offerings in the catalogue for the search benchmark."""
    delivery_events: int = 1_000
    """Deliveries in each side of the delivery benchmark."""
    relay_events: int = 50_000
    """Unpublished events the relay drains in the outbox comparison."""
    outbox_rows: int = 1_000_000
    """Published rows retained in the outbox (and pruned by housekeeping)."""
    inbox_rows: int = 5_000_000
    """Ids in the consumer's inbox."""
    growth_rounds: int = 1
    """Rounds of each comparison of cost that grows with time."""


@dataclass
class FlowRound:
    """One pipeline under one load for one round."""

    pipeline: str
    window_events: int
    window_seconds: float
    latencies_ms: list[float]
    committed: int
    effects: int
    duplicates: int
    producer: dict[str, Any] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    stages_ms: dict[str, list[float]] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        """Effects committed per second in the measured window."""
        return self.window_events / self.window_seconds

    @property
    def other_cores(self) -> float:
        """Cores that processes outside the benchmark kept busy during the window."""
        return self.cpu_seconds.get("other", 0.0) / self.window_seconds


@dataclass(frozen=True)
class BacklogRound:
    """One consumer catching up the backlog once."""

    pipeline: str
    events: int
    seconds: float
    duplicates: int
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Events applied per second."""
        return self.events / self.seconds

    @property
    def other_cores(self) -> float:
        """Cores that processes outside the benchmark kept busy meanwhile."""
        return self.cpu_seconds.get("other", 0.0) / self.seconds


@dataclass(frozen=True)
class Summary:
    """Figures pooled over the rounds of one pipeline in one scenario."""

    rate: float
    """Events per second: the sum of events over the sum of seconds."""
    latency: Latency
    cpu_ms: dict[str, float]
    """CPU milliseconds per event, by process group."""
    per_round: list[float]
    """The rate of each round, in the order run."""
    seconds: float
    other: float
    """Cores kept busy by processes outside the benchmark, on average over the rounds."""
    stages: dict[str, Latency]
    """The latency of each stage of the pipeline (flows only)."""
    most_other: float
    """The most cores other processes kept busy during any one of the rounds."""


def summarise(rounds: list[FlowRound] | list[BacklogRound]) -> Summary:
    """Pool the rounds: rates from total events over total time, latencies from all samples."""
    events = seconds = 0.0
    samples: list[float] = []
    cpu: dict[str, float] = {}
    per_round = []
    stages: dict[str, list[float]] = {}
    most_other = max((one.other_cores for one in rounds), default=0.0)
    for one in rounds:
        if isinstance(one, FlowRound):
            events += one.window_events
            seconds += one.window_seconds
            samples += one.latencies_ms
            per_round.append(one.throughput)
            for stage, values in one.stages_ms.items():
                stages.setdefault(stage, []).extend(values)
        else:
            events += one.events
            seconds += one.seconds
            per_round.append(one.rate)
        for group, used in one.cpu_seconds.items():
            cpu[group] = cpu.get(group, 0.0) + used
    other = cpu.pop("other", 0.0) / seconds
    per_event = {group: 1000 * used / max(events, 1) for group, used in cpu.items()}
    return Summary(
        events / seconds,
        Latency.of(samples),
        per_event,
        per_round,
        seconds,
        other,
        {stage: Latency.of(values) for stage, values in stages.items()},
        most_other,
    )
