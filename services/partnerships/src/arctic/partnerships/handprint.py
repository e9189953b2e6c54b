"""The social handprint: indicators a partnership moves, recorded per partner, year and
action, and summed for the regional council's report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID, uuid4

from arctic.contracts.events import HandprintRecorded, Partner
from arctic.partnerships.domain import RuleBroken

INDICATORS: dict[str, tuple[str, str]] = {
    "traineeships": ("traineeships offered", "traineeships"),
    "theses": ("theses commissioned", "theses"),
    "employed": ("people employed", "people"),
    "employed_underrepresented": (
        "people employed from groups under-represented in work",
        "people",
    ),
    "procurement_criteria": ("responsible-procurement criteria applied", "criteria"),
}
"""Each counted indicator: its field, its name on the event, its unit."""


@dataclass(frozen=True)
class Handprint:
    """Indicators recorded for a partner, a year and maybe one action of its plan."""

    id: UUID
    partner: Partner
    year: int
    action_id: UUID | None
    counts: dict[str, int]
    impact: str | None
    recorded_at: datetime

    @classmethod
    def record(
        cls,
        partner: Partner,
        year: int,
        action_id: UUID | None,
        counts: dict[str, int],
        impact: str | None,
        now: datetime,
    ) -> tuple[Handprint, list[HandprintRecorded]]:
        """Record the indicators; one HandprintRecorded per counted indicator. Nobody is
        counted as employed from an under-represented group without being counted as
        employed; a record says something."""
        unknown = set(counts) - set(INDICATORS)
        if unknown:
            raise RuleBroken(sorted(unknown)[0], "not an indicator of the handprint")
        for name, value in counts.items():
            if value < 0:
                raise RuleBroken(name, "a count is zero or more")
        if counts.get("employed_underrepresented", 0) > counts.get("employed", 0):
            raise RuleBroken("employed_underrepresented", "they are part of the people employed")
        if not any(counts.values()) and not (impact and impact.strip()):
            raise RuleBroken("impact", "record at least one indicator or the impact")
        record = cls(uuid4(), partner, year, action_id, dict(counts), impact, now)
        return record, [
            HandprintRecorded(
                handprint_id=uuid4(),
                partner=partner,
                year=year,
                indicator=INDICATORS[name][0],
                value=Decimal(value),
                unit=INDICATORS[name][1],
                recorded_at=now,
                action_id=action_id,
                record_id=record.id,
            )
            for name, value in counts.items()
            if value
        ]


@dataclass
class HandprintTotals:
    """Sums of the indicators, and the impacts told in words."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(INDICATORS, 0))
    impacts: list[str] = field(default_factory=list)

    def add(self, record: Handprint) -> None:
        """Add one record."""
        for name, value in record.counts.items():
            self.counts[name] += value
        if record.impact:
            self.impacts.append(record.impact)


@dataclass
class HandprintReport:
    """A year's handprint per partner and for the whole programme."""

    year: int
    partners: dict[UUID, tuple[Partner, HandprintTotals]] = field(default_factory=dict)
    programme: HandprintTotals = field(default_factory=HandprintTotals)

    @classmethod
    def of(cls, year: int, records: Iterable[Handprint]) -> HandprintReport:
        """Sum the year's records."""
        report = cls(year)
        for record in records:
            if record.year != year:
                continue
            partner_id = record.partner.partner_id
            if partner_id not in report.partners:
                report.partners[partner_id] = (record.partner, HandprintTotals())
            report.partners[partner_id][1].add(record)
            report.programme.add(record)
        return report
