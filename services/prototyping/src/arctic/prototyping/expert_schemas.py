"""The HTTP bodies of the expert pool: an expert as coordinators give them (unknown fields
refused) and as they are answered."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from arctic.contracts.vocabulary import ContactPerson, Discipline, Language
from arctic.prototyping.schemas import Disciplines, PlanningDate


class AbsenceBody(BaseModel):
    """Days an expert is away, first and last included."""

    model_config = ConfigDict(extra="forbid")

    starts_on: PlanningDate
    ends_on: PlanningDate


class ExpertBody(ContactPerson):
    """An expert as a coordinator gives them: who, in clear (name, e-mail address, phone,
    language), and what they can do."""

    model_config = ConfigDict(extra="forbid")

    disciplines: Disciplines
    capacity: int = Field(ge=1, le=10, description="How many prototypes at once")
    permanent_staff: bool = False
    absences: list[AbsenceBody] = Field(default=[], max_length=100)

    def details(self) -> ContactPerson:
        """The person in clear."""
        return ContactPerson.model_validate(
            self.model_dump(include={"name", "email", "phone", "language"})
        )


class AbsenceView(BaseModel):
    """Days an expert is away, first and last included."""

    starts_on: date
    ends_on: date


class ExpertView(BaseModel):
    """An expert of the pool: their details until erased (then null, `erased` true), their
    disciplines, capacity, absences and how many prototypes they are on now."""

    id: UUID
    person_id: UUID
    name: str | None
    email: str | None
    phone: str | None
    language: Language
    erased: bool
    disciplines: list[Discipline]
    capacity: int
    permanent_staff: bool
    absences: list[AbsenceView]
    active_prototypes: int
    created_at: datetime
    updated_at: datetime
