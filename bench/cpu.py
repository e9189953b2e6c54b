"""CPU time spent by each part of a pipeline during the measured window, from /proc.

Parts: the producing and consuming worker processes, PostgreSQL (the postmaster and every
backend it forked; a backend that exits, as asyncpg replaces a connection after 50,000
queries, is counted through the postmaster's reaped-children time) and nats-server. Divided
by the events of the window, it says where the CPU of one event goes on this machine.
`other` is the CPU that the other processes of the machine used meanwhile (other people's
tests, say; kernel threads and interrupts are not counted): when it is large, the figures
of that run are not to be trusted.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the 3rd (state) on


def cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """User + system CPU seconds of one process (0 when it is gone), plus with `reaped` the
    time of its children that exited and were waited for."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    used = int(fields[11]) + int(fields[12])
    if reaped:
        used += int(fields[13]) + int(fields[14])
    return used / _TICKS


def userland_seconds() -> float:
    """CPU seconds all cores spent in processes since boot (user, nice and system time;
    interrupts and the hypervisor's steal are left out), minus the kernel's own threads."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:4]]
    kernel = sum(cpu_seconds(pid) for pid in with_children(2))  # kthreadd and its threads
    return sum(values) / _TICKS - kernel


def with_children(pid: int) -> list[int]:
    """`pid` and its direct children (PostgreSQL's backends are the postmaster's children)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) == pid:
                children.append(int(entry.name))
    return [pid, *children]


class CpuMeter:
    """CPU seconds per named group of processes between `start()` and `stop()`."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]]) -> None:
        self.groups = groups
        self._before: dict[str, float] = {}

    def _sample(self) -> dict[str, float]:
        """Each group's total: its first pid with reaped children, the others without."""
        totals = {}
        for name, pids in self.groups.items():
            root, *others = pids()
            totals[name] = cpu_seconds(root, reaped=True) + sum(map(cpu_seconds, others))
        totals["machine"] = userland_seconds()
        return totals

    def start(self) -> None:
        """Take the first reading."""
        self._before = self._sample()

    def stop(self) -> dict[str, float]:
        """CPU seconds of each group since `start()`, and `other` for the rest of the machine."""
        after = self._sample()
        used = {name: after[name] - self._before[name] for name in after}
        machine = used.pop("machine")
        used["other"] = max(machine - sum(used.values()), 0.0)
        return used


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (a service's workers, servers run as another user)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None:
                parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue += parents.get(current, [])
    return found


class Disturbance:
    """How many cores the processes outside `pid`'s tree kept busy between `start()` and
    `stop()` (the processes inside are the benchmark: this process, its servers, its services)."""

    def __init__(self, pid: int | None = None) -> None:
        root = os.getpid() if pid is None else pid
        self.meter = CpuMeter({"ours": lambda: descendants(root)})
        self.started = 0.0

    def start(self) -> None:
        """Take the first reading."""
        self.meter.start()
        self.started = time.monotonic()

    def stop(self) -> float:
        """Other processes' cores busy since `start()`, on average."""
        used = self.meter.stop()
        return used["other"] / max(time.monotonic() - self.started, 1e-9)
