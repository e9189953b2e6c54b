"""The programme before an agreement: partners, competence groups, the needs they raise and
the negotiations that follow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from arctic.contracts.events import (
    CompetenceGroup as CompetenceGroupRef,
)
from arctic.contracts.events import (
    NegotiationStarted,
    PartnershipNeedRaised,
)
from arctic.contracts.events import (
    Partner as PartnerRef,
)
from arctic.contracts.vocabulary import Person
from arctic.partnerships.domain import RuleBroken, allowed, once_each, target


@dataclass
class Partner:
    """A contract partner or a prospect: organisation, business id, sector, the focus areas it
    leads in, and its contact persons (as events carry them: sealed)."""

    id: UUID
    name: str
    business_id: str
    sector: str
    focus_areas: list[str]
    contacts: list[Person]
    created_at: datetime
    version: int = 1

    @classmethod
    def register(
        cls,
        name: str,
        business_id: str,
        sector: str,
        focus_areas: Sequence[str],
        contacts: Sequence[Person],
        now: datetime,
    ) -> Partner:
        """A new partner; each contact person once."""
        unique = list({c.person_id: c for c in contacts}.values())
        return cls(uuid4(), name, business_id, sector, once_each(list(focus_areas)), unique, now)

    @property
    def ref(self) -> PartnerRef:
        """The partner as events name it."""
        return PartnerRef(partner_id=self.id, name=self.name, business_id=self.business_id)

    def contact(self, person_id: UUID) -> Person | None:
        """One of the partner's contact persons, or None."""
        return next((c for c in self.contacts if c.person_id == person_id), None)

    def name_contact(self, person: Person) -> None:
        """Add a contact person, or refresh one already named (a new language, new details)."""
        self.contacts = [c for c in self.contacts if c.person_id != person.person_id] + [person]
        self.version += 1


@dataclass
class CompetenceGroup:
    """A competence group of the UAS, where needs arise; its owner is a member of staff."""

    id: UUID
    name: str
    owner: Person
    created_at: datetime

    @property
    def ref(self) -> CompetenceGroupRef:
        """The group as events name it."""
        return CompetenceGroupRef(competence_group_id=self.id, name=self.name)


class NeedStatus(StrEnum):
    """Where a need is: raised, being negotiated, concluded into an agreement, or declined."""

    raised = "raised"
    negotiating = "negotiating"
    concluded = "concluded"
    declined = "declined"


class NeedAction(StrEnum):
    """What can happen to a need."""

    negotiate = "negotiate"
    conclude = "conclude"
    reopen = "reopen"
    decline = "decline"


NEED_TRANSITIONS: Mapping[NeedStatus, Mapping[NeedAction, NeedStatus]] = {
    NeedStatus.raised: {
        NeedAction.negotiate: NeedStatus.negotiating,
        NeedAction.decline: NeedStatus.declined,
    },
    NeedStatus.negotiating: {
        NeedAction.conclude: NeedStatus.concluded,
        NeedAction.reopen: NeedStatus.raised,
    },
    NeedStatus.concluded: {},
    NeedStatus.declined: {},
}
"""A need's state machine: a negotiation takes it up; concluding the negotiation concludes
it, abandoning the negotiation reopens it; only a need nobody negotiates can be declined."""


@dataclass
class Need:
    """A competence group's need for closer co-operation with a (prospective) partner."""

    id: UUID
    partner: PartnerRef
    competence_group: CompetenceGroupRef
    description: str
    raised_by: Person
    raised_at: datetime
    status: NeedStatus = NeedStatus.raised
    version: int = 1

    @classmethod
    def raise_need(
        cls,
        partner: Partner,
        group: CompetenceGroup,
        description: str,
        coordinators: Sequence[Person],
        now: datetime,
    ) -> tuple[Need, PartnershipNeedRaised]:
        """The group's owner raises a need with the partner; coordinators are informed."""
        if not description.strip():
            raise RuleBroken("description", "a need says what co-operation is needed")
        need = cls(uuid4(), partner.ref, group.ref, description.strip(), group.owner, now)
        return need, PartnershipNeedRaised(
            need_id=need.id,
            partner=need.partner,
            competence_group=need.competence_group,
            description=need.description,
            raised_by=need.raised_by,
            coordinators=list(coordinators),
            raised_at=now,
        )

    @property
    def allowed_actions(self) -> list[NeedAction]:
        """What can happen to the need now."""
        return allowed(NEED_TRANSITIONS, self.status)

    def act(self, action: NeedAction) -> None:
        """Move the need along its state machine (TransitionNotAllowed when it cannot)."""
        self.status = target("need", NEED_TRANSITIONS, self.status, action)
        self.version += 1


class NegotiationStatus(StrEnum):
    """Where a negotiation is."""

    open = "open"
    concluded = "concluded"
    abandoned = "abandoned"


class NegotiationAction(StrEnum):
    """What can happen to a negotiation."""

    update = "update"
    conclude = "conclude"
    abandon = "abandon"


NEGOTIATION_TRANSITIONS: Mapping[
    NegotiationStatus, Mapping[NegotiationAction, NegotiationStatus]
] = {
    NegotiationStatus.open: {
        NegotiationAction.update: NegotiationStatus.open,
        NegotiationAction.conclude: NegotiationStatus.concluded,
        NegotiationAction.abandon: NegotiationStatus.abandoned,
    },
    NegotiationStatus.concluded: {},
    NegotiationStatus.abandoned: {},
}
"""A negotiation's state machine: open until concluded into an agreement draft or abandoned."""


@dataclass
class Negotiation:
    """Both sides negotiating focus areas and goals, each with a contact person."""

    id: UUID
    need_id: UUID | None
    partner: PartnerRef
    focus_areas: list[str]
    goals: list[str]
    uas_contact: Person
    partner_contact: Person
    started_at: datetime
    status: NegotiationStatus = NegotiationStatus.open
    agreement_id: UUID | None = None
    version: int = 1
    changed_at: datetime | None = None

    @classmethod
    def start(
        cls,
        need: Need | None,
        partner: PartnerRef,
        focus_areas: Sequence[str],
        goals: Sequence[str],
        uas_contact: Person,
        partner_contact: Person,
        now: datetime,
    ) -> tuple[Negotiation, NegotiationStarted]:
        """Open a negotiation, from a need (which it takes up) or directly with a partner."""
        if need is not None:
            need.act(NeedAction.negotiate)
        negotiation = cls(
            uuid4(),
            None if need is None else need.id,
            partner,
            once_each(list(focus_areas)),
            once_each(list(goals)),
            uas_contact,
            partner_contact,
            now,
        )
        return negotiation, NegotiationStarted(
            negotiation_id=negotiation.id,
            need_id=negotiation.need_id,
            partner=partner,
            focus_areas=negotiation.focus_areas,
            goals=negotiation.goals,
            uas_contact=uas_contact,
            partner_contact=partner_contact,
            started_at=now,
        )

    @property
    def allowed_actions(self) -> list[NegotiationAction]:
        """What can happen to the negotiation now."""
        return allowed(NEGOTIATION_TRANSITIONS, self.status)

    def update(
        self, focus_areas: Sequence[str] | None, goals: Sequence[str] | None, now: datetime
    ) -> None:
        """Record what the sides have come to so far."""
        self._move(NegotiationAction.update, now)
        if focus_areas is not None:
            self.focus_areas = once_each(list(focus_areas))
        if goals is not None:
            self.goals = once_each(list(goals))

    def conclude(self, agreement_id: UUID, now: datetime) -> None:
        """The sides agree: the negotiation becomes an agreement draft; it needs at least one
        focus area."""
        if self.status is NegotiationStatus.open and not self.focus_areas:
            raise RuleBroken("focus_areas", "an agreement needs at least one focus area")
        self._move(NegotiationAction.conclude, now)
        self.agreement_id = agreement_id

    def abandon(self, now: datetime) -> None:
        """The sides part without an agreement."""
        self._move(NegotiationAction.abandon, now)

    def _move(self, action: NegotiationAction, now: datetime) -> None:
        self.status = target("negotiation", NEGOTIATION_TRANSITIONS, self.status, action)
        self.changed_at = now
        self.version += 1
