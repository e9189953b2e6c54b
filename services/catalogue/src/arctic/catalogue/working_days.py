"""Finnish working days: Monday to Friday, less Finland's public holidays (computed for any
year by the `holidays` library, Easter and Midsummer included), by the Helsinki calendar."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

HELSINKI = ZoneInfo("Europe/Helsinki")


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FI", years=year))


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day in Finland."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (which itself does not count)."""
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def helsinki_date(at: datetime) -> date:
    """The date in Helsinki at the moment `at`."""
    return at.astimezone(HELSINKI).date()


def end_of_day(day: date) -> datetime:
    """The moment `day` ends in Helsinki (midnight after it)."""
    return datetime.combine(day + timedelta(days=1), time(), HELSINKI)
