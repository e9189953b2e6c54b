"""The domain's own benchmarks in the report: the catalogue's search (`catalogue_search`) and
notifications' deliveries (`delivery`), each against its raw baseline as those modules
compute it, with the disturbance check of the whole run.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from arctic.runtime.logs import configure_logging
from bench import catalogue_search, delivery
from bench.catalogue_search import SizeFigures
from bench.cpu import Disturbance
from bench.document import Run, Section
from bench.model import Options
from bench.progress import quietly, say
from bench.report import ratio_row

HEADER = ("measure", "raw", "service", "service/raw", "target", "met", "others")
TITLE = "2. The domain's benchmarks: each service beside its raw baseline"


@dataclass(frozen=True)
class SearchRun:
    """The catalogue search at every size, and how busy the rest of the machine was."""

    pipeline: str
    figures: dict[int, SizeFigures]
    other_cores: float


@dataclass(frozen=True)
class DeliveryRun:
    """Deliveries per second of both sides, and how busy the rest of the machine was."""

    pipeline: str
    raw: delivery.Side
    service: delivery.Side
    other_cores: float


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """The services' log lines to stderr, so that stdout holds the tables; the benchmark's
    own logging (warnings only) as before, afterwards."""
    with contextlib.redirect_stdout(sys.stderr):
        yield
    configure_logging("bench", "WARNING", stream=sys.stderr)


def _section(run: Run) -> Section:
    for section in run.sections:
        if section.title == TITLE:
            return section
    section = Section(TITLE, HEADER, [])
    run.sections.append(section)
    return section


async def search(options: Options, run: Run) -> None:
    """`GET /offerings` of the running catalogue against its SQL on a plain pool."""
    sizes = options.search_sizes

    async def attempt() -> SearchRun:
        say(f"catalogue search at {', '.join(f'{size:,}' for size in sizes)} offerings")
        check = Disturbance()
        check.start()
        with quiet_stdout():
            figures = await catalogue_search.measure_sizes(sizes)
        return SearchRun("catalogue search", figures, check.stop())

    done = await quietly(attempt, options.max_other, options.retries, run.disturbed)
    section = _section(run)
    for size, f in done.figures.items():
        label = f"catalogue search p99, {size:,} offerings, ms (endpoint vs its SQL)"
        target = ("≤ 1.30x", lambda r: r <= 1.3)
        section.rows.append(
            ratio_row(label, f.raw_p99, f.endpoint_p99, 1, target, done.other_cores)
        )
    first, last = sizes[0], sizes[-1]
    if first != last:
        label = f"catalogue search endpoint p99, ms: {first:,} → {last:,} offerings"
        small, large = done.figures[first].endpoint_p99, done.figures[last].endpoint_p99
        target = ("≤ 2.00x", lambda r: r <= 2.0)
        section.rows.append(ratio_row(label, small, large, 1, target, done.other_cores))
    section.notes.append(
        f"catalogue search: {catalogue_search.QUERIES} queries per size, one at a time, "
        "through the running service's `GET /offerings` and, interleaved, its SQL on a plain "
        "asyncpg pool; in the last row the baseline column is the smallest catalogue's p99. "
        + "; ".join(
            f"p50 at {size:,}: endpoint {f.endpoint_p50:.1f}, SQL {f.raw_p50:.1f} ms"
            for size, f in done.figures.items()
        )
    )


async def delivery_run(options: Options, run: Run) -> None:
    """Notifications' delivery loop against a raw aiosmtplib loop, same sink, same mails."""
    concurrency = 2  # the service's default ARCTIC_DELIVERY_CONCURRENCY

    async def attempt() -> DeliveryRun:
        say(f"deliveries: {options.delivery_events:,} mails each side")
        check = Disturbance()
        check.start()
        with quiet_stdout():
            raw, service = await delivery.measure_sides(options.delivery_events, concurrency)
        return DeliveryRun("deliveries", raw, service, check.stop())

    done = await quietly(attempt, options.max_other, options.retries, run.disturbed)
    raw_rate = done.raw[0] / done.raw[1]
    service_rate = done.service[0] / done.service[1]
    label = f"deliveries/s, a backlog of {options.delivery_events:,} (notifications vs aiosmtplib)"
    target = ("≥ 0.70x", lambda r: r >= 0.7)
    _section(run).rows.append(ratio_row(label, raw_rate, service_rate, 0, target, done.other_cores))
    _section(run).notes.append(
        f"deliveries: {concurrency} sends in flight, one SMTP connection per mail, the local "
        "sink writing each mail to a file; the service's loop runs one lane per send in flight, "
        "each composing and sending its claimed delivery, then recording the outcome with its "
        "event and claiming the next in one transaction on a durable PostgreSQL."
    )
