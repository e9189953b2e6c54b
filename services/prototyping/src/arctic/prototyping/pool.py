"""The expert pool: who is free to join a prototype team in a time-box, and how a team is
chosen. Plain code, no I/O: the handlers read the pool (under lock when a team is taken) and
hand it here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

from arctic.contracts.events import Expert
from arctic.contracts.vocabulary import Discipline, Person
from arctic.prototyping.timebox import TimeBox

SEARCH_DAYS = 366
"""How far ahead the earliest date a team could start is looked for."""


@dataclass(frozen=True)
class DateRange:
    """Days from `starts_on` to `ends_on`, both included (an absence, a booked time-box)."""

    starts_on: date
    ends_on: date

    def overlaps(self, box: TimeBox) -> bool:
        """Whether any day of this range is a day of `box`."""
        return self.starts_on <= box.due_on and box.starts_on <= self.ends_on


class InvalidAbsence(ValueError):
    """An absence that ends before it starts."""

    def __init__(self, index: int) -> None:
        super().__init__(f"absence {index} ends before it starts")
        self.index = index


def absences_of(ranges: Iterable[tuple[date, date]]) -> tuple[DateRange, ...]:
    """Absences as given (first and last day), checked and sorted."""
    found = []
    for index, (starts_on, ends_on) in enumerate(ranges):
        if ends_on < starts_on:
            raise InvalidAbsence(index)
        found.append(DateRange(starts_on, ends_on))
    return tuple(sorted(found, key=lambda r: (r.starts_on, r.ends_on)))


@dataclass(frozen=True)
class PoolExpert:
    """An expert as team assembly sees them: the person as events carry them (None once
    erased: nobody can address them any more, so they join no team), the disciplines,
    `capacity` (prototypes at once), absences and the time-boxes they are booked for."""

    id: UUID
    person: Person | None
    disciplines: frozenset[Discipline]
    capacity: int
    absences: tuple[DateRange, ...] = ()
    bookings: tuple[DateRange, ...] = ()

    def load(self, box: TimeBox) -> int:
        """How many prototypes the expert is booked for during `box`."""
        return sum(1 for booked in self.bookings if booked.overlaps(box))

    def is_free(self, box: TimeBox) -> bool:
        """Whether the expert can take one more prototype in `box`: addressable, below
        capacity, and absent on none of its days."""
        return (
            self.person is not None
            and self.load(box) < self.capacity
            and not any(absence.overlaps(box) for absence in self.absences)
        )


@dataclass(frozen=True)
class TeamMember:
    """A chosen expert and the required disciplines they cover in the team."""

    expert: PoolExpert
    covers: tuple[Discipline, ...]

    def as_expert(self) -> Expert:
        """As events name a team member."""
        person = self.expert.person
        assert person is not None, "an erased expert is never chosen"
        return Expert(
            person_id=person.person_id,
            language=person.language,
            sealed_details=person.sealed_details,
            expert_id=self.expert.id,
            disciplines=list(self.covers),
        )


class DisciplinesNotCovered(Exception):
    """No team covering every required discipline is free in the time-box: `missing` names
    the disciplines nobody free has, `earliest_start` the first day a whole team could start
    (None when none can within a year, e.g. nobody in the pool has the discipline)."""

    def __init__(
        self, missing: Sequence[Discipline], box: TimeBox, earliest_start: date | None
    ) -> None:
        self.missing, self.box, self.earliest_start = list(missing), box, earliest_start
        when = (
            f"the earliest a team could start is {earliest_start}"
            if earliest_start is not None
            else f"no team could start within {SEARCH_DAYS} days"
        )
        super().__init__(
            f"nobody free from {box.starts_on} to {box.due_on} covers "
            f"{', '.join(self.missing)}; {when}"
        )


@dataclass
class _Choice:
    team: list[TeamMember] = field(default_factory=list)
    missing: list[Discipline] = field(default_factory=list)


def choose_team(
    pool: Sequence[PoolExpert], required: Sequence[Discipline], box: TimeBox
) -> list[TeamMember]:
    """A team covering every `required` discipline with experts free in `box`, preferring
    the least loaded (relative to capacity), then those covering more of what is still
    uncovered; or DisciplinesNotCovered, naming the missing and the earliest start."""
    choice = _choose(pool, required, box)
    if choice.missing:
        days = (box.due_on - box.starts_on).days
        raise DisciplinesNotCovered(
            choice.missing, box, earliest_start(pool, required, days, box.starts_on)
        )
    return choice.team


def earliest_start(
    pool: Sequence[PoolExpert], required: Sequence[Discipline], days: int, after: date
) -> date | None:
    """The first day from `after` on when a team of `days`-long time-box could be assembled:
    tried on `after` and on each day an absence or a booking ends."""
    horizon = after + timedelta(days=SEARCH_DAYS)
    candidates = {after}
    for expert in pool:
        for ending in (*expert.absences, *expert.bookings):
            if after < ending.ends_on + timedelta(days=1) <= horizon:
                candidates.add(ending.ends_on + timedelta(days=1))
    for day in sorted(candidates):
        if not _choose(pool, required, TimeBox.starting(day, days)).missing:
            return day
    return None


def _choose(pool: Sequence[PoolExpert], required: Sequence[Discipline], box: TimeBox) -> _Choice:
    free = [expert for expert in pool if expert.is_free(box)]
    wanted = list(dict.fromkeys(required))
    choice = _Choice()
    uncovered = set(wanted)
    # The scarcest discipline first, so that its few experts are not spent elsewhere.
    for discipline in sorted(wanted, key=lambda d: sum(d in e.disciplines for e in free)):
        if discipline not in uncovered:
            continue
        chosen = {member.expert.id for member in choice.team}
        candidates = [e for e in free if discipline in e.disciplines and e.id not in chosen]
        if not candidates:
            choice.missing.append(discipline)
            uncovered.discard(discipline)
            continue
        best = min(
            candidates,
            key=lambda e: (e.load(box) / e.capacity, -len(uncovered & e.disciplines), str(e.id)),
        )
        covers = tuple(d for d in wanted if d in uncovered and d in best.disciplines)
        choice.team.append(TeamMember(best, covers))
        uncovered -= set(covers)
    choice.missing.sort(key=wanted.index)
    return choice
