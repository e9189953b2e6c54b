"""Example partnership events: needs, negotiation and the agreement's life."""

from __future__ import annotations

from datetime import date

from arctic.contracts.events import (
    AgreementEnded,
    AgreementExpiring,
    AgreementRenewed,
    AgreementSigned,
    CompetenceGroup,
    ContactPersonChanged,
    NegotiationStarted,
    PartnershipNeedRaised,
    Term,
)
from arctic.contracts.examples.parties import AINO, ERIK, JUHANI, MAYA, PARTNER, at, example_id
from arctic.contracts.vocabulary import AgreementEndReason, AgreementSide

NEED_ID = example_id("need/revontuli")
NEGOTIATION_ID = example_id("negotiation/revontuli")
AGREEMENT_ID = example_id("agreement/revontuli")
TERM = Term(starts_on=date(2025, 4, 1), ends_on=date(2028, 3, 31))
NEXT_TERM = Term(starts_on=date(2028, 4, 1), ends_on=date(2031, 3, 31))
FOCUS_AREAS = ["Arctic smart buildings", "Robotics in cold climate"]


def partnership_need_raised() -> PartnershipNeedRaised:
    """A competence group sees a need for closer co-operation."""
    return PartnershipNeedRaised(
        need_id=NEED_ID,
        partner=PARTNER,
        competence_group=CompetenceGroup(
            competence_group_id=example_id("competence-group/built-environment"),
            name="Built environment",
        ),
        description="Joint thesis work and test beds for cold-climate robots.",
        raised_by=JUHANI,
        coordinators=[MAYA],
        raised_at=at(1, month=2),
    )


def negotiation_started() -> NegotiationStarted:
    """Both sides start negotiating."""
    return NegotiationStarted(
        negotiation_id=NEGOTIATION_ID,
        need_id=NEED_ID,
        partner=PARTNER,
        focus_areas=FOCUS_AREAS,
        goals=["Two joint pilots a year"],
        uas_contact=JUHANI,
        partner_contact=AINO,
        started_at=at(15, month=2),
    )


def agreement_signed() -> AgreementSigned:
    """A three-year agreement is signed."""
    return AgreementSigned(
        agreement_id=AGREEMENT_ID,
        negotiation_id=NEGOTIATION_ID,
        partner=PARTNER,
        term=TERM,
        focus_areas=FOCUS_AREAS,
        goals=["Two joint pilots a year"],
        uas_contact=JUHANI,
        partner_contact=AINO,
        signed_on=date(2025, 3, 20),
        signed_at=at(20),
    )


def contact_person_changed() -> ContactPersonChanged:
    """The partner names a new contact person."""
    return ContactPersonChanged(
        agreement_id=AGREEMENT_ID,
        partner=PARTNER,
        side=AgreementSide.partner,
        previous_contact=AINO,
        new_contact=ERIK,
        other_side_contact=JUHANI,
        changed_at=at(2, month=9),
    )


def agreement_expiring() -> AgreementExpiring:
    """120 days before the end of the term."""
    return AgreementExpiring(
        agreement_id=AGREEMENT_ID,
        partner=PARTNER,
        term=TERM,
        days_left=120,
        uas_contact=JUHANI,
        partner_contact=ERIK,
        announced_at=at(2, month=12),
    )


def agreement_renewed() -> AgreementRenewed:
    """The agreement is renewed for another term."""
    return AgreementRenewed(
        agreement_id=AGREEMENT_ID,
        partner=PARTNER,
        previous_term=TERM,
        term=NEXT_TERM,
        focus_areas=FOCUS_AREAS,
        uas_contact=JUHANI,
        partner_contact=ERIK,
        renewed_at=at(15, month=1),
    )


def agreement_ended() -> AgreementEnded:
    """The agreement ends at the end of its term."""
    return AgreementEnded(
        agreement_id=AGREEMENT_ID,
        partner=PARTNER,
        term=TERM,
        reason=AgreementEndReason.expired,
        ended_on=TERM.ends_on,
        uas_contact=JUHANI,
        partner_contact=ERIK,
        ended_at=at(31, month=3),
    )
