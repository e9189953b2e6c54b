"""`arctic up` driven from outside, as a newcomer runs it: for the end-to-end tests and the
benchmark, which start the whole local system in a folder and on ports of their own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path


class LocalStackProcess:
    """`arctic up` in a subprocess with its own home folder and ports (`ARCTIC_LOCAL_*`),
    its output collected line by line with the time each line came."""

    def __init__(self, home: Path, ports: Mapping[str, int], **settings: str) -> None:
        self.home, self.ports = home, dict(ports)
        env = dict(os.environ, ARCTIC_LOCAL_HOME=str(home), **settings)
        env.update({f"ARCTIC_LOCAL_{name.upper()}_PORT": str(p) for name, p in ports.items()})
        self.env = env
        self.lines: list[str] = []
        self.times: list[float] = []
        """When each line came (`time.monotonic()`)."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "arctic.runtime", "up"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.times.append(time.monotonic())
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, within: float = 60) -> None:
        """Until a line of output contains `text`; AssertionError with the output's last
        lines when `arctic up` ends or `within` seconds pass first."""
        deadline = time.monotonic() + within
        while not any(text in line for line in self.lines):
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = "\n".join(self.lines[-40:])
                raise AssertionError(f"arctic up: no {text!r} within {within:.0f} s:\n{tail}")
            time.sleep(0.05)

    def when(self, text: str) -> float:
        """When the first line containing `text` came."""
        return next(t for t, line in zip(self.times, self.lines, strict=False) if text in line)

    def stop(self, sig: signal.Signals = signal.SIGINT, within: float = 60) -> tuple[int, float]:
        """Send `sig` (SIGINT: Ctrl-C) and wait for `arctic up` to end, killing it after
        `within` seconds; its exit code and how long it took."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(within)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        return code, time.monotonic() - started
