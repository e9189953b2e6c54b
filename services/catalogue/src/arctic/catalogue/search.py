"""Full-text search of published offerings in Finnish, English and Swedish.

A query word matches an offering when its stem in any of PostgreSQL's `finnish`, `english` or
`swedish` configurations, or one of its Finnish base forms or compound parts (Voikko), is in
the offering's one search vector; every word must match (a word that is a stop word in any of
the languages is left out). Ranks weigh title > keywords > description. When nothing matches,
a typo-tolerant fallback compares the query with titles and keywords by trigram similarity.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

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
    """A page of hits, the cursor of the next page, facet counts over all hits, and whether
    the typo-tolerant fallback found them."""

    hits: list[Hit]
    next_cursor: str | None
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    fuzzy: bool = False


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
        conditions.append(f"g.short_name = {arg(filters.organisation)}")
    if filters.kind is not None:
        conditions.append(f"o.kind = {arg(filters.kind.value)}")
    if filters.stage is not None:
        conditions.append(f"{arg(filters.stage.value)} = ANY(o.stages)")
    if filters.discipline is not None:
        conditions.append(f"{arg(filters.discipline.value)} = ANY(o.disciplines)")
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
    db: Db,
    text: str | None,
    filters: Filters,
    lang: Language,
    limit: int,
    cursor: str | None,
) -> Results:
    """A page of published offerings matching `text` (all of them without one) and
    `filters`, best first; facets count every match by organisation, kind and stage."""
    after, fuzzy = _decode(cursor) if cursor else (None, False)
    query = await text_query(db, text) if text else None
    if text and query is None:
        return Results([], None)
    if query is not None and not fuzzy:
        results = await _ranked(db, "o.search @@ $1::tsquery", "ts_rank(o.search, $1::tsquery)",
                                query, filters, lang, limit, after)  # fmt: skip
        if results.hits or after is not None:
            return results
    if text:
        return await _ranked(db, FUZZY_MATCH, "word_similarity($1, o.trigram_text)",
                             text, filters, lang, limit, after, fuzzy=True)  # fmt: skip
    return await _ranked(db, "true", "0::real", None, filters, lang, limit, after)


async def _ranked(
    db: Db,
    match: str,
    score: str,
    query: str | None,
    filters: Filters,
    lang: Language,
    limit: int,
    after: tuple[float, str] | None,
    *,
    fuzzy: bool = False,
) -> Results:
    args: list[Any] = [query] if query is not None else []
    conditions = [*_where(filters, args), match]
    where = " AND ".join(conditions)
    matched = f"""SELECT {OFFERING_COLUMNS}, ({score})::float8 AS score
                  FROM {OFFERINGS} WHERE {where}"""
    facets = await _facets(db, where, args)
    page_args = list(args)
    page_where = ""
    if after is not None:
        page_args += [after[0], after[1]]
        n = len(page_args)
        page_where = f"WHERE (score < ${n - 1} OR (score = ${n - 1} AND id > ${n}::uuid))"
    page_args.append(limit + 1)
    snippet = (
        _snippet(lang, "$1::tsquery")
        if query is not None and "@@" in match
        else ("left(coalesce(o.description_" + lang.value + ", o.description_en), 200)")
    )
    rows = await db.fetch(
        f"""WITH matched AS ({matched}), page AS (
                SELECT * FROM matched {page_where} ORDER BY score DESC, id LIMIT ${len(page_args)})
            SELECT page.*, {snippet.replace("o.description", "page.description")} AS snippet
            FROM page ORDER BY score DESC, id""",
        *page_args,
    )
    hits = [Hit(to_offering(r), r["score"], r["snippet"]) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = _encode(last["score"], str(last["id"]), fuzzy)
    return Results(hits, next_cursor, facets, fuzzy)


async def _facets(db: Db, where: str, args: Sequence[Any]) -> dict[str, dict[str, int]]:
    # Only what the counts need: no rank, no texts.
    rows = await db.fetch(
        f"""WITH matched AS MATERIALIZED (
                SELECT g.short_name, o.kind, o.stages FROM {OFFERINGS} WHERE {where})
            SELECT 'organisation' AS facet, short_name AS value, count(*) FROM matched
            GROUP BY short_name
            UNION ALL SELECT 'kind', kind, count(*) FROM matched GROUP BY kind
            UNION ALL SELECT 'stage', stage, count(*)
            FROM matched, unnest(stages) AS stage GROUP BY stage""",
        *args,
    )
    facets: dict[str, dict[str, int]] = {"organisation": {}, "kind": {}, "stage": {}}
    for row in rows:
        facets[row["facet"]][row["value"]] = row["count"]
    return facets


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
