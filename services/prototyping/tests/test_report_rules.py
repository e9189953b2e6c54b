"""The year's figures as plain code."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from arctic.contracts.vocabulary import Discipline
from arctic.prototyping.domain import RequestStatus
from arctic.prototyping.reports import RequestFacts, figures, year_report

JAN = datetime(2026, 1, 5, 9, tzinfo=UTC)
DUE = date(2026, 2, 10)


def delivered(days: int, partner: bool = False) -> RequestFacts:
    return RequestFacts(
        RequestStatus.delivered, [Discipline.ict], partner, JAN, DUE, JAN + timedelta(days=days)
    )


def test_counts_on_time_share_and_median_days() -> None:
    facts = [
        delivered(20),
        delivered(36),  # 2026-02-10 in Finland: on time
        delivered(40, partner=True),  # late
        RequestFacts(RequestStatus.rejected, [Discipline.energy], False, JAN, None, None),
        RequestFacts(RequestStatus.in_progress, [Discipline.ict], True, JAN, DUE, None),
    ]
    overall = figures("all", "all", facts)
    assert (overall.requests, overall.accepted, overall.rejected, overall.delivered) == (5, 4, 1, 3)
    assert (overall.on_time_percent, overall.median_days_to_delivery) == (66.7, 36.0)
    report = {(f.group, f.key): f for f in year_report(facts)}
    assert report["discipline", "energy"].rejected == 1
    assert report["discipline", "ict"].requests == 4
    assert report["partner", "partner"].on_time_percent == 0.0
    assert report["partner", "non_partner"].delivered == 2
    assert len(report) == 1 + len(Discipline) + 2


def test_without_deliveries_the_shares_are_unknown() -> None:
    empty = figures("all", "all", [])
    assert (empty.requests, empty.on_time_percent, empty.median_days_to_delivery) == (0, None, None)
