"""Offerings: an organisation's productized services and development environments, and the
rules of their life - draft, published, retired.

Plain code, no I/O: the aggregate's methods check the rules, change its state and return the
events the change causes; the handlers save it and emit them in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID, uuid4

from arctic.contracts.events import LocalizedText, OfferingPublished, OfferingRetired
from arctic.contracts.vocabulary import Discipline, OfferingKind, Organisation, Stage

STAGE_TRL: Mapping[Stage, tuple[int, int]] = {
    Stage.idea: (1, 2),
    Stage.concept: (3, 4),
    Stage.prototype: (5, 6),
    Stage.pilot: (7, 8),
    Stage.market: (9, 9),
}
"""The usual TRL range of each product-development stage."""


class OfferingStatus(StrEnum):
    """Where an offering is in its life."""

    draft = "draft"
    published = "published"
    retired = "retired"


class OfferingAction(StrEnum):
    """What the owning organisation's staff can do to an offering."""

    edit = "edit"
    publish = "publish"
    retire = "retire"


TRANSITIONS: Mapping[OfferingStatus, Mapping[OfferingAction, OfferingStatus]] = {
    OfferingStatus.draft: {
        OfferingAction.edit: OfferingStatus.draft,
        OfferingAction.publish: OfferingStatus.published,
        OfferingAction.retire: OfferingStatus.retired,
    },
    OfferingStatus.published: {
        OfferingAction.edit: OfferingStatus.published,
        OfferingAction.retire: OfferingStatus.retired,
    },
    OfferingStatus.retired: {},
}
"""The state machine: from each status, the actions allowed and where each leads."""


class Pricing(StrEnum):
    """How an offering is paid for."""

    free = "free"
    subsidised = "subsidised"
    commercial = "commercial"


class BookableUnit(StrEnum):
    """The unit an environment is booked in."""

    hour = "hour"
    day = "day"


class OfferingNotFound(Exception):
    """No offering has this id (or the caller may not see it)."""

    def __init__(self, offering_id: UUID) -> None:
        super().__init__(f"no offering {offering_id}")
        self.offering_id = offering_id


class OfferingTransitionNotAllowed(Exception):
    """The offering's status does not allow the action."""

    def __init__(self, action: OfferingAction, state: OfferingStatus) -> None:
        self.action, self.state = action, state
        self.allowed = sorted(TRANSITIONS[state])
        allowed = ", ".join(self.allowed) or "nothing"
        super().__init__(f"an offering that is {state} cannot {action}: allowed now: {allowed}")


class OfferingInvalid(Exception):
    """An offering's details break a rule (the field at fault is named)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name


@dataclass(frozen=True)
class Prices:
    """Prices in euros per unit for internal, academic and company users (None: on request)."""

    internal: Decimal | None = None
    academic: Decimal | None = None
    company: Decimal | None = None


@dataclass(frozen=True)
class EnvironmentDetails:
    """What only a development environment has."""

    location: str
    bookable_unit: BookableUnit
    capacity: int
    owner_approves: bool
    training_required: bool


@dataclass(frozen=True)
class OfferingDetails:
    """Everything the owning organisation writes about an offering."""

    title_fi: str
    title_en: str
    description_fi: str
    description_en: str
    stages: tuple[Stage, ...]
    trl_min: int
    trl_max: int
    pricing: Pricing
    lead_time_days: int
    contact_email: str
    title_sv: str | None = None
    description_sv: str | None = None
    disciplines: tuple[Discipline, ...] = ()
    keywords: tuple[str, ...] = ()
    prices: Prices = Prices()
    environment: EnvironmentDetails | None = None

    def checked(self, kind: OfferingKind) -> OfferingDetails:
        """The details with stages once each, or OfferingInvalid naming what breaks a rule."""
        if not self.stages:
            raise OfferingInvalid("stages", "an offering serves at least one stage")
        if self.trl_min > self.trl_max:
            raise OfferingInvalid("trl_max", "the TRL range ends below where it starts")
        if (kind is OfferingKind.environment) != (self.environment is not None):
            raise OfferingInvalid(
                "environment", "an environment needs its environment details, a service none"
            )
        return replace(
            self,
            stages=tuple(dict.fromkeys(self.stages)),
            disciplines=tuple(dict.fromkeys(self.disciplines)),
            keywords=tuple(dict.fromkeys(k.strip() for k in self.keywords if k.strip())),
        )


@dataclass
class Offering:
    """A productized service or development environment of one organisation. `version`
    counts its changes (1 when created)."""

    id: UUID
    kind: OfferingKind
    organisation: Organisation
    organisation_short_name: str
    details: OfferingDetails
    created_at: datetime
    status: OfferingStatus = OfferingStatus.draft
    version: int = 1
    published_at: datetime | None = None
    retired_at: datetime | None = None
    retire_reason: str | None = None

    @classmethod
    def draft(
        cls,
        kind: OfferingKind,
        organisation: Organisation,
        short_name: str,
        details: OfferingDetails,
        now: datetime,
    ) -> Offering:
        """A new offering, a draft nobody but its organisation sees."""
        return cls(uuid4(), kind, organisation, short_name, details.checked(kind), now)

    @property
    def allowed_actions(self) -> list[OfferingAction]:
        """What can be done to the offering now."""
        return sorted(TRANSITIONS[self.status])

    @property
    def title(self) -> LocalizedText:
        """The title in every language it has."""
        d = self.details
        return LocalizedText(fi=d.title_fi, en=d.title_en, sv=d.title_sv)

    def edit(self, details: OfferingDetails) -> OfferingPublished | None:
        """Replace the details; a published offering is announced again with them."""
        self._target(OfferingAction.edit)
        self.details = details.checked(self.kind)
        self.version += 1
        return self._published() if self.status is OfferingStatus.published else None

    def publish(self, now: datetime) -> OfferingPublished:
        """Make the offering visible to everyone."""
        self.status = self._target(OfferingAction.publish)
        self.published_at = now
        self.version += 1
        return self._published()

    def retire(self, reason: str | None, now: datetime) -> OfferingRetired:
        """Withdraw the offering for good."""
        self.status = self._target(OfferingAction.retire)
        self.retired_at, self.retire_reason = now, reason
        self.version += 1
        return OfferingRetired(
            offering_id=self.id,
            kind=self.kind,
            organisation=self.organisation,
            name=self.title,
            reason=reason,
            retired_at=now,
        )

    def _published(self) -> OfferingPublished:
        d = self.details
        assert self.published_at is not None
        return OfferingPublished(
            offering_id=self.id,
            kind=self.kind,
            organisation=self.organisation,
            name=self.title,
            description=LocalizedText(
                fi=d.description_fi, en=d.description_en, sv=d.description_sv
            ),
            stages=list(d.stages),
            published_at=self.published_at,
        )

    def _target(self, action: OfferingAction) -> OfferingStatus:
        target = TRANSITIONS[self.status].get(action)
        if target is None:
            raise OfferingTransitionNotAllowed(action, self.status)
        return target
