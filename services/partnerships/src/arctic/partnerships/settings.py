"""Settings of partnerships: the programme's rhythm and who coordinates it."""

from __future__ import annotations

from pydantic import Field

from arctic.contracts.vocabulary import ContactPerson, Language
from arctic.partnerships.schedule import ScheduleRules
from arctic.runtime.settings import ServiceSettings


def _programme_office() -> list[ContactPerson]:
    return [
        ContactPerson(
            name="Kumppanuusohjelma",
            email="kumppanuudet@arctic-rdi.fi",
            language=Language.fi,
        )
    ]


class PartnershipsSettings(ServiceSettings):
    """`ARCTIC_AGREEMENT_TERM_YEARS`, `ARCTIC_EVALUATION_*`, `ARCTIC_EXPIRY_NOTICE_DAYS`,
    `ARCTIC_INVITATION_WEEKS_AHEAD` and `ARCTIC_PROGRAMME_COORDINATORS` (a JSON list of
    `{"name", "email", "language"}`: who hears of every new need)."""

    agreement_term_years: int = Field(default=3, ge=1, le=10)
    evaluation_interval_months: int = Field(default=6, ge=1, le=12)
    evaluation_notice_days: int = Field(default=14, ge=0, le=90)
    evaluation_grace_days: int = Field(default=7, ge=0, le=90)
    expiry_notice_days: int = Field(default=120, ge=1, le=365)
    invitation_weeks_ahead: int = Field(default=6, ge=0, le=26)
    programme_coordinators: list[ContactPerson] = Field(default_factory=_programme_office)

    @property
    def rules(self) -> ScheduleRules:
        """The schedule's rules."""
        return ScheduleRules(
            term_years=self.agreement_term_years,
            evaluation_interval_months=self.evaluation_interval_months,
            evaluation_notice_days=self.evaluation_notice_days,
            evaluation_grace_days=self.evaluation_grace_days,
            expiry_notice_days=self.expiry_notice_days,
        )
