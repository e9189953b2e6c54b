"""Who is told what: one rule per event kind, kept as data.

Each rule names the event, whether the message is **mandatory** (a deadline, an overdue
evaluation: it goes at once, through quiet hours and opt-outs) or **optional** (a milestone
reached: the recipient may switch it off or take it in the daily digest), and its
**audiences**: the people to tell, as paths to the event's own fields that hold `Person`s
(`company.contact`, `team`, `uas_contact` ...), or a role address of the settings
(`prototyping`: the prototyping coordinators), each with the template they get. `reply_to`
names who can answer (the Reply-To of the mail), in the same way.

A person named by two audiences of one event gets the first one's message only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from arctic.contracts.events import (
    ActionPlanAgreed,
    AgreementEnded,
    AgreementExpiring,
    AgreementRenewed,
    AgreementSigned,
    BookingCancelled,
    BookingConfirmed,
    BookingRequested,
    ContactPersonChanged,
    EvaluationDue,
    EvaluationHeld,
    EvaluationOverdue,
    Event,
    InquiryOverdue,
    InquiryReceived,
    InquiryRouted,
    NegotiationStarted,
    PartnerEventInvitationIssued,
    PartnershipNeedRaised,
    PrototypeAccepted,
    PrototypeDeadlineApproaching,
    PrototypeDelivered,
    PrototypeMilestoneReached,
    PrototypeOverdue,
    PrototypeRejected,
    PrototypeRequested,
    PrototypeTeamAssembled,
)
from arctic.contracts.vocabulary import Person

ROLES = ("one_stop_shop", "prototyping", "partnerships")
"""Role addresses (no single person owns them), each a setting `ARCTIC_<ROLE>_EMAIL`."""


@dataclass(frozen=True)
class Reply:
    """Who can answer (the Reply-To): people at paths of the event, and role addresses."""

    people: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class To:
    """An audience: the people at `people` (paths to fields of the event) and the role
    addresses `roles`, who all get `template`, answered by `reply`."""

    template: str
    people: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    reply: Reply = Reply()


@dataclass(frozen=True)
class Rule:
    """What an event kind causes: the kind's name (also its templates' stem), whether it is
    mandatory, its audiences in order, who can answer, and the prefix of its reference."""

    event: type[Event]
    mandatory: bool
    to: tuple[To, ...]
    reference: str
    """Prefix of the short human reference, e.g. PR for PR-3F2A9C1B."""

    @property
    def kind(self) -> str:
        """The kind's name: the event's, in snake case (prototype_requested)."""
        return _snake(self.event.__name__)

    @property
    def templates(self) -> tuple[str, ...]:
        """The templates its audiences get."""
        return tuple(dict.fromkeys(audience.template for audience in self.to))


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _reply(*people: str, roles: tuple[str, ...] = ()) -> Reply:
    return Reply(people, roles)


MANDATORY, OPTIONAL = True, False

RULES: tuple[Rule, ...] = (
    # catalogue: the one-stop shop and the environments
    Rule(
        InquiryReceived,
        MANDATORY,
        (
            To("inquiry_received", ("company.contact",), reply=_reply(roles=("one_stop_shop",))),
            To(
                "inquiry_received_staff",
                ("coordinators",),
                ("one_stop_shop",),
                reply=_reply("company.contact"),
            ),
        ),
        "IQ",
    ),
    Rule(
        InquiryRouted,
        MANDATORY,
        (
            To(
                "inquiry_routed",
                ("company.contact",),
                reply=_reply("assignees", roles=("one_stop_shop",)),
            ),
            To("inquiry_routed_staff", ("assignees",), reply=_reply("company.contact")),
        ),
        "IQ",
    ),
    Rule(
        InquiryOverdue,
        MANDATORY,
        (
            To(
                "inquiry_overdue",
                ("assignees", "coordinators"),
                ("one_stop_shop",),
                reply=_reply(roles=("one_stop_shop",)),
            ),
        ),
        "IQ",
    ),
    Rule(
        BookingRequested,
        MANDATORY,
        (To("booking_requested", ("owner_contacts",), reply=_reply("requested_by")),),
        "BK",
    ),
    Rule(
        BookingConfirmed,
        MANDATORY,
        (To("booking_confirmed", ("requested_by",), reply=_reply(roles=("one_stop_shop",))),),
        "BK",
    ),
    Rule(
        BookingCancelled,
        MANDATORY,
        (
            To(
                "booking_cancelled",
                ("requested_by", "owner_contacts"),
                reply=_reply(roles=("one_stop_shop",)),
            ),
        ),
        "BK",
    ),
    # prototyping: a company's problem turned into a prototype
    Rule(
        PrototypeRequested,
        MANDATORY,
        (
            To("prototype_requested", ("company.contact",), reply=_reply(roles=("prototyping",))),
            To("prototype_requested_staff", (), ("prototyping",), reply=_reply("company.contact")),
        ),
        "PR",
    ),
    Rule(
        PrototypeAccepted,
        MANDATORY,
        (To("prototype_accepted", ("company.contact",), reply=_reply(roles=("prototyping",))),),
        "PR",
    ),
    Rule(
        PrototypeRejected,
        MANDATORY,
        (To("prototype_rejected", ("company.contact",), reply=_reply(roles=("prototyping",))),),
        "PR",
    ),
    Rule(
        PrototypeTeamAssembled,
        MANDATORY,
        (To("prototype_team_assembled", ("company.contact", "team"), reply=_reply("team")),),
        "PR",
    ),
    Rule(
        PrototypeMilestoneReached,
        OPTIONAL,
        (To("prototype_milestone_reached", ("company.contact", "team"), reply=_reply("team")),),
        "PR",
    ),
    Rule(
        PrototypeDeadlineApproaching,
        MANDATORY,
        (To("prototype_deadline_approaching", ("team",), reply=_reply(roles=("prototyping",))),),
        "PR",
    ),
    Rule(
        PrototypeOverdue,
        MANDATORY,
        (
            To(
                "prototype_overdue",
                ("team",),
                ("prototyping",),
                reply=_reply(roles=("prototyping",)),
            ),
        ),
        "PR",
    ),
    Rule(
        PrototypeDelivered,
        MANDATORY,
        (
            To(
                "prototype_delivered",
                ("company.contact", "team"),
                reply=_reply("team", roles=("prototyping",)),
            ),
        ),
        "PR",
    ),
    # partnerships: from a need to a three-year agreement and its years
    Rule(
        PartnershipNeedRaised,
        MANDATORY,
        (
            To(
                "partnership_need_raised",
                ("coordinators",),
                ("partnerships",),
                reply=_reply("raised_by"),
            ),
        ),
        "PN",
    ),
    Rule(
        NegotiationStarted,
        OPTIONAL,
        (
            To(
                "negotiation_started",
                ("uas_contact", "partner_contact"),
                reply=_reply("uas_contact", "partner_contact"),
            ),
        ),
        "PA",
    ),
    Rule(
        AgreementSigned,
        MANDATORY,
        (
            To(
                "agreement_signed",
                ("uas_contact", "partner_contact"),
                reply=_reply("uas_contact", "partner_contact"),
            ),
        ),
        "PA",
    ),
    Rule(
        ContactPersonChanged,
        MANDATORY,
        (
            To(
                "contact_person_changed",
                ("new_contact", "other_side_contact", "previous_contact"),
                reply=_reply("new_contact", "other_side_contact"),
            ),
        ),
        "PA",
    ),
    Rule(
        ActionPlanAgreed,
        OPTIONAL,
        (
            To(
                "action_plan_agreed",
                ("uas_contact", "partner_contact"),
                reply=_reply("uas_contact", "partner_contact"),
            ),
        ),
        "PA",
    ),
    Rule(
        EvaluationDue,
        MANDATORY,
        (
            To(
                "evaluation_due",
                ("uas_contact", "partner_contact"),
                reply=_reply("uas_contact", "partner_contact"),
            ),
        ),
        "PA",
    ),
    Rule(
        EvaluationHeld,
        OPTIONAL,
        (
            To(
                "evaluation_held",
                ("uas_contact", "partner_contact"),
                reply=_reply("uas_contact", "partner_contact"),
            ),
        ),
        "PA",
    ),
    Rule(
        EvaluationOverdue,
        MANDATORY,
        (To("evaluation_overdue", ("owner", "uas_contact"), reply=_reply("uas_contact")),),
        "PA",
    ),
    Rule(
        AgreementExpiring,
        MANDATORY,
        (
            To(
                "agreement_expiring",
                ("uas_contact", "partner_contact"),
                reply=_reply("uas_contact", "partner_contact"),
            ),
        ),
        "PA",
    ),
    Rule(
        AgreementRenewed,
        OPTIONAL,
        (
            To(
                "agreement_renewed",
                ("uas_contact", "partner_contact"),
                reply=_reply("uas_contact", "partner_contact"),
            ),
        ),
        "PA",
    ),
    Rule(
        AgreementEnded,
        MANDATORY,
        (
            To(
                "agreement_ended",
                ("uas_contact", "partner_contact"),
                reply=_reply("uas_contact", "partner_contact"),
            ),
        ),
        "PA",
    ),
    Rule(
        PartnerEventInvitationIssued,
        OPTIONAL,
        (
            To(
                "partner_event_invitation_issued",
                ("invitee",),
                reply=_reply(roles=("partnerships",)),
            ),
        ),
        "VK",
    ),
)
"""Every notification kind: the events of the catalogue that notifications consumes."""

BY_EVENT: Mapping[type[Event], Rule] = {rule.event: rule for rule in RULES}
BY_KIND: Mapping[str, Rule] = {rule.kind: rule for rule in RULES}


def people_at(event: Event, path: str) -> list[Person]:
    """The persons at `path` of the event ("company.contact", "team"): none when a field on
    the way is empty."""
    value: Any = event
    for name in path.split("."):
        value = getattr(value, name)
        if value is None:
            return []
    items: Sequence[Any] = value if isinstance(value, list | tuple) else [value]
    persons = [item for item in items if isinstance(item, Person)]
    if len(persons) != len(items):
        raise TypeError(f"{type(event).__name__}.{path} holds no persons")
    return persons


def reference(rule: Rule, event: Event) -> str:
    """The short human reference of what the event is about: the producer's own when the
    event carries one (a `reference` field), else the kind's prefix and the first eight hex
    digits of the aggregate id (PR-3F2A9C1B), the same for every event about it."""
    own = getattr(event, "reference", None)
    if isinstance(own, str) and own:
        return own
    return f"{rule.reference}-{event.aggregate_id.replace('-', '')[:8].upper()}"
