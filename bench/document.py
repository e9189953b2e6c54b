"""The whole report of `python -m bench`: one section per part, on stdout and in markdown.

Every section is a table whose rows end with the target, whether it is met and `others`,
the cores that processes outside the benchmark kept busy during the runs behind the figure
(the most of any of them: the disturbance check of that figure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench.model import Options
from bench.report import HEADER, Results, checks, rows

SYNC_NAMES = {"default": "NATS default sync", "always": "NATS `sync_interval: always`"}


@dataclass
class Section:
    """One part's table and the lines that explain it."""

    title: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    notes: list[str] = field(default_factory=list)


@dataclass
class Run:
    """What one `python -m bench` measured."""

    options: Options
    command: str
    sections: list[Section] = field(default_factory=list)
    pipelines: dict[str, Results] = field(default_factory=dict)
    """The raw and runtime pipelines, by NATS sync ("default", "always")."""
    disturbed: list[str] = field(default_factory=list)
    """Runs done again because other processes used the machine meanwhile."""


def pipeline_section(pipelines: dict[str, Results]) -> Section | None:
    """The raw pipeline beside the runtime's, one column set per NATS sync."""
    syncs = [sync for sync in ("default", "always") if sync in pipelines]
    if not syncs or not any(pipelines[sync].summaries() for sync in syncs):
        return None
    first, *more = syncs
    header: tuple[str, ...] = HEADER
    table = rows(pipelines[first])
    notes = [f"Columns: {SYNC_NAMES[first]}."]
    for sync in more:
        suffix = " (always)" if sync == "always" else f" ({sync})"
        header += tuple(f"{name}{suffix}" for name in ("raw", "runtime", "runtime/raw", "met"))
        header += (f"others{suffix}",)
        extra = {row[0]: row for row in rows(pipelines[sync])}
        blank = ("",) * 5
        table = [
            row + ((*extra[row[0]][1:4], *extra[row[0]][5:7]) if row[0] in extra else blank)
            for row in table
        ]
        notes.append(f"Columns marked{suffix}: {SYNC_NAMES[sync]}, what production runs.")
    for sync in syncs:
        notes += [f"{SYNC_NAMES[sync]}: {line}" for line in checks(pipelines[sync])]
    title = "The event pipeline: raw asyncpg + nats-py against the runtime"
    return Section(title, header, table, notes)


def all_sections(run: Run) -> list[Section]:
    """The sections in the order of the report: services, domain, pipeline, growth."""
    pipeline = pipeline_section(run.pipelines)
    before = [s for s in run.sections if s.title.startswith(("1.", "2."))]
    after = [s for s in run.sections if not s.title.startswith(("1.", "2."))]
    if pipeline is not None:
        pipeline.title = "3. " + pipeline.title
    return [*before, *([pipeline] if pipeline else []), *after]


def _disturbed(run: Run) -> str:
    limit = f"{run.options.max_other:g} cores"
    if not run.disturbed:
        return f"No run was disturbed by other processes (limit {limit})."
    retries = run.options.retries
    again = (
        f"Each was run again, at most {retries} times; the last attempt is the one counted"
        if retries
        else "None was run again (`--retries 0`): each is counted as measured"
    )
    return (
        f"Runs disturbed by other processes (more than {limit} busy): "
        f"{'; '.join(run.disturbed)}. {again} (its `others` is in the tables)."
    )


def console(run: Run) -> str:
    """Fixed-width tables for the terminal."""
    out: list[str] = []
    for section in all_sections(run):
        table = [section.header, *section.rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(section.header))]
        lines = [
            "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in table
        ]
        lines.insert(1, "  ".join("-" * width for width in widths))
        out += [section.title, "", *lines, "", *section.notes, ""]
    return "\n".join([*out, _disturbed(run)])


def markdown(run: Run, machine: list[tuple[str, str]]) -> str:
    """The same tables, the command, the disturbance check and the machine, as markdown."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [f"# Benchmark results ({stamp})", "", f"`{run.command}`", ""]
    for section in all_sections(run):
        out += [f"## {section.title}", ""]
        out += ["| " + " | ".join(section.header) + " |", "|" + "---|" * len(section.header)]
        out += ["| " + " | ".join(row) + " |" for row in section.rows]
        out += ["", *[f"- {note}" for note in section.notes], ""]
    out += ["## Disturbance check", "", _disturbed(run), ""]
    out += ["## Machine", ""] + [f"- **{label}**: {value}" for label, value in machine]
    return "\n".join(out) + "\n"
