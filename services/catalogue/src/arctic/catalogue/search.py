"""Full-text search of published offerings in Finnish, English and Swedish.

A query word matches an offering when its stem in any of PostgreSQL's `finnish`, `english` or
`swedish` configurations, or one of its Finnish base forms or compound parts (Voikko), is in
the offering's one search vector; every word must match (a word that is a stop word in any of
the languages is left out). Ranks weigh title > keywords > description. When nothing matches,
a typo-tolerant fallback compares the query with titles and keywords by trigram similarity.
A query ranks, pages and counts at most `WINDOW` matches, title matches first, so that its
cost does not grow with the catalogue.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from arctic.catalogue.finnish import query_terms, words
from arctic.catalogue.offerings import Offering
from arctic.catalogue.store import OFFERING_COLUMNS, OFFERINGS, Db, to_offering
from arctic.contracts.vocabulary import Discipline, Language, OfferingKind, Stage
from arctic.runtime.pagination import InvalidCursor

FUZZY_MATCH = "$1 <% o.trigram_text"
"""The fallback's match: pg_trgm's word similarity of the query to a title or keyword at
least `pg_trgm.word_similarity_threshold` (0.6 by default), served by the trigram index."""
QUERY_WORDS_MAX = 32
WINDOW = 1000
"""At most this many of a query's matches are ranked, paged and counted in its facets: found
tier by tier (`_TIERS`), each tier through its own index and only until the window is full,
so that a query costs the same in a catalogue of ten thousand offerings as of a million."""
_TIERS = (
    "o.title_search @@ $1::tsquery",
    "o.head_search @@ $1::tsquery AND NOT o.title_search @@ $1::tsquery",
    "o.search @@ $1::tsquery AND NOT o.head_search @@ $1::tsquery",
)
"""Where the window looks for full-text matches first: every word in a title, then every word
in the titles and keywords, then the others (the vectors of migration 0005)."""

# One tsquery from the query's words: per word the alternatives (its stems in the three
# languages, its Finnish base forms) OR-ed, the words joined by $3 (' & ' to search, ' | ' to
# rank an inquiry's free text); stop words of any language are left out.
_QUERY = """
SELECT string_agg('(' || (f || e || s || to_tsquery('simple', a))::text || ')', $3)::tsquery
FROM (SELECT plainto_tsquery('finnish', w) AS f, plainto_tsquery('english', w) AS e,
             plainto_tsquery('swedish', w) AS s, a
      FROM unnest($1::text[], $2::text[]) AS t(w, a)) words
WHERE f::text <> '' AND e::text <> '' AND s::text <> ''
"""


_PLANS = "SET plan_cache_mode = force_custom_plan; SET enable_seqscan = off"
_PLANS_WITH_TEXT = f"{_PLANS}; SET enable_indexscan = off"


@dataclass(frozen=True)
class Filters:
    """What the results are narrowed to, beside the text."""

    organisation: str | None = None
    kind: OfferingKind | None = None
    stage: Stage | None = None
    discipline: Discipline | None = None
    trl: int | None = None


@dataclass(frozen=True)
class Hit:
    """An offering found, its rank and a snippet with the matched words highlighted."""

    offering: Offering
    score: float
    snippet: str


@dataclass
class Results:
    """A page of hits, the cursor of the next page, facet counts over all matches, whether
    the typo-tolerant fallback found them, and whether there were more matches than the
    `WINDOW` ranked and counted."""

    hits: list[Hit]
    next_cursor: str | None
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    fuzzy: bool = False
    capped: bool = False


async def text_query(db: Db, text: str, *, any_word: bool = False) -> str | None:
    """The tsquery (as text) of a search or of an inquiry's need; None when no word counts."""
    found = words(text)[:QUERY_WORDS_MAX]
    if not found:
        return None
    alternatives = [" | ".join(f"'{t}'" for t in query_terms(w)) for w in found]
    query: str | None = await db.fetchval(_QUERY, found, alternatives, " | " if any_word else " & ")
    return query or None


def _where(filters: Filters, args: list[Any]) -> list[str]:
    conditions = ["o.status = 'published'"]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if filters.organisation is not None:
        # By id, so that the offerings' index of organisation can take part.
        owner = f"(SELECT id FROM organisations WHERE short_name = {arg(filters.organisation)})"
        conditions.append(f"o.organisation_id = {owner}")
    if filters.kind is not None:
        conditions.append(f"o.kind = {arg(filters.kind.value)}")
    if filters.stage is not None:
        conditions.append(f"o.stages @> ARRAY[{arg(filters.stage.value)}::text]")
    if filters.discipline is not None:
        conditions.append(f"o.disciplines @> ARRAY[{arg(filters.discipline.value)}::text]")
    if filters.trl is not None:
        conditions.append(f"{arg(filters.trl)} BETWEEN o.trl_min AND o.trl_max")
    return conditions


def _snippet(lang: Language, query: str) -> str:
    """The SQL of a snippet of the description in `lang` (or the other language when the
    offering has none in it), the query's words in <b></b>."""
    config = {"fi": "finnish", "en": "english", "sv": "swedish"}[lang.value]
    other = "o.description_en" if lang is Language.fi else "o.description_fi"
    text = f"coalesce(o.description_{lang.value}, {other})"
    options = "MaxFragments=1, MaxWords=30, MinWords=12"
    return f"ts_headline('{config}', {text}, {query}, '{options}')"


async def search(
    pool: asyncpg.Pool,
    text: str | None,
    filters: Filters,
    lang: Language,
    limit: int,
    cursor: str | None,
    *,
    window: int = WINDOW,
) -> Results:
    """A page of published offerings matching `text` (all of them without one) and
    `filters`, best first; facets count the matches by organisation, kind and stage.

    A query's work is bounded, whatever the size of the catalogue: at most `window` matches
    are ranked and counted, title matches first, then keyword matches, then the others
    (`Results.capped` says when there were more)."""
    after, fuzzy = _decode(cursor) if cursor else (None, False)
    async with pool.acquire() as db:
        # Which index fills a window fastest depends on the values (a rare kind, a common
        # word): a plan made for them each time, not the generic plan PostgreSQL settles on
        # for a statement run often. And with text, only bitmap scans: the planner does not
        # know that testing a row's `search` detoasts it, and a scan of the table (or of a
        # filter's index) that it expects to stop early reads every row when a filter leaves
        # fewer matches than it hoped (0.3-1.6 s at 100,000 offerings); the text's own index
        # finds its matches without reading a vector. The pool's reset undoes these.
        await db.execute(_PLANS_WITH_TEXT if text else _PLANS)
        return await _search(db, after, fuzzy, text, filters, lang, limit, window)


async def _search(
    db: asyncpg.Connection,
    after: tuple[float, str] | None,
    fuzzy: bool,
    text: str | None,
    filters: Filters,
    lang: Language,
    limit: int,
    window: int,
) -> Results:
    query = await text_query(db, text) if text else None
    if text and query is None:
        return Results([], None)
    if query is not None and not fuzzy:
        results = await _ranked(db, _TIERS, "ts_rank(o.search, $1::tsquery)", query, filters,
                                lang, limit, after, window)  # fmt: skip
        if results.hits or after is not None:
            return results
    if text:
        return await _ranked(db, (FUZZY_MATCH,), "word_similarity($1, o.trigram_text)", text,
                             filters, lang, limit, after, window, fuzzy=True)  # fmt: skip
    return await _ranked(db, ("true",), "0::real", None, filters, lang, limit, after, window,
                         whole_list=True)  # fmt: skip


async def _ranked(
    db: Db,
    tiers: Sequence[str],
    score: str,
    query: str | None,
    filters: Filters,
    lang: Language,
    limit: int,
    after: tuple[float, str] | None,
    window: int,
    *,
    fuzzy: bool = False,
    whole_list: bool = False,
) -> Results:
    """One statement: the window of matches (tier by tier, each stopping once the window is
    full), their scores and facets, and the page after `after`: from the window, or with
    `whole_list` (no text: every offering scores the same) from all matches in id order."""
    args: list[Any] = [query] if query is not None else []
    where = " AND ".join(_where(filters, args))
    args.append(window + 1)
    room = f"${len(args)}"
    found: list[str] = []
    for n, tier in enumerate(tiers):
        taken = "".join(f" - (SELECT count(*) FROM tier{i})" for i in range(n))
        found.append(f"""tier{n} AS MATERIALIZED (
            SELECT o.id, g.short_name, o.kind, o.stages, ({score})::float8 AS score
            FROM {OFFERINGS} WHERE {where} AND {tier} LIMIT {room}{taken})""")
    in_tiers = " UNION ALL ".join(f"SELECT * FROM tier{n}" for n in range(len(tiers)))
    if whole_list:
        keyset = ""
        if after is not None:
            args.append(after[1])
            keyset = f"AND o.id > ${len(args)}::uuid"
        args.append(limit + 1)
        page = f"""SELECT o.id, 0::float8 AS score FROM {OFFERINGS} WHERE {where} {keyset}
                   ORDER BY o.id LIMIT ${len(args)}"""
    else:
        keyset = ""
        if after is not None:
            args += [after[0], after[1]]
            at, after_id = f"${len(args) - 1}", f"${len(args)}::uuid"
            keyset = f"WHERE score < {at} OR (score = {at} AND id > {after_id})"
        args.append(limit + 1)
        page = f"SELECT id, score FROM scored {keyset} ORDER BY score DESC, id LIMIT ${len(args)}"
    snippet = (
        _snippet(lang, "$1::tsquery")
        if query is not None and not fuzzy
        else f"left(coalesce(o.description_{lang.value}, o.description_en), 200)"
    )
    rows = await db.fetch(
        f"""WITH {", ".join(found)},
            scored AS MATERIALIZED (SELECT * FROM ({in_tiers}) w LIMIT {room} - 1),
            page AS ({page}),
            counts AS (
                SELECT 'organisation' AS facet, short_name AS value, count(*) AS n FROM scored
                GROUP BY short_name
                UNION ALL SELECT 'kind', kind, count(*) FROM scored GROUP BY kind
                UNION ALL SELECT 'stage', stage, count(*)
                FROM scored, unnest(stages) AS stage GROUP BY stage)
            SELECT summary.*, hit.* FROM (
                SELECT (SELECT count(*) FROM ({in_tiers}) w) > {room} - 1 AS capped,
                       (SELECT json_agg(json_build_array(facet, value, n)) FROM counts)::text
                           AS facet_counts) summary
            LEFT JOIN (
                SELECT {OFFERING_COLUMNS}, page.score, {snippet} AS snippet
                FROM page JOIN {OFFERINGS} ON o.id = page.id) hit ON true
            ORDER BY hit.score DESC, hit.id""",
        *args,
    )
    facets: dict[str, dict[str, int]] = {"organisation": {}, "kind": {}, "stage": {}}
    for facet, value, n in orjson.loads(rows[0]["facet_counts"] or "[]"):
        facets[facet][value] = n
    found_rows = [r for r in rows if r["id"] is not None]
    hits = [Hit(to_offering(r), r["score"], r["snippet"]) for r in found_rows[:limit]]
    next_cursor = None
    if len(found_rows) > limit:
        last = found_rows[limit - 1]
        next_cursor = _encode(last["score"], str(last["id"]), fuzzy)
    return Results(hits, next_cursor, facets, fuzzy, capped=rows[0]["capped"])


async def rank_for_need(db: Db, need: str, limit: int = 8) -> list[tuple[Offering, float]]:
    """The published offerings that best match an inquiry's free text (any of its words, in
    any language), best first, with their scores."""
    query = await text_query(db, need, any_word=True)
    if query is None:
        return []
    rows = await db.fetch(
        f"""SELECT {OFFERING_COLUMNS}, ts_rank(o.search, $1::tsquery)::float8 AS score
            FROM {OFFERINGS} WHERE o.status = 'published' AND o.search @@ $1::tsquery
            ORDER BY score DESC, o.id LIMIT $2""",
        query,
        limit,
    )
    return [(to_offering(r), r["score"]) for r in rows]


async def matched_words(db: Db, need: str, offering: Offering) -> list[str]:
    """The words of `need` that matched the offering (for a reason a person can read)."""
    found = list(dict.fromkeys(words(need)))[:QUERY_WORDS_MAX]
    alternatives = [" | ".join(f"'{t}'" for t in query_terms(w)) for w in found]
    rows = await db.fetch(
        """SELECT w FROM (
               SELECT w, n, plainto_tsquery('finnish', w) AS f, plainto_tsquery('english', w) AS e,
                      plainto_tsquery('swedish', w) AS s, to_tsquery('simple', a) AS a
               FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(w, a, n)) words,
               offerings o
           WHERE o.id = $3 AND f::text <> '' AND e::text <> '' AND s::text <> ''
             AND o.search @@ (f || e || s || a)
           ORDER BY n""",
        found,
        alternatives,
        offering.id,
    )
    return [r["w"] for r in rows]


def _encode(score: float, row_id: str, fuzzy: bool) -> str:
    raw = orjson.dumps([score, row_id, fuzzy])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[tuple[float, str], bool]:
    """The position after which a page goes on, and whether it is a page of fuzzy matches."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        score, row_id, fuzzy = orjson.loads(raw)
        UUID(row_id)
        if not isinstance(score, float | int) or not isinstance(fuzzy, bool):
            raise ValueError
    except (binascii.Error, orjson.JSONDecodeError, ValueError, TypeError, AttributeError):
        raise InvalidCursor("not a cursor this API gave out") from None
    return (float(score), row_id), fuzzy
