"""The prototype's month: the time-box a team works in, its milestones and the reminders
before and at its end. Plain code; dates are Finland's (Europe/Helsinki), as people plan by
them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

FINLAND = ZoneInfo("Europe/Helsinki")
REMINDER_AT = time(8, 0)
"""The local time of day a deadline reminder goes out (the morning of its day)."""
OVERDUE_AT = time(16, 0)
"""The local time on `due_on` at which an undelivered prototype is overdue (the end of the
working day)."""


class MilestoneName(StrEnum):
    """The milestones of every prototype's month."""

    kick_off = "kick_off"
    demo = "demo"
    hand_over = "hand_over"


MILESTONE_TEXT = {
    MilestoneName.kick_off: "Kick-off: the team and the company agree on the goal",
    MilestoneName.demo: "Demo: the prototype is shown to the company",
    MilestoneName.hand_over: "Hand-over: the prototype and its documentation are handed over",
}
"""What each milestone means, in a line (as `PrototypeMilestoneReached.milestone` says it)."""


def finnish_date(moment: datetime) -> date:
    """The date in Finland at `moment`."""
    return moment.astimezone(FINLAND).date()


def finnish_time(day: date, at: time) -> datetime:
    """The moment (aware, Finland's zone) of `at` on `day` in Finland."""
    return datetime.combine(day, at, tzinfo=FINLAND)


@dataclass(frozen=True)
class TimeBox:
    """The days a team works on a prototype: from `starts_on` to `due_on`, both included."""

    starts_on: date
    due_on: date

    @classmethod
    def starting(cls, starts_on: date, days: int) -> TimeBox:
        """The time-box of `days` days from `starts_on` (due `days` days after the start)."""
        return cls(starts_on, starts_on + timedelta(days=days))

    def milestone_dates(self) -> dict[MilestoneName, date]:
        """Kick-off on the first day, the demo two thirds in, the hand-over on `due_on`."""
        length = (self.due_on - self.starts_on).days
        return {
            MilestoneName.kick_off: self.starts_on,
            MilestoneName.demo: self.starts_on + timedelta(days=length * 2 // 3),
            MilestoneName.hand_over: self.due_on,
        }

    def approaching_at(self, days_before: int) -> datetime:
        """When the deadline reminder goes out: `days_before` days before `due_on`, in the
        morning (never before the start)."""
        day = max(self.due_on - timedelta(days=days_before), self.starts_on)
        return finnish_time(day, REMINDER_AT)

    def overdue_at(self) -> datetime:
        """When an undelivered prototype is overdue: the end of the working day of `due_on`."""
        return finnish_time(self.due_on, OVERDUE_AT)
