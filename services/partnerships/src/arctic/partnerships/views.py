"""What the HTTP API answers: built from the aggregates, so internal fields such as
versions never leak; a person's details shown until they are erased."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel

from arctic.contracts.events import ActionRealisation, Term
from arctic.contracts.vocabulary import (
    ActionStatus,
    AgreementEndReason,
    ContactPerson,
    Language,
    Person,
)
from arctic.partnerships.action_plans import ActionPlan
from arctic.partnerships.agreements import (
    Agreement,
    AgreementAction,
    AgreementStatus,
    EvaluationStatus,
)
from arctic.partnerships.programme import (
    CompetenceGroup,
    Need,
    NeedAction,
    NeedStatus,
    Negotiation,
    NegotiationAction,
    NegotiationStatus,
    Partner,
)

Details = Mapping[UUID, ContactPerson]


class PersonView(BaseModel):
    """A person: pseudonymous id and language, details until erased (then null)."""

    person_id: UUID
    language: Language
    name: str | None
    email: str | None
    phone: str | None
    erased: bool

    @classmethod
    def of(cls, person: Person, details: Details) -> PersonView:
        """The view of a person, with their details if kept."""
        clear = details.get(person.person_id)
        return cls(
            person_id=person.person_id,
            language=person.language,
            name=None if clear is None else clear.name,
            email=None if clear is None else clear.email,
            phone=None if clear is None else clear.phone,
            erased=clear is None,
        )


class PartnerView(BaseModel):
    """A partner of the programme."""

    id: UUID
    name: str
    business_id: str
    sector: str
    focus_areas: list[str]
    contacts: list[PersonView]
    created_at: datetime

    @classmethod
    def of(cls, partner: Partner, details: Details) -> PartnerView:
        """The view of a partner."""
        return cls(
            id=partner.id,
            name=partner.name,
            business_id=partner.business_id,
            sector=partner.sector,
            focus_areas=partner.focus_areas,
            contacts=[PersonView.of(c, details) for c in partner.contacts],
            created_at=partner.created_at,
        )


class CompetenceGroupView(BaseModel):
    """A competence group."""

    id: UUID
    name: str
    owner: PersonView
    created_at: datetime

    @classmethod
    def of(cls, group: CompetenceGroup, details: Details) -> CompetenceGroupView:
        """The view of a group."""
        return cls(
            id=group.id,
            name=group.name,
            owner=PersonView.of(group.owner, details),
            created_at=group.created_at,
        )


class NeedView(BaseModel):
    """A need; `allowed_actions` says what can happen to it now."""

    id: UUID
    partner_id: UUID
    partner_name: str
    competence_group_id: UUID
    competence_group_name: str
    description: str
    status: NeedStatus
    raised_at: datetime
    allowed_actions: list[NeedAction]

    @classmethod
    def of(cls, need: Need) -> NeedView:
        """The view of a need."""
        return cls(
            id=need.id,
            partner_id=need.partner.partner_id,
            partner_name=need.partner.name,
            competence_group_id=need.competence_group.competence_group_id,
            competence_group_name=need.competence_group.name,
            description=need.description,
            status=need.status,
            raised_at=need.raised_at,
            allowed_actions=need.allowed_actions,
        )


class NegotiationView(BaseModel):
    """A negotiation; `agreement_id` once concluded."""

    id: UUID
    need_id: UUID | None
    partner_id: UUID
    partner_name: str
    focus_areas: list[str]
    goals: list[str]
    uas_contact: PersonView
    partner_contact: PersonView
    status: NegotiationStatus
    agreement_id: UUID | None
    started_at: datetime
    allowed_actions: list[NegotiationAction]

    @classmethod
    def of(cls, negotiation: Negotiation, details: Details) -> NegotiationView:
        """The view of a negotiation."""
        return cls(
            id=negotiation.id,
            need_id=negotiation.need_id,
            partner_id=negotiation.partner.partner_id,
            partner_name=negotiation.partner.name,
            focus_areas=negotiation.focus_areas,
            goals=negotiation.goals,
            uas_contact=PersonView.of(negotiation.uas_contact, details),
            partner_contact=PersonView.of(negotiation.partner_contact, details),
            status=negotiation.status,
            agreement_id=negotiation.agreement_id,
            started_at=negotiation.started_at,
            allowed_actions=negotiation.allowed_actions,
        )


class EvaluationView(BaseModel):
    """An evaluation meeting of an agreement."""

    id: UUID
    term_number: int
    due_on: date
    status: EvaluationStatus
    held_on: date | None
    summary: str | None
    realisation: list[ActionRealisation]


class AgreementView(BaseModel):
    """An agreement with its terms and evaluations; `allowed_actions` says what can be done
    now, `next_due_on` when the next evaluation falls due."""

    id: UUID
    partner_id: UUID
    partner_name: str
    business_id: str
    negotiation_id: UUID | None
    status: AgreementStatus
    focus_areas: list[str]
    goals: list[str]
    uas_contact: PersonView
    partner_contact: PersonView
    owner: PersonView | None
    terms: list[Term]
    signed_on: date | None
    ended_on: date | None
    end_reason: AgreementEndReason | None
    evaluations: list[EvaluationView]
    next_due_on: date | None
    allowed_actions: list[AgreementAction]

    @classmethod
    def of(cls, agreement: Agreement, details: Details) -> AgreementView:
        """The view of an agreement."""
        pending = agreement.pending
        return cls(
            id=agreement.id,
            partner_id=agreement.partner.partner_id,
            partner_name=agreement.partner.name,
            business_id=agreement.partner.business_id,
            negotiation_id=agreement.negotiation_id,
            status=agreement.status,
            focus_areas=agreement.focus_areas,
            goals=agreement.goals,
            uas_contact=PersonView.of(agreement.uas_contact, details),
            partner_contact=PersonView.of(agreement.partner_contact, details),
            owner=None if agreement.owner is None else PersonView.of(agreement.owner, details),
            terms=agreement.terms,
            signed_on=agreement.signed_on,
            ended_on=agreement.ended_on,
            end_reason=agreement.end_reason,
            evaluations=[
                EvaluationView(
                    id=e.id,
                    term_number=e.term_number,
                    due_on=e.due_on,
                    status=e.status,
                    held_on=e.held_on,
                    summary=e.summary,
                    realisation=e.realisation,
                )
                for e in agreement.evaluations
            ],
            next_due_on=pending[0].due_on if pending else None,
            allowed_actions=agreement.allowed_actions,
        )


class ActionView(BaseModel):
    """An action of a plan."""

    action_id: UUID
    title: str
    description: str | None
    due_on: date | None
    status: ActionStatus
    uas_owner: PersonView | None
    partner_owner: PersonView | None
    indicators: list[str]


class ActionPlanView(BaseModel):
    """An agreement year's action plan."""

    id: UUID
    agreement_id: UUID
    agreement_year: int
    starts_on: date
    ends_on: date
    actions: list[ActionView]
    agreed_at: datetime

    @classmethod
    def of(cls, plan: ActionPlan, details: Details) -> ActionPlanView:
        """The view of a plan."""
        return cls(
            id=plan.id,
            agreement_id=plan.agreement_id,
            agreement_year=plan.agreement_year,
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            actions=[
                ActionView(
                    action_id=a.id,
                    title=a.title,
                    description=a.description,
                    due_on=a.due_on,
                    status=a.status,
                    uas_owner=None if a.uas_owner is None else PersonView.of(a.uas_owner, details),
                    partner_owner=None
                    if a.partner_owner is None
                    else PersonView.of(a.partner_owner, details),
                    indicators=list(a.indicators),
                )
                for a in plan.actions
            ],
            agreed_at=plan.agreed_at,
        )


class HistoryEntry(BaseModel):
    """A fact of a partner's history."""

    id: UUID
    occurred_at: datetime
    kind: str
    title: str
    details: dict[str, object]


class InvitationView(BaseModel):
    """An invitation to the partner event and its reply."""

    id: UUID
    agreement_id: UUID
    partner_id: UUID
    partner_name: str
    invitee: PersonView
    send_at: datetime
    attending: bool | None


class PartnerEventView(BaseModel):
    """The year's partner event and its invitations."""

    id: UUID
    year: int
    name: str
    held_on: date
    location: str
    programme: str
    reply_by: date | None
    invitations: list[InvitationView]


class HandprintFigures(BaseModel):
    """Sums of the indicators, and the impacts told in words."""

    traineeships: int
    theses: int
    employed: int
    employed_underrepresented: int
    procurement_criteria: int
    impacts: list[str]


class PartnerHandprint(BaseModel):
    """A partner's handprint for the year."""

    partner_id: UUID
    name: str
    business_id: str
    figures: HandprintFigures


class HandprintReportView(BaseModel):
    """The year's handprint per partner and for the whole programme."""

    year: int
    partners: list[PartnerHandprint]
    programme: HandprintFigures
