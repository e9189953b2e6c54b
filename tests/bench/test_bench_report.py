"""`make bench`'s report: it renders every part with its target, verdict and disturbance
check, and a tiny real run through the pipeline and housekeeping works end to end. No
figure is asserted: timings belong in the report, never in a test."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.__main__ import main, parse
from bench.document import Run, Section, console, markdown
from bench.model import PARTS, FlowRound, Options
from bench.report import Results


def flow(pipeline: str, events: int, other: float) -> FlowRound:
    return FlowRound(
        pipeline, events, 10.0, [2.0, 3.0, 9.0], events, events, 0,
        {"committed": events, "failed": 0, "seconds": 10.0},
        {"producer": 1.0, "consumer": 0.5, "postgres": 1.0, "nats": 0.2, "other": other * 10},
        {"commit → relay claims": [1.0, 2.0]},
    )  # fmt: skip


def test_every_part_is_on_by_default_and_only_selects_parts() -> None:
    options, _, _ = parse([])
    assert options.scenarios == PARTS
    assert options.syncs == ("default", "always")
    options, _, _ = parse(["--only", "inbox", "services", "--sync", "always"])
    assert options.scenarios == ("services", "inbox")
    assert options.syncs == ("always",)


def test_the_report_shows_both_syncs_targets_verdicts_and_disturbance() -> None:
    run = Run(Options(), "uv run --locked python -m bench")
    for sync, raw_events in (("default", 9000), ("always", 4000)):
        results = run.pipelines[sync] = Results(run.options)
        results.saturated = {"raw": [flow("raw", raw_events, 0.1)]}
        results.saturated["runtime"] = [flow("runtime", 3000, 0.4)]
    run.sections.append(
        Section("1. The services", ("measure", "idle", "after", "target", "met", "others"),
                [("catalogue: resident memory, MB", "90", "95", "≤ 150 MB", "yes", "0.05")])
    )  # fmt: skip
    run.disturbed.append("saturated runtime (default sync): 0.40 cores")
    text = markdown(run, [("CPU", "test"), ("cores", "2")])
    saturated = next(line for line in text.splitlines() if line.startswith("| saturated thr"))
    cells = [cell.strip() for cell in saturated.strip("|").split("|")]
    assert cells[1:7] == ["900", "300", "0.33x", "≥ 0.95x", "NO", "0.40"]
    assert cells[7:] == ["400", "300", "0.75x", "NO", "0.40"]
    assert text.index("1. The services") < text.index("3. The event pipeline")
    assert "0.40 cores" in text
    assert "- **CPU**: test" in text
    assert "sync_interval: always" in console(run)


@pytest.mark.slow
def test_a_tiny_run_measures_the_pipeline_and_housekeeping(tmp_path: Path) -> None:
    output = tmp_path / "latest.md"
    main(
        ["--only", "saturated", "housekeeping", "--sync", "default", "--rounds", "1",
         "--duration", "1", "--warmup", "0.5", "--outbox-rows", "3000", "--retries", "0",
         "--output", str(output)]
    )  # fmt: skip
    text = output.read_text()
    assert "| saturated throughput, events/s (commit → effect) |" in text
    assert "without → with housekeeping pruning" in text
    assert "it removed 3,000 rows" in text  # housekeeping pruned every expired row
    assert " 0 duplicates" in text
    assert "## Machine" in text
