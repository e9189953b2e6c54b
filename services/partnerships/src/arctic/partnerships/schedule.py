"""The partnership year's calendar, computed by plain code: terms, the evaluations due every
six months of a term, and when each reminder about them goes out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from arctic.contracts.events import Term
from arctic.partnerships.working_days import (
    add_months,
    morning_of,
    next_working_day,
    previous_working_day,
)


@dataclass(frozen=True)
class ScheduleRules:
    """The programme's rhythm (settings): term length, how often evaluations fall due, how
    far ahead they are announced, the grace before one is overdue, how far ahead the end of a
    term is announced."""

    term_years: int = 3
    evaluation_interval_months: int = 6
    evaluation_notice_days: int = 14
    evaluation_grace_days: int = 7
    expiry_notice_days: int = 120


def term_from(starts_on: date, years: int) -> Term:
    """A term of `years` from `starts_on`: its last day is the day before the anniversary."""
    return Term(starts_on=starts_on, ends_on=add_months(starts_on, 12 * years) - timedelta(days=1))


def evaluation_due_dates(term: Term, interval_months: int) -> list[date]:
    """When evaluations fall due in a term: every `interval_months` from its start, the last
    at the term's end; each moved to the next working day, and one that would then leave the
    term moved back to the term's last working day."""
    end = term.ends_on
    dates: list[date] = []
    step = 1
    while (nominal := add_months(term.starts_on, interval_months * step)) <= end + timedelta(
        days=1
    ):
        due = next_working_day(min(nominal, end))
        if due > end:
            due = previous_working_day(end)
        if due not in dates:
            dates.append(due)
        step += 1
    return dates


def due_announced_at(due_on: date, rules: ScheduleRules) -> datetime:
    """When EvaluationDue goes out: the notice period before the due date, in the morning."""
    return morning_of(due_on - timedelta(days=rules.evaluation_notice_days))


def overdue_at(due_on: date, rules: ScheduleRules) -> datetime:
    """When EvaluationOverdue goes out if none was held: the morning after the grace period
    that follows the due date."""
    return morning_of(due_on + timedelta(days=rules.evaluation_grace_days + 1))


def expiry_announced_at(term: Term, rules: ScheduleRules) -> datetime:
    """When AgreementExpiring goes out: the notice period before the term's last day."""
    return morning_of(term.ends_on - timedelta(days=rules.expiry_notice_days))
