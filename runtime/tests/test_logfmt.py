"""The local stack's output: one readable format at a terminal, JSON kept per source."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from arctic.runtime.logfmt import STACK, LogPrinter

RECORD = {
    "timestamp": "2026-01-02T03:04:05.678901Z",
    "level": "info",
    "event": "request handled",
    "service": "prototyping",
    "correlation_id": "c-1",
}
LAYOUT = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} \x1b\[\d+m(?P<source>.{13})\x1b\[0m (?P<level>\w+)")


def test_at_a_terminal_the_stack_and_the_services_share_one_format(tmp_path: Path) -> None:
    out = io.StringIO()
    printer = LogPrinter(out, pretty=True, logs=tmp_path)
    printer.say("prototyping ready")
    printer.line("prototyping", json.dumps(RECORD))
    own, service = out.getvalue().splitlines()
    own_match, service_match = LAYOUT.match(own), LAYOUT.match(service)
    assert own_match is not None, own
    assert service_match is not None, service
    assert own_match["source"].strip() == STACK
    assert service_match["source"].strip() == "prototyping"
    assert "correlation_id=c-1" in service


def test_json_lines_are_kept_per_source_and_shown_unchanged_elsewhere(tmp_path: Path) -> None:
    out = io.StringIO()
    printer = LogPrinter(out, pretty=False, logs=tmp_path)
    printer.say("starting")
    printer.line("prototyping", json.dumps(RECORD))
    printer.line("prototyping", "not json, e.g. a traceback line")
    printer.close()
    assert out.getvalue().splitlines()[:2] == [f"{STACK}: starting", json.dumps(RECORD)]
    kept = (tmp_path / "prototyping.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in kept] == [RECORD]


def test_a_closed_terminal_stops_nothing(tmp_path: Path) -> None:
    out = io.StringIO()
    out.close()
    printer = LogPrinter(out, pretty=True, logs=tmp_path)
    printer.say("SIGHUP: stopping")
    printer.line("notifications", json.dumps(RECORD))
    printer.close()
    assert (tmp_path / "notifications.jsonl").read_text().strip() == json.dumps(RECORD)
