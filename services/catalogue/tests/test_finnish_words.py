"""Finnish words by base forms and compound parts (Voikko), without servers."""

from __future__ import annotations

import pytest

from arctic.catalogue.finnish import analysed_terms, base_forms, query_terms


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("rikastushiekka", {"rikastushiekka", "hiekka"}),
        ("malminäytteidemme", {"malminäyte", "malmi", "näyte"}),
        ("palvelumuotoilun", {"palvelumuotoilu", "palvelu", "muotoilu"}),
        ("laboratoriot", {"laboratorio"}),
    ],
)
def test_a_compound_is_known_by_its_parts(word: str, parts: set[str]) -> None:
    assert parts <= set(base_forms(word))


def test_an_unknown_word_stands_for_itself() -> None:
    assert base_forms("qqxz") == ("qqxz",)


def test_texts_and_queries_are_analysed_alike() -> None:
    terms = analysed_terms(["Rikastushiekan käsittely", "malminäytteiden"]).split()
    assert len(terms) == len(set(terms))
    assert set(query_terms("hiekka näyte")) <= set(terms)
