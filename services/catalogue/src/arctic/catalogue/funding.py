"""Funding instruments and the rules of matching them to a company's situation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from arctic.contracts.vocabulary import Stage


@dataclass(frozen=True)
class FundingInstrument:
    """A way to finance a step of a company's innovation process (data, not logic: amounts
    and calls change)."""

    id: UUID
    name: str
    provider: str
    description: str
    stages: tuple[Stage, ...]
    max_company_age_years: int | None
    max_employees: int | None
    max_amount_eur: Decimal | None
    max_rate_percent: Decimal | None
    buys_research_services: bool
    cross_border: bool
    url: str


@dataclass(frozen=True)
class Situation:
    """What is known of the company asking; unknowns are not held against an instrument."""

    stage: Stage
    company_age_years: int | None = None
    employees: int | None = None
    cross_border: bool | None = None


@dataclass(frozen=True)
class Match:
    """An instrument, whether it fits, its score (higher is better) and why."""

    instrument: FundingInstrument
    fits: bool
    score: int
    reasons: tuple[str, ...]


def match(instruments: Sequence[FundingInstrument], situation: Situation) -> list[Match]:
    """Every instrument with the reasons it fits or does not: those that fit first, then by
    score (buying research organisations' services and cross-border fit add to it), then
    by name."""
    matches = [_match(i, situation) for i in instruments]
    return sorted(matches, key=lambda m: (not m.fits, -m.score, m.instrument.name))


def _match(instrument: FundingInstrument, situation: Situation) -> Match:
    reasons: list[str] = []
    fits, score = True, 0
    stages = ", ".join(instrument.stages)
    if situation.stage in instrument.stages:
        reasons.append(f"stage {situation.stage} fits ({stages})")
        score += 2
    else:
        fits = False
        reasons.append(f"stage {situation.stage} does not fit (for {stages})")
    limit = instrument.max_company_age_years
    if limit is not None and situation.company_age_years is not None:
        if situation.company_age_years <= limit:
            reasons.append(f"company age {situation.company_age_years} years is within {limit}")
        else:
            fits = False
            reasons.append(f"company older than {limit} years")
    most = instrument.max_employees
    if most is not None and situation.employees is not None:
        if situation.employees <= most:
            reasons.append(f"{situation.employees} employees is within {most}")
        else:
            fits = False
            reasons.append(f"more than {most} employees")
    if situation.cross_border is not None:
        if instrument.cross_border and situation.cross_border:
            reasons.append("supports cross-border co-operation")
            score += 1
        elif instrument.cross_border:
            fits = False
            reasons.append("needs a cross-border project")
    if instrument.buys_research_services:
        reasons.append("can buy services from the research organisations")
        score += 1
    return Match(instrument, fits, score, tuple(reasons))
