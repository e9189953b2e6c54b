"""Matching funding instruments to a company's situation, without servers."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

from arctic.catalogue.funding import FundingInstrument, Situation, match
from arctic.contracts.vocabulary import Stage


def instrument(name: str, *stages: Stage, **rules: object) -> FundingInstrument:
    values: dict[str, object] = {
        "max_company_age_years": None, "max_employees": None, "max_amount_eur": Decimal(1000),
        "max_rate_percent": Decimal(50), "buys_research_services": False, "cross_border": False,
    } | rules  # fmt: skip
    return FundingInstrument(uuid4(), name, "provider", "what", stages, url="https://x.example",
                             **values)  # type: ignore[arg-type]  # fmt: skip


VOUCHER = instrument("Voucher", Stage.idea, Stage.concept, max_company_age_years=10,
                     buys_research_services=True)  # fmt: skip
AURORA = instrument("Aurora", Stage.concept, Stage.pilot, cross_border=True)
EIC = instrument("EIC", Stage.pilot, Stage.market, max_employees=249)


def test_those_that_fit_come_first_each_with_its_reasons() -> None:
    matches = match([EIC, AURORA, VOUCHER], Situation(Stage.concept, 3, 10, cross_border=True))
    assert [(m.instrument.name, m.fits) for m in matches] == [
        ("Aurora", True), ("Voucher", True), ("EIC", False),
    ]  # fmt: skip
    assert "supports cross-border co-operation" in matches[0].reasons
    assert "can buy services from the research organisations" in matches[1].reasons
    assert "stage concept does not fit (for pilot, market)" in matches[2].reasons


def test_age_size_and_cross_border_rule_an_instrument_out() -> None:
    [voucher] = match([VOUCHER], Situation(Stage.idea, company_age_years=12))
    assert not voucher.fits
    assert "company older than 10 years" in voucher.reasons
    [eic] = match([EIC], Situation(Stage.pilot, employees=300))
    assert not eic.fits
    [aurora] = match([AURORA], Situation(Stage.pilot, cross_border=False))
    assert not aurora.fits
    assert "needs a cross-border project" in aurora.reasons


def test_what_is_not_known_is_not_held_against_an_instrument() -> None:
    assert all(m.fits for m in match([VOUCHER, AURORA], Situation(Stage.concept)))
