"""The coordinator's side of the worker processes: start them, say the words, collect stats."""

from __future__ import annotations

import multiprocessing
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from bench import workers
from bench.workers import WorkerSpec

_CONTEXT = multiprocessing.get_context("spawn")


class WorkerFailed(RuntimeError):
    """A worker process reported an error or died."""


class Fleet:
    """The service processes of one pipeline run (producer and/or consumer)."""

    def __init__(self, specs: dict[str, WorkerSpec]) -> None:
        self.specs = specs
        self.pipes: dict[str, Connection] = {}
        self.processes: dict[str, BaseProcess] = {}

    @property
    def pids(self) -> dict[str, int]:
        """The process id of each role (for a profiler to attach to)."""
        return {role: p.pid for role, p in self.processes.items() if p.pid is not None}

    def start(self, timeout: float = 60.0) -> None:
        """Start every worker and wait until each is ready."""
        for role, spec in self.specs.items():
            ours, theirs = _CONTEXT.Pipe()
            process = _CONTEXT.Process(target=workers.main, args=(role, spec, theirs))
            process.start()
            self.pipes[role], self.processes[role] = ours, process
        for role in self.specs:
            self._receive(role, timeout, expect="ready")

    def say(self, word: str) -> None:
        """Send `word` to every worker (consumers first, so that they are fetching)."""
        for role in sorted(self.pipes):
            self.pipes[role].send(word)

    def stop(self, timeout: float = 60.0) -> dict[str, dict[str, Any]]:
        """Stop the load and return what each worker reported (its pipeline keeps running)."""
        self.say("stop")
        return {role: self._receive(role, timeout) for role in self.specs}

    def finish(self, timeout: float = 60.0) -> None:
        """Tell every worker to clean up and exit."""
        self.say("exit")
        for role in self.specs:
            self._receive(role, timeout, expect="bye")
        for process in self.processes.values():
            process.join(timeout)

    def kill(self) -> None:
        """End the workers that are still alive (after a failure)."""
        for process in self.processes.values():
            if process.is_alive():
                process.kill()
                process.join()

    def _receive(self, role: str, timeout: float, expect: str | None = None) -> Any:
        pipe, process = self.pipes[role], self.processes[role]
        deadline = time.monotonic() + timeout
        while not pipe.poll(0.1):
            if not process.is_alive() or time.monotonic() > deadline:
                raise WorkerFailed(f"{role} worker died or did not answer within {timeout}s")
        message = pipe.recv()
        if isinstance(message, dict) and "error" in message:
            raise WorkerFailed(f"{role} worker failed: {message['error']}")
        if expect is not None and message != expect:
            raise WorkerFailed(f"{role} worker said {message!r}, expected {expect!r}")
        return message
