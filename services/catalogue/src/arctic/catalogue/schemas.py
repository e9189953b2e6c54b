"""The HTTP API's bodies of offerings and search: what callers send (unknown fields refused)
and what they get back (built from the aggregate, so its version never leaks)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from arctic.catalogue.offerings import (
    BookableUnit,
    EnvironmentDetails,
    Offering,
    OfferingAction,
    OfferingDetails,
    OfferingStatus,
    Prices,
    Pricing,
)
from arctic.catalogue.search import WINDOW, Hit, Results
from arctic.contracts.vocabulary import ContactPerson, Discipline, Email, OfferingKind, Stage


def text(max_length: int) -> StringConstraints:
    """A non-blank text of at most `max_length` characters, surrounding blanks stripped."""
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


PROBLEM_DOC: dict[str, Any] = {"content": {"application/problem+json": {}}}
CHANGE_ANSWERS_DOC: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such resource (or not yours to see)", **PROBLEM_DOC},
    409: {
        "description": "Its status does not allow this (`state`, `allowed_actions`), or it "
        "was changed concurrently",
        **PROBLEM_DOC,
    },
}
"""The error answers of a change, for the OpenAPI document."""

Title = Annotated[str, text(200)]
Description = Annotated[str, text(5000)]
ShortName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
Trl = Annotated[int, Field(ge=1, le=9)]
Euros = Annotated[Decimal, Field(ge=0, le=1_000_000_000)]


class Strict(BaseModel):
    """A body that refuses unknown fields."""

    model_config = ConfigDict(extra="forbid")


class ContactBody(ContactPerson):
    """A person in clear: name, e-mail address, phone (optional), language to address them in."""

    model_config = ConfigDict(extra="forbid")


class Titles(Strict):
    """A title in Finnish and English, Swedish optional."""

    fi: Title
    en: Title
    sv: Title | None = None


class Descriptions(Strict):
    """A description in Finnish and English, Swedish optional."""

    fi: Description
    en: Description
    sv: Description | None = None


class PricesBody(Strict):
    """Euros per unit for internal, academic and company users (absent: on request)."""

    internal: Euros | None = None
    academic: Euros | None = None
    company: Euros | None = None


class EnvironmentBody(Strict):
    """What only a development environment has."""

    location: Annotated[str, text(200)]
    bookable_unit: BookableUnit
    capacity: Annotated[int, Field(ge=1, le=10_000)]
    owner_approves: bool
    training_required: bool


class OfferingDetailsBody(Strict):
    """Everything the owning organisation writes about an offering."""

    title: Titles
    description: Descriptions
    disciplines: list[Discipline] = Field(default=[], max_length=len(Discipline))
    keywords: list[Annotated[str, text(60)]] = Field(default=[], max_length=30)
    stages: list[Stage] = Field(min_length=1, max_length=len(Stage))
    trl_min: Trl
    trl_max: Trl
    pricing: Pricing
    prices: PricesBody = PricesBody()
    lead_time_days: Annotated[int, Field(ge=0, le=365)]
    contact_email: Email = Field(description="A role address of the organisation, not a person's")
    environment: EnvironmentBody | None = None

    def details(self) -> OfferingDetails:
        """As the domain takes them."""
        env = self.environment
        return OfferingDetails(
            title_fi=self.title.fi,
            title_en=self.title.en,
            title_sv=self.title.sv,
            description_fi=self.description.fi,
            description_en=self.description.en,
            description_sv=self.description.sv,
            stages=tuple(self.stages),
            trl_min=self.trl_min,
            trl_max=self.trl_max,
            pricing=self.pricing,
            lead_time_days=self.lead_time_days,
            contact_email=self.contact_email,
            disciplines=tuple(self.disciplines),
            keywords=tuple(self.keywords),
            prices=Prices(**self.prices.model_dump()),
            environment=None if env is None else EnvironmentDetails(**env.model_dump()),
        )


class NewOffering(OfferingDetailsBody):
    """A new offering: its kind, the owning organisation (short name) and its details."""

    kind: OfferingKind
    organisation: ShortName


class RetireBody(Strict):
    """Why an offering is withdrawn (optional)."""

    reason: Annotated[str, text(1000)] | None = None


class OfferingView(BaseModel):
    """An offering as callers see it; `allowed_actions` says what its staff can do now."""

    id: UUID
    kind: OfferingKind
    organisation: str
    status: OfferingStatus
    title: Titles
    description: Descriptions
    disciplines: list[Discipline]
    keywords: list[str]
    stages: list[Stage]
    trl_min: int
    trl_max: int
    pricing: Pricing
    prices: PricesBody
    lead_time_days: int
    contact_email: str
    environment: EnvironmentBody | None
    created_at: datetime
    published_at: datetime | None
    retired_at: datetime | None
    allowed_actions: list[OfferingAction]

    @classmethod
    def of(cls, offering: Offering) -> OfferingView:
        """The view of an offering."""
        d = offering.details
        env = d.environment
        return cls(
            id=offering.id,
            kind=offering.kind,
            organisation=offering.organisation_short_name,
            status=offering.status,
            title=Titles(fi=d.title_fi, en=d.title_en, sv=d.title_sv),
            description=Descriptions(fi=d.description_fi, en=d.description_en, sv=d.description_sv),
            disciplines=list(d.disciplines),
            keywords=list(d.keywords),
            stages=list(d.stages),
            trl_min=d.trl_min,
            trl_max=d.trl_max,
            pricing=d.pricing,
            prices=PricesBody(**vars(d.prices)),
            lead_time_days=d.lead_time_days,
            contact_email=d.contact_email,
            environment=None if env is None else EnvironmentBody(**vars(env)),
            created_at=offering.created_at,
            published_at=offering.published_at,
            retired_at=offering.retired_at,
            allowed_actions=offering.allowed_actions,
        )


class HitView(BaseModel):
    """An offering found, its score and a snippet (matched words in `<b>`...`</b>`)."""

    offering: OfferingView
    score: float
    snippet: str

    @classmethod
    def of(cls, hit: Hit) -> HitView:
        """The view of a hit."""
        return cls(offering=OfferingView.of(hit.offering), score=hit.score, snippet=hit.snippet)


class SearchPage(BaseModel):
    """A page of search results, best first."""

    items: list[HitView]
    next_cursor: str | None = Field(
        description="Pass as `cursor` (with the same query) for the next page; null on the last."
    )
    facets: dict[str, dict[str, int]] = Field(
        description="How many of the matches each organisation, kind and stage has (of the "
        f"first {WINDOW:,} when `capped`)."
    )
    fuzzy: bool = Field(
        description="True when full text found nothing and these are typo-tolerant matches."
    )
    capped: bool = Field(
        description=f"True when more than {WINDOW:,} offerings matched: the facets count "
        f"{WINDOW:,} of them, and a query with text ranks and pages through those {WINDOW:,} "
        "(title matches first, then keyword matches, then the others); add words or filters "
        "to narrow it."
    )

    @classmethod
    def of(cls, results: Results) -> SearchPage:
        """The view of a page of results."""
        return cls(
            items=[HitView.of(h) for h in results.hits],
            next_cursor=results.next_cursor,
            facets=results.facets,
            fuzzy=results.fuzzy,
            capped=results.capped,
        )


class OrganisationView(BaseModel):
    """One of the network's organisations."""

    id: UUID
    short_name: str
    name_fi: str
    name_en: str


class NewContact(Strict):
    """Name a person for a duty: `coordinator` of the one-stop shop (no organisation), or
    for an organisation `inquiries` (answers routed inquiries) or `bookings` (approves)."""

    organisation: ShortName | None = None
    duty: Annotated[str, StringConstraints(pattern=r"^(coordinator|inquiries|bookings)$")]
    person: ContactBody
