"""Finland's calendar and the evaluation schedule of a term, as plain code."""

from __future__ import annotations

from datetime import UTC, date, datetime

from arctic.contracts.events import Term
from arctic.partnerships.schedule import (
    ScheduleRules,
    due_announced_at,
    evaluation_due_dates,
    expiry_announced_at,
    overdue_at,
    term_from,
)
from arctic.partnerships.working_days import add_months, is_working_day, next_working_day

RULES = ScheduleRules()


def test_weekends_and_finnish_public_holidays_are_not_working_days() -> None:
    assert is_working_day(date(2027, 6, 23))  # a Wednesday
    assert not is_working_day(date(2027, 6, 26))  # Saturday (Midsummer Day)
    assert not is_working_day(date(2027, 6, 25))  # Midsummer Eve, a Friday
    assert not is_working_day(date(2027, 12, 6))  # Independence Day, a Monday
    assert not is_working_day(date(2027, 3, 29))  # Easter Monday
    assert not is_working_day(date(2027, 5, 6))  # Ascension Day, a Thursday


def test_a_day_off_moves_to_the_next_working_day() -> None:
    assert next_working_day(date(2027, 12, 24)) == date(2027, 12, 27)  # Christmas Eve → Monday
    assert next_working_day(date(2027, 3, 26)) == date(2027, 3, 30)  # Good Friday → Tuesday
    assert next_working_day(date(2027, 6, 23)) == date(2027, 6, 23)


def test_months_are_added_calendar_wise_keeping_the_month_end() -> None:
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2027, 1, 15), 36) == date(2030, 1, 15)


def test_a_term_lasts_three_years_to_the_day_before_the_anniversary() -> None:
    assert term_from(date(2027, 1, 1), 3) == Term(
        starts_on=date(2027, 1, 1), ends_on=date(2029, 12, 31)
    )


def test_evaluations_fall_due_every_six_months_moved_off_weekends_and_holidays() -> None:
    term = term_from(date(2027, 1, 1), 3)
    assert evaluation_due_dates(term, 6) == [
        date(2027, 7, 1),  # Thursday
        date(2028, 1, 3),  # 1 January is New Year's Day (a Saturday too) → Monday
        date(2028, 7, 3),  # 1 July 2028 is a Saturday → Monday
        date(2029, 1, 2),  # New Year's Day, a Monday → Tuesday
        date(2029, 7, 2),  # Sunday → Monday
        date(2029, 12, 31),  # the term's end: its last working day (a Monday)
    ]


def test_at_least_two_evaluations_fall_in_every_agreement_year() -> None:
    term = term_from(date(2026, 9, 15), 3)
    dates = evaluation_due_dates(term, 6)
    for year in range(3):
        # A year's second evaluation closes it: on its anniversary (or the term's last day).
        start = add_months(term.starts_on, 12 * year)
        end = add_months(term.starts_on, 12 * (year + 1))
        assert len([d for d in dates if start < d <= end]) >= 2, year
    assert all(term.starts_on < d <= term.ends_on for d in dates)


def test_the_last_evaluation_never_leaves_the_term() -> None:
    # The term's last day, 30 June 2030, is a Sunday: the evaluation moves back to Friday.
    term = term_from(date(2027, 7, 1), 3)
    assert evaluation_due_dates(term, 6)[-1] == date(2030, 6, 28)


def test_reminders_go_out_in_the_morning_helsinki_time() -> None:
    due = date(2027, 7, 1)
    assert due_announced_at(due, RULES) == datetime(2027, 6, 17, 6, 0, tzinfo=UTC)  # 09:00 EEST
    assert overdue_at(due, RULES) == datetime(2027, 7, 9, 6, 0, tzinfo=UTC)
    term = term_from(date(2027, 1, 1), 3)
    assert expiry_announced_at(term, RULES) == datetime(2029, 9, 2, 6, 0, tzinfo=UTC)
    assert due_announced_at(date(2027, 12, 15), RULES) == datetime(2027, 12, 1, 7, 0, tzinfo=UTC)
