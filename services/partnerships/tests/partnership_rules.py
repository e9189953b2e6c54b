"""Builders for the pure domain tests: persons, partners and agreements without servers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from uuid import uuid4

from arctic.contracts.events import Event
from arctic.contracts.vocabulary import Language, Person
from arctic.partnerships.agreements import Agreement, Reminder, Signing, reminder_keys
from arctic.partnerships.programme import CompetenceGroup, Partner
from arctic.partnerships.schedule import ScheduleRules

NOW = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
RULES = ScheduleRules()


def someone(language: Language = Language.fi) -> Person:
    """A person as events carry them (the sealed details are opaque here)."""
    return Person(person_id=uuid4(), language=language, sealed_details="c2VhbGVk")


def partner(contacts: int = 1) -> Partner:
    """A partner with contact persons."""
    return Partner.register(
        "Tunturi Testworks Oy",
        "2617416-4",
        "industry",
        ["arctic testing"],
        [someone() for _ in range(contacts)],
        NOW,
    )


def group() -> CompetenceGroup:
    """A competence group with its owner."""
    return CompetenceGroup(uuid4(), "Arctic engineering", someone(), NOW)


def draft(focus_areas: list[str] | None = None) -> Agreement:
    """An agreement draft with a partner."""
    return Agreement.draft(
        partner().ref,
        uuid4(),
        ["arctic testing"] if focus_areas is None else focus_areas,
        ["two theses a year"],
        someone(),
        someone(),
        NOW,
    )


def signed(starts_on: date = date(2027, 1, 1), now: datetime = NOW) -> Agreement:
    """An agreement signed for a term from `starts_on`."""
    agreement = draft()
    agreement.sign(
        Signing(starts_on, starts_on, agreement.uas_contact, agreement.partner_contact, someone()),
        RULES,
        now,
    )
    return agreement


class SimulatedSchedule:
    """The runtime's scheduled events in plain code, kept the way the handlers keep them:
    every change of the agreement schedules the reminders it wants under their keys and
    cancels those it no longer wants; `advance` fires what fell due, once."""

    def __init__(self, agreement: Agreement, now: datetime) -> None:
        self.agreement, self.now = agreement, now
        self.rows: dict[str, Reminder] = {}
        self.fired: list[Event] = []

    def change(self, decide: Callable[[], Event]) -> Event:
        """Apply a change to the agreement and bring its reminders in line."""
        before = reminder_keys(self.agreement.reminders(RULES, self.now))
        event = decide()
        wanted = self.agreement.reminders(RULES, self.now)
        self.rows.update({r.key: r for r in wanted})
        for key in before - reminder_keys(wanted):
            self.rows.pop(key, None)
        return event

    def advance(self, to: datetime) -> list[Event]:
        """Move the clock to `to`; the events that fired meanwhile, in time order."""
        self.now = to
        due = sorted((r for r in self.rows.values() if r.at <= to), key=lambda r: r.at)
        for reminder in due:
            del self.rows[reminder.key]
        fired = [r.event for r in due]
        self.fired += fired
        return fired
