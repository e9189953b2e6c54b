"""The local stack's output: every service's JSON lines and the stack's own, on one terminal
in one readable format, and each source's JSON lines in a file of its own.

At a terminal every line reads `time source LEVEL event key=value ...`, coloured by source;
elsewhere (a pipe, a file, CI) the services' JSON lines pass unchanged and the stack's own
lines read `arctic up: ...`. Either way `<logs>/<source>.jsonl` gets the JSON lines, so that
one grep follows a request through every service.

Writing to the terminal never fails the stack: when the terminal is gone (it was closed, a
SIGHUP), lines still go to the files and the stack stops as it was asked to.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

_COLOURS = ("36", "35", "33", "32", "34", "31")
_SHOWN_FIRST = ("timestamp", "level", "event", "service", "logger")
STACK = "arctic up"


class LogPrinter:
    """Writes whole lines from several threads (never from a signal handler)."""

    def __init__(self, out: IO[str], *, pretty: bool, logs: Path | None = None) -> None:
        self.out, self.pretty, self.logs = out, pretty, logs
        self._lock = threading.Lock()
        self._colour: dict[str, str] = {}
        self._files: dict[str, IO[str]] = {}
        self._out_gone = False

    def say(self, line: str) -> None:
        """A line of the stack's own (not a log record)."""
        if self.pretty:
            record = {"timestamp": datetime.now(UTC).isoformat(), "level": "info", "event": line}
            self._write(self.render(STACK, json.dumps(record)))
        else:
            self._write(f"{STACK}: {line}")

    def line(self, source: str, text: str) -> None:
        """One log line of `source`: kept in its file when JSON, and shown."""
        if text.startswith("{") and self.logs is not None:
            self._keep(source, text)
        self._write(self.render(source, text) if self.pretty else text)

    def follow(self, source: str, stream: IO[bytes]) -> None:
        """Copy `stream` line by line until it ends (run in a thread per source)."""
        for raw in iter(stream.readline, b""):
            self.line(source, raw.decode(errors="replace").rstrip("\n"))

    def stream_for(self, source: str) -> IO[str]:
        """A text stream whose lines go through `line` (for `configure_logging`)."""
        return _LineStream(self, source)  # type: ignore[return-value]

    def render(self, source: str, text: str) -> str:
        """A JSON log line as `time source LEVEL event key=value ...`, coloured by source."""
        colour = self._colour.setdefault(source, _COLOURS[len(self._colour) % len(_COLOURS)])
        try:
            record: dict[str, Any] = json.loads(text)
        except ValueError:
            return f"{' ' * 12} \033[{colour}m{source:<13}\033[0m {text}"
        clock = str(record.get("timestamp", ""))[11:23]
        level = str(record.get("level", "")).upper()[:5]
        rest = " ".join(f"{k}={v}" for k, v in record.items() if k not in _SHOWN_FIRST)
        return f"{clock} \033[{colour}m{source:<13}\033[0m {level:<5} {record.get('event')}  {rest}"

    def close(self) -> None:
        """Close the log files."""
        with self._lock:
            for file in self._files.values():
                file.close()
            self._files.clear()

    def _keep(self, source: str, text: str) -> None:
        assert self.logs is not None
        with self._lock:
            file = self._files.get(source)
            if file is None:
                self.logs.mkdir(parents=True, exist_ok=True)
                name = source.replace(" ", "-")
                file = self._files[source] = (self.logs / f"{name}.jsonl").open("a", buffering=1)
            file.write(text + "\n")

    def _write(self, text: str) -> None:
        with self._lock:
            if self._out_gone:
                return
            try:
                self.out.write(text + "\n")
                self.out.flush()
            except (OSError, ValueError):
                self._out_gone = True  # the terminal closed: the files still get every line


class _LineStream:
    """Enough of a text stream for `logging.StreamHandler`: whole lines to the printer."""

    def __init__(self, printer: LogPrinter, source: str) -> None:
        self.printer, self.source = printer, source

    def write(self, text: str) -> int:
        for part in text.splitlines():
            if part:
                self.printer.line(self.source, part)
        return len(text)

    def flush(self) -> None:
        """Nothing is buffered."""
