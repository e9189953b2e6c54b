"""Finland's calendar: the dates people plan by (Europe/Helsinki), working days without
weekends and Finnish public holidays (from the `holidays` package)."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

HELSINKI = ZoneInfo("Europe/Helsinki")
MORNING = time(9, 0)
"""When a reminder about a day goes out, Helsinki time."""

_FINNISH_HOLIDAYS = holidays.country_holidays("FI")
_DAY = timedelta(days=1)


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a Finnish public holiday (Midsummer and Christmas Eve count
    as holidays)."""
    return day.weekday() < 5 and day not in _FINNISH_HOLIDAYS


def next_working_day(day: date) -> date:
    """`day` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += _DAY
    return day


def previous_working_day(day: date) -> date:
    """`day` itself if it is a working day, else the last working day before it."""
    while not is_working_day(day):
        day -= _DAY
    return day


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later; the month's last day where it is shorter
    (31 August + 6 months is 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def morning_of(day: date) -> datetime:
    """09:00 in Helsinki on `day`, as a UTC instant."""
    return datetime.combine(day, MORNING, HELSINKI).astimezone(UTC)


def finnish_date(instant: datetime) -> date:
    """The date in Helsinki at `instant`."""
    return instant.astimezone(HELSINKI).date()
