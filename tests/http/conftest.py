"""The figures of the fuzzing runs (test_fuzzing.py), printed at the end of the session:
per service and caller, the generated cases, the answers by status and the failures."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

RUNS = pytest.StashKey[list[dict[str, Any]]]()


@pytest.fixture
def fuzz_runs(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    """Where a fuzzing run records its figures (service, role, operations, generated,
    failed, statuses: a Counter of the answers' status codes, passed)."""
    return request.config.stash.setdefault(RUNS, [])


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    runs = config.stash.get(RUNS, [])
    if not runs:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fuzzing figures (schemathesis)")
    write(f"{'service':<15}{'caller':<13}{'ops':>4}{'cases':>8}{'failed':>8}  answers by status")
    for service in sorted({run["service"] for run in runs}):
        total: Counter[int] = Counter()
        generated = failed = 0
        for run in sorted((r for r in runs if r["service"] == service), key=lambda r: r["role"]):
            total += run["statuses"]
            generated += run["generated"]
            failed += run["failed"]
            write(
                f"{service:<15}{run['role']:<13}{run['operations']:>4}{run['generated']:>8}"
                f"{run['failed']:>8}  {_by_status(run['statuses'])}"
            )
        write(f"{service:<15}{'(all)':<13}{'':>4}{generated:>8}{failed:>8}  {_by_status(total)}")
    server_errors = sum(n for run in runs for s, n in run["statuses"].items() if s >= 500)
    write(f"server errors (5xx) in all runs: {server_errors}")


def _by_status(statuses: Counter[int]) -> str:
    return " ".join(f"{status}:{count}" for status, count in sorted(statuses.items()))
