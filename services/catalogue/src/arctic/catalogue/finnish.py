"""Finnish words by their base forms and compound parts (Voikko's morphological analysis).

Finnish writes in compounds that PostgreSQL's snowball stemmer leaves whole: "rikastushiekka"
(tailings) stems to itself, so a search for "hiekka" (sand) would miss it. Texts are analysed
when an offering is written (base forms and the base forms of compound parts, indexed beside
the stemmed words); query words are analysed alike, each word once per process.

The analyser (Voikko's transducer through `pyvoikko`, on kfst's native back-end `kfst-rs`)
is loaded at the first word analysed, not at import: loading takes a second or two and
about 220 MB, which the processes that only read the catalogue's service definition
(`arctic up`, migrations, the CLI) need not pay.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from typing import Any

_WORD = re.compile(r"[a-zåäöšž]+(?:-[a-zåäöšž]+)*")
_MIN_PART = 3  # shorter parts ("työ" stays, but "ja"-like fragments say nothing)


def words(text: str) -> list[str]:
    """The words of a text, lower-cased, in order."""
    return _WORD.findall(text.lower())


@lru_cache(maxsize=65536)
def base_forms(word: str) -> tuple[str, ...]:
    """The base forms of a word and of its compound parts ("malminäytteidemme" → malminäyte,
    malmi, näyte); the word itself when Voikko does not know it."""
    forms: dict[str, None] = {}
    analyse = _analyser()
    for part in word.split("-"):
        for analysis in analyse(part) or ():
            if analysis.BASEFORM:
                forms[analysis.BASEFORM.lower()] = None
            for compound in analysis.COMPOUND_PARTS or ():
                if compound.BASEFORM and len(compound.BASEFORM) >= _MIN_PART:
                    forms[compound.BASEFORM.lower()] = None
    return tuple(forms) or (word,)


@cache
def _analyser() -> Callable[[str], list[Any]]:
    import pyvoikko  # type: ignore[import-untyped]  # here, not at the top: see above

    analyse: Callable[[str], list[Any]] = pyvoikko.analyse
    return analyse


def analysed_terms(texts: Iterable[str]) -> str:
    """The base forms and compound parts of every word of `texts`, each once, space-separated
    (indexed with PostgreSQL's `simple` configuration)."""
    terms: dict[str, None] = {}
    for text in texts:
        for word in words(text):
            terms.update(dict.fromkeys(base_forms(word)))
    return " ".join(terms)


def query_terms(query: str) -> list[str]:
    """The base forms and compound parts of a query's words, for the analysed index."""
    terms: dict[str, None] = {}
    for word in words(query):
        terms.update(dict.fromkeys(base_forms(word)))
    return list(terms)
