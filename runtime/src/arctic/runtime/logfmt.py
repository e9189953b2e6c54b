"""Interleaving the services' JSON log lines on one terminal, pretty when a person watches."""

from __future__ import annotations

import json
import threading
from typing import IO, Any

_COLOURS = ("36", "35", "33", "32", "34", "31")
_SHOWN_FIRST = ("timestamp", "level", "event", "service", "logger")


class LogPrinter:
    """Writes whole lines from several threads; JSON as it is, or as one readable line."""

    def __init__(self, out: IO[str], *, pretty: bool) -> None:
        self.out, self.pretty = out, pretty
        self._lock = threading.Lock()
        self._colour: dict[str, str] = {}

    def say(self, line: str) -> None:
        """Write one line."""
        with self._lock:
            self.out.write(line + "\n")
            self.out.flush()

    def follow(self, source: str, stream: IO[bytes]) -> None:
        """Copy `stream` line by line until it ends (run in a thread per source)."""
        for raw in iter(stream.readline, b""):
            text = raw.decode(errors="replace").rstrip("\n")
            self.say(self.render(source, text) if self.pretty else text)

    def render(self, source: str, text: str) -> str:
        """A JSON log line as `time service level event key=value ...`, coloured by source."""
        colour = self._colour.setdefault(source, _COLOURS[len(self._colour) % len(_COLOURS)])
        try:
            record: dict[str, Any] = json.loads(text)
        except ValueError:
            return f"\033[{colour}m{source:<13}\033[0m {text}"
        clock = str(record.get("timestamp", ""))[11:23]
        level = str(record.get("level", "")).upper()[:5]
        rest = " ".join(f"{k}={v}" for k, v in record.items() if k not in _SHOWN_FIRST)
        return f"{clock} \033[{colour}m{source:<13}\033[0m {level:<5} {record.get('event')}  {rest}"
