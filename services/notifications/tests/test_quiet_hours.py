"""Quiet hours in Finnish time: when an optional message made at a given moment may go."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from arctic.contracts.vocabulary import Channel
from arctic.notifications.preferences import Preferences, quiet_until
from arctic.notifications.words import HELSINKI


def helsinki(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=HELSINKI)


@pytest.mark.parametrize(
    ("made", "goes"),
    [
        (helsinki(15, 22), helsinki(16, 7)),  # evening: next morning
        (helsinki(15, 21), helsinki(16, 7)),  # from the first minute
        (helsinki(16, 3, 30), helsinki(16, 7)),  # night: this morning
        (helsinki(16, 7), None),  # the window has ended
        (helsinki(16, 12), None),
        (helsinki(16, 20, 59), None),
    ],
)
def test_the_default_window_spans_midnight(made: datetime, goes: datetime | None) -> None:
    assert quiet_until(made.astimezone(UTC), time(21), time(7)) == goes


def test_the_end_is_finnish_time_across_a_change_of_the_clocks() -> None:
    # The night of 28-29 March 2026: clocks go from 03:00 to 04:00 in Finland.
    made = helsinki(28, 23, month=3).astimezone(UTC)
    goes = quiet_until(made, time(21), time(7))
    assert goes == helsinki(29, 7, month=3)
    assert goes is not None
    assert goes.astimezone(UTC).hour == 4  # UTC+3 in summer time


def test_a_window_within_a_day_and_an_empty_one() -> None:
    assert quiet_until(helsinki(15, 13).astimezone(UTC), time(12), time(14)) == helsinki(15, 14)
    assert quiet_until(helsinki(15, 13).astimezone(UTC), time(9), time(9)) is None


def test_mandatory_messages_ignore_quiet_hours_and_opt_outs() -> None:
    night = helsinki(15, 23).astimezone(UTC)
    wishes = Preferences(opted_out=frozenset({("agreement_renewed", Channel.email)}))
    assert wishes.send_at(night, mandatory=True) == night
    assert wishes.send_at(night, mandatory=False) == helsinki(16, 7)
    assert wishes.wants("agreement_renewed", Channel.email, mandatory=True)
    assert not wishes.wants("agreement_renewed", Channel.email, mandatory=False)
    assert wishes.wants("agreement_renewed", Channel.webhook, mandatory=False)
    assert Preferences(quiet_hours=None).send_at(night, mandatory=False) == night
