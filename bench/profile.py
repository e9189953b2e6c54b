"""Optional sampling of the worker processes with py-spy, and a summary of where time went.

`--profile DIR` attaches `py-spy record --format raw` to every worker of every scenario for
its measured window (py-spy from PATH, else through `uvx`, which fetches it from PyPI).
The summary lists, per process, the share of its non-idle samples spent inside (inclusive)
each of the functions that matter most. On a busy 2-core machine a sample also lands where a
process was preempted, so read it with the CPU figures of the run, not alone.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

BOOTSTRAP = {
    "<module>",
    "_main",
    "spawn_main",
    "BaseProcess._bootstrap",
    "BaseProcess.run",
    "main",
    "run",
    "Runner.run",
}


def py_spy_command() -> list[str]:
    """How to run py-spy here."""
    found = shutil.which("py-spy")
    return [found] if found else ["uvx", "py-spy"]


class Profiler:
    """py-spy recorders attached to worker processes."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.running: list[tuple[subprocess.Popen[bytes], Path]] = []

    def attach(self, name: str, pids: dict[str, int], seconds: float) -> None:
        """Record each pid for `seconds` into `<directory>/<name>-<role>.txt`."""
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        for role, pid in pids.items():
            output = self.directory / f"{name}-{role}.txt"
            args = [*py_spy_command(), "record", "--pid", str(pid), "--duration"]
            args += [str(int(seconds)), "--rate", "200", "--format", "raw", "--nonblocking"]
            args += ["--output", str(output)]
            process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            self.running.append((process, output))

    def collect(self) -> list[str]:
        """Wait for the recorders and summarise each recording."""
        lines = []
        for process, output in self.running:
            _, error = process.communicate()
            if process.returncode != 0 or not output.exists():
                lines.append(f"{output.name}: py-spy failed: {error.decode()[-300:]}")
                continue
            lines.append(summarise(output))
        self.running.clear()
        return lines


def summarise(path: Path, top: int = 30) -> str:
    """The functions holding the most samples (inclusive) in a py-spy raw recording."""
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, weight = line.rpartition(" ")
        if not stack:
            continue
        samples = int(weight)
        total += samples
        names = {frame.split(" (")[0] for frame in stack.split(";")}
        for name in names - BOOTSTRAP:
            inclusive[name] += samples
    if total == 0:
        return f"{path.name}: no samples"
    rows = [f"{path.name}: {total} samples while not idle (share of them, inclusive)"]
    for name, samples in inclusive.most_common(top):
        rows.append(f"  {100 * samples / total:5.1f} %  {name}")
    return "\n".join(rows)
