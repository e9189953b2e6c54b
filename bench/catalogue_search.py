"""`python -m bench.catalogue_search`: the catalogue's search endpoint against its own SQL.

With 10,000, 50,000 and 100,000 generated offerings (Finnish and English, drawn from the demo
network's words), 200 realistic queries with and without filters run one at a time through
`GET /offerings` of the running service (HTTP, FastAPI, access checks) and, in the same run,
through `arctic.catalogue.search.search` on a plain asyncpg pool: the same SQL without the
service around it. Reported: p50/p99 of each, and the two targets as ratios:
endpoint p99 <= 1.3 x raw p99, and endpoint p99 at 100,000 <= 2 x at 10,000.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import asyncpg
import h11
from cryptography.hazmat.primitives.asymmetric import ec

from arctic.catalogue import search
from arctic.catalogue.demo_offerings import OFFERINGS
from arctic.catalogue.finnish import analysed_terms
from arctic.catalogue.search import Filters
from arctic.catalogue.service import definition
from arctic.catalogue.settings import CatalogueSettings
from arctic.contracts.vocabulary import Language, OfferingKind, Stage
from arctic.runtime.access.testing import Tokens, write_public_key
from arctic.runtime.db import create_pool
from arctic.runtime.testing import TEST_PEPPER, prepare_service_database, provision, serving
from bench.infra import Servers
from bench.measure import percentile

SIZES = (10_000, 50_000, 100_000)
QUERIES = 200
RESULTS = Path(__file__).parent / "results" / "catalogue-search.md"
ORGS = {
    name: uuid.UUID(f"0193a1b0-0000-7000-8000-00000000000{n}")
    for name, n in (("lapland-uas", 1), ("ulapland", 2), ("gtk", 3), ("luke", 4))
}
"""The organisations' ids as the catalogue's first migration seeds them."""
WORDS_FI = sorted({w for o in OFFERINGS for w in o.description_fi.lower().split() if len(w) > 4})
WORDS_EN = sorted({w for o in OFFERINGS for w in o.description_en.lower().split() if len(w) > 4})
TEXTS = [
    "laboratorio", "mineral processing", "rikastushiekka", "poro", "reindeer", "prototyyppi",
    "service design", "palvelumuotoilu", "soil samples", "kalankasvatus", "winter testing",
    "hiekka", "näyte", "virtual reality", "energy efficiency", "drone mapping", "berries",
    "steel welding", "forest carbon", "tekoäly", "laboratoriot", "prototypes", "Kutuharu",
]  # fmt: skip


def queries(rng: random.Random) -> list[tuple[str | None, Filters]]:
    """200 queries: text alone, text with a filter, filters alone."""
    made: list[tuple[str | None, Filters]] = []
    for i in range(QUERIES):
        text = rng.choice(TEXTS) if i % 5 else None
        filters = Filters()
        if i % 3 == 1:
            filters = Filters(organisation=rng.choice(list(ORGS)))
        elif i % 3 == 2:
            filters = Filters(stage=rng.choice(list(Stage)), kind=rng.choice(list(OfferingKind)))
        made.append((text, filters))
    return made


async def grow(pool: asyncpg.Pool, to: int, rng: random.Random) -> None:
    """Generated published offerings until there are `to`, from the demo ones' words."""
    have = await pool.fetchval("SELECT count(*) FROM offerings")
    rows = []
    now = datetime.now(UTC)
    for _ in range(to - have):
        base = rng.choice(OFFERINGS)
        fi = " ".join([base.description_fi, *rng.sample(WORDS_FI, 12)])
        en = " ".join([base.description_en, *rng.sample(WORDS_EN, 12)])
        title_fi = f"{base.title_fi} {rng.choice(WORDS_FI)}"
        keywords = list(base.keywords)
        rows.append((
            uuid.uuid4(), "service", ORGS[base.org],
            title_fi, f"{base.title_en} {rng.choice(WORDS_EN)}", fi, en, list(base.stages),
            base.trl[0], base.trl[1], keywords, " ".join(keywords),
            analysed_terms([title_fi, " ".join(keywords), fi]), now,
        ))  # fmt: skip
    await pool.executemany(
        """INSERT INTO offerings (id, kind, organisation_id, title_fi, title_en, description_fi,
               description_en, stages, trl_min, trl_max, keywords, keyword_text, analysed_terms,
               created_at, pricing, lead_time_days, contact_email, status, published_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'commercial',
               10, 'bench@example.org', 'published', $14)""",
        rows,
    )
    await pool.execute("ANALYZE offerings")


def params(text: str | None, filters: Filters) -> dict[str, Any]:
    """The query string of a search."""
    found: dict[str, Any] = {"lang": "fi", "limit": 20}
    if text:
        found["q"] = text
    if filters.organisation:
        found["org"] = filters.organisation
    if filters.stage:
        found["stage"] = filters.stage.value
    if filters.kind:
        found["kind"] = filters.kind.value
    return found


class Connection:
    """One keep-alive HTTP/1.1 connection (h11): a client that costs next to nothing, so that
    the endpoint's figures are the service's (a full client such as httpx adds milliseconds
    per request in this same process)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    async def open(self) -> None:
        """Connect."""
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.h11 = h11.Connection(h11.CLIENT)

    async def get(self, target: str) -> int:
        """GET `target`, read the whole answer; its status."""
        request = h11.Request(method="GET", target=target, headers=[("Host", self.host)])
        self.writer.write(self.h11.send(request) + self.h11.send(h11.EndOfMessage()))
        status = 0
        while True:
            event = self.h11.next_event()
            if event is h11.NEED_DATA:
                self.h11.receive_data(await self.reader.read(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.EndOfMessage):
                self.h11.start_next_cycle()
                return status

    def close(self) -> None:
        """Disconnect."""
        self.writer.close()


async def measure(
    http: Connection, pool: asyncpg.Pool, made: list[tuple[str | None, Filters]]
) -> dict[str, list[float]]:
    """Milliseconds of each query through the endpoint and raw, interleaved so that both see
    the same machine at the same moments."""
    timings: dict[str, list[float]] = {"endpoint": [], "raw": []}
    for text, filters in made:
        target = f"/offerings?{urlencode(params(text, filters))}"
        started = time.perf_counter()
        status = await http.get(target)
        timings["endpoint"].append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"GET {target} answered {status}")
        started = time.perf_counter()
        await search.search(pool, text, filters, Language.fi, 20, None)
        timings["raw"].append((time.perf_counter() - started) * 1000)
    return timings


@dataclass(frozen=True)
class SizeFigures:
    """The endpoint's and the raw SQL's latency at one catalogue size, ms."""

    endpoint_p50: float
    endpoint_p99: float
    raw_p50: float
    raw_p99: float


async def measure_sizes(sizes: tuple[int, ...] = SIZES) -> dict[int, SizeFigures]:
    """Grow the catalogue to each size in turn and time the queries there."""
    servers = Servers()
    await servers.start()
    folder = servers.root / "keys"
    folder.mkdir()
    key = ec.generate_private_key(ec.SECP256R1())
    tokens = Tokens(key, write_public_key(key, folder / "public.pem"))
    try:
        dsn = await prepare_service_database(servers.admin_dsn, definition)
        await provision(servers.nats_url, definition)
        settings = CatalogueSettings(
            service="catalogue", database_dsn=dsn, nats_url=servers.nats_url,
            personal_data_pepper=TEST_PEPPER, **tokens.settings,
        )  # fmt: skip
        rng = random.Random(2026)  # noqa: S311 - repeatable data, not secrets
        made = queries(rng)
        figures: dict[int, SizeFigures] = {}
        async with serving(definition, settings) as url:
            pool = await create_pool(dsn, "catalogue", size=4)
            address = urlsplit(url)
            http = Connection(address.hostname or "127.0.0.1", address.port or 80)
            await http.open()
            try:
                for size in sizes:
                    await grow(pool, size, rng)
                    http.close()  # idle while growing: past the server's keep-alive
                    await http.open()
                    await measure(http, pool, made[:20])  # warm caches
                    t = await measure(http, pool, made)
                    e, r = sorted(t["endpoint"]), sorted(t["raw"])
                    figures[size] = SizeFigures(
                        percentile(e, 0.5), percentile(e, 0.99),
                        percentile(r, 0.5), percentile(r, 0.99),
                    )  # fmt: skip
            finally:
                http.close()
            await pool.close()
        return figures
    finally:
        servers.stop()


async def run(sizes: tuple[int, ...] = SIZES) -> str:
    """Run every size; the markdown report."""
    figures = await measure_sizes(sizes)
    lines = [
        "# Catalogue search: endpoint vs raw SQL", "",
        f"{QUERIES} queries per size, one at a time, endpoint and raw interleaved; ms.", "",
        "| offerings | endpoint p50 | endpoint p99 | raw p50 | raw p99 | endpoint/raw p99 |",
        "|---|---|---|---|---|---|",
    ]  # fmt: skip
    for size, f in figures.items():
        lines.append(
            f"| {size:,} | {f.endpoint_p50:.1f} | {f.endpoint_p99:.1f} | "
            f"{f.raw_p50:.1f} | {f.raw_p99:.1f} | {f.endpoint_p99 / f.raw_p99:.2f} |"
        )
    growth = figures[sizes[-1]].endpoint_p99 / figures[sizes[0]].endpoint_p99
    lines += [
        "",
        "Targets: endpoint p99 <= 1.3 x raw p99 (last column); endpoint p99 at "
        f"{sizes[-1]:,} <= 2 x at {sizes[0]:,}: measured {growth:.2f} x.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(prog="python -m bench.catalogue_search", description=__doc__)
    parser.add_argument("--output", type=Path, default=RESULTS, help="markdown results file")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="offerings")
    options = parser.parse_args()
    report = asyncio.run(run(tuple(options.sizes)))
    options.output.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
