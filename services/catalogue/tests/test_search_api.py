"""Search of the demo network's published offerings: stemming in Finnish and English, Finnish
compounds found by their parts, ranking, filters with facets, the typo-tolerant fallback,
snippets in the asked language, stable cursor pages, and the bounded window of matches."""

from __future__ import annotations

from typing import Any

from catalogue_support import Catalogue, new_offering

from arctic.catalogue import search as search_module
from arctic.catalogue.demo import demo_id
from arctic.catalogue.search import Filters
from arctic.contracts.vocabulary import Language


async def search(catalogue: Catalogue, **params: Any) -> dict[str, Any]:
    response = await catalogue.http.get("/offerings", params=params)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def keys(result: dict[str, Any]) -> list[str]:
    ids = {str(demo_id(k)): k for k in DEMO_KEYS}
    return [ids.get(hit["offering"]["id"], hit["offering"]["id"]) for hit in result["items"]]


DEMO_KEYS = [
    "tequ", "frostbit", "arctic-power", "steel-lab", "biolab", "sinco", "arctic-centre", "mintec",
    "luke-lab", "inari-fish", "kutuharju", "iot-sensors", "welfare-tech", "data-analytics",
    "circular-economy", "process-mineralogy", "tourism-design", "industrial-design", "peatland",
]  # fmt: skip


WORDS = [
    ("laboratoriot", "luke-lab"),  # Finnish stemming: laboratoriot → laboratorio
    ("prototypes", "tequ"),  # English stemming: prototypes → prototype
    ("hiekka", "mintec"),  # a compound's part: rikastushiekka (tailings)
    ("näyte", "mintec"),  # malminäytteiden (ore samples)
    ("muotoilu", "sinco"),  # palvelumuotoilun (service design)
    ("poroja", "kutuharju"),
    ("reindeer", "kutuharju"),
    ("renskötsel", "kutuharju"),  # Swedish
]


async def test_a_word_finds_its_inflected_forms_and_compounds(catalogue: Catalogue) -> None:
    # One service for every word: each case is a query, not a new database.
    missed = []
    for query, expected in WORDS:
        result = await search(catalogue, q=query)
        if expected not in keys(result) or result["fuzzy"]:
            missed.append((query, expected, keys(result)))
    assert missed == []


async def test_a_title_match_ranks_above_a_description_match(catalogue: Catalogue) -> None:
    # "mineral processing" is the title of GTK Mintec, only words in others' descriptions.
    result = await search(catalogue, q="mineral processing")
    assert keys(result)[0] == "mintec"
    scores = [hit["score"] for hit in result["items"]]
    assert scores == sorted(scores, reverse=True)


async def test_filters_combine_with_the_text_and_facets_count_every_match(
    catalogue: Catalogue,
) -> None:
    everything = await search(catalogue, q="laboratorio")
    assert everything["capped"] is False
    assert everything["facets"]["organisation"].keys() >= {"luke", "gtk"}
    only_luke = await search(catalogue, q="laboratorio", org="luke")
    assert {hit["offering"]["organisation"] for hit in only_luke["items"]} == {"luke"}
    assert len(only_luke["items"]) == everything["facets"]["organisation"]["luke"]
    environments = await search(catalogue, kind="environment")
    assert len(environments["items"]) == 11
    assert environments["facets"]["kind"] == {"environment": 11}
    pilots = await search(catalogue, stage="pilot", trl=8, org="luke")
    for hit in pilots["items"]:
        assert "pilot" in hit["offering"]["stages"]
        assert hit["offering"]["trl_min"] <= 8 <= hit["offering"]["trl_max"]
    assert pilots["facets"]["stage"]["pilot"] == len(pilots["items"])
    ict = await search(catalogue, discipline="ict")
    assert ict["items"]
    assert all("ict" in h["offering"]["disciplines"] for h in ict["items"])


async def test_a_misspelt_query_falls_back_to_similar_titles(catalogue: Catalogue) -> None:
    result = await search(catalogue, q="Kutuharu")
    assert result["fuzzy"] is True
    assert keys(result)[0] == "kutuharju"
    assert (await search(catalogue, q="qqqxxyzzy"))["items"] == []


async def test_snippets_are_in_the_asked_language_with_the_words_marked(
    catalogue: Catalogue,
) -> None:
    finnish = await search(catalogue, q="poro", lang="fi")
    assert "<b>" in finnish["items"][0]["snippet"]
    assert "poro" in finnish["items"][0]["snippet"].lower()
    english = (
        await catalogue.http.get(
            "/offerings", params={"q": "reindeer"}, headers={"Accept-Language": "en-GB,fi;q=0.5"}
        )
    ).json()
    assert "<b>reindeer</b>" in english["items"][0]["snippet"].lower()


async def test_pages_follow_each_other_without_gaps_or_repeats(catalogue: Catalogue) -> None:
    whole = await search(catalogue, q="laboratory research data", limit=200)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": "laboratory research data", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = await search(catalogue, **params)
        seen += [hit["offering"]["id"] for hit in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [hit["offering"]["id"] for hit in whole["items"]]
    forged = await catalogue.http.get("/offerings", params={"q": "x", "cursor": "bm9wZQ"})
    assert forged.status_code == 422
    assert forged.json()["errors"][0]["field"] == "cursor"


async def test_drafts_are_not_found(catalogue: Catalogue) -> None:
    async with catalogue.staff("gtk") as gtk:
        draft = (await gtk.post("/offerings", json=new_offering())).json()
    result = await search(catalogue, q="litium")
    assert draft["id"] not in [hit["offering"]["id"] for hit in result["items"]]


async def test_past_the_window_title_matches_come_first_and_the_answer_says_so(
    catalogue: Catalogue,
) -> None:
    # "data" is a word of two titles (Data Analytics, Forest data; "Geodata" is another
    # word) and of more descriptions: a window of two holds the two title matches, whatever
    # order the others were written in.
    everything = await search_module.search(catalogue.db, "data", Filters(), Language.en, 20, None)
    assert not everything.capped
    assert len(everything.hits) > 2
    assert sum(everything.facets["kind"].values()) == len(everything.hits)
    small = await search_module.search(
        catalogue.db, "data", Filters(), Language.en, 20, None, window=2
    )
    assert small.capped
    titled = {demo_id(k) for k in ("data-analytics", "forest-data")}
    assert {h.offering.id for h in small.hits} == titled
    assert sum(small.facets["kind"].values()) == 2
    scores = [h.score for h in small.hits]
    assert scores == sorted(scores, reverse=True)
    # The pages of a capped query follow each other through the window.
    seen, cursor = [], None
    while True:
        page = await search_module.search(
            catalogue.db, "data", Filters(), Language.en, 1, cursor, window=2
        )
        seen += [h.offering.id for h in page.hits]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [h.offering.id for h in small.hits]


async def test_filters_alone_page_through_every_match_past_the_window(
    catalogue: Catalogue,
) -> None:
    everything = await search(catalogue, limit=100)
    assert everything["capped"] is False
    assert sum(everything["facets"]["kind"].values()) == len(everything["items"])
    seen, cursor = [], None
    while True:
        page = await search_module.search(
            catalogue.db, None, Filters(), Language.en, 7, cursor, window=3
        )
        assert page.capped
        assert sum(page.facets["kind"].values()) == 3
        seen += [str(h.offering.id) for h in page.hits]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [hit["offering"]["id"] for hit in everything["items"]]
