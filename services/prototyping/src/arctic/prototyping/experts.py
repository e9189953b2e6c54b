"""An expert of the pool as the coordinators keep it: who they are (in clear until erased, and
sealed as events carry them), what they can do and when they are away. Plain code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from arctic.contracts.vocabulary import ContactPerson, Discipline, Person
from arctic.prototyping.pool import DateRange


class ExpertNotFound(Exception):
    """No expert of the pool has this id."""

    def __init__(self, expert_id: UUID) -> None:
        super().__init__(f"no expert {expert_id}")


@dataclass(frozen=True)
class Profile:
    """What a coordinator says of an expert: disciplines (each once), capacity (prototypes
    at once), whether they are permanent staff, absences (checked, sorted)."""

    disciplines: Sequence[Discipline]
    capacity: int
    permanent_staff: bool
    absences: tuple[DateRange, ...]


@dataclass
class ExpertRecord:
    """An expert: `person` as events carry them, `details` in clear (None once erased),
    `version` counting changes, `active_prototypes` how many teams they are in now."""

    id: UUID
    person: Person
    details: ContactPerson | None
    disciplines: list[Discipline]
    capacity: int
    permanent_staff: bool
    absences: tuple[DateRange, ...]
    created_at: datetime
    updated_at: datetime
    version: int = 1
    active_prototypes: int = field(default=0)

    @classmethod
    def join(
        cls, person: Person, details: ContactPerson, profile: Profile, now: datetime
    ) -> ExpertRecord:
        """A new expert of the pool."""
        expert = cls(uuid4(), person, details, [], 1, False, (), now, now)
        expert._apply(profile)
        return expert

    def revise(
        self, person: Person, details: ContactPerson, profile: Profile, now: datetime
    ) -> None:
        """Replace what is known of the expert (PUT), as a new version."""
        self.person, self.details, self.updated_at = person, details, now
        self._apply(profile)
        self.version += 1

    def _apply(self, profile: Profile) -> None:
        self.disciplines = list(dict.fromkeys(profile.disciplines))
        self.capacity = profile.capacity
        self.permanent_staff = profile.permanent_staff
        self.absences = profile.absences
