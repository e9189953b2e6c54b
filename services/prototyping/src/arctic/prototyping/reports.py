"""The year in figures: requests, decisions, deliveries, time to delivery, overall, by
discipline and for partners and others. Plain code over the year's requests."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from arctic.contracts.vocabulary import Discipline
from arctic.prototyping.domain import RequestStatus
from arctic.prototyping.timebox import finnish_date

ACCEPTED = {RequestStatus.accepted, RequestStatus.in_progress, RequestStatus.delivered}


@dataclass(frozen=True)
class RequestFacts:
    """What the figures need of one request."""

    status: RequestStatus
    disciplines: Sequence[Discipline]
    partner: bool
    requested_at: datetime
    due_on: date | None
    delivered_at: datetime | None


class Figures(BaseModel):
    """The figures of a group of requests: `on_time_percent` of the delivered ones (on or
    before `due_on`, in Finland's calendar) and the median whole days from request to
    delivery; both None without deliveries."""

    model_config = ConfigDict(frozen=True)

    group: str
    key: str
    requests: int
    accepted: int
    rejected: int
    delivered: int
    on_time_percent: float | None
    median_days_to_delivery: float | None


def figures(group: str, key: str, facts: Iterable[RequestFacts]) -> Figures:
    """The figures of `facts`, labelled `group` and `key`."""
    chosen = list(facts)
    delivered = [f for f in chosen if f.delivered_at is not None]
    on_time = [
        f
        for f in delivered
        if f.due_on is not None and f.delivered_at and finnish_date(f.delivered_at) <= f.due_on
    ]
    days = [(f.delivered_at - f.requested_at).days for f in delivered if f.delivered_at]
    return Figures(
        group=group,
        key=key,
        requests=len(chosen),
        accepted=sum(f.status in ACCEPTED for f in chosen),
        rejected=sum(f.status is RequestStatus.rejected for f in chosen),
        delivered=len(delivered),
        on_time_percent=round(100 * len(on_time) / len(delivered), 1) if delivered else None,
        median_days_to_delivery=float(statistics.median(days)) if days else None,
    )


def year_report(facts: Sequence[RequestFacts]) -> list[Figures]:
    """All requests, then each discipline (a request counts once in each it needs), then
    partners' and others' (partner when accepted)."""
    report = [figures("all", "all", facts)]
    for discipline in Discipline:
        report.append(
            figures(
                "discipline", discipline.value, (f for f in facts if discipline in f.disciplines)
            )
        )
    report.append(figures("partner", "partner", (f for f in facts if f.partner)))
    report.append(figures("partner", "non_partner", (f for f in facts if not f.partner)))
    return report
