"""Events in: inquiries the one-stop shop routes to prototyping become prototype requests;
partnership agreements tell which companies are partners (first in triage)."""

from __future__ import annotations

from arctic.contracts.events import (
    AgreementEnded,
    AgreementRenewed,
    AgreementSigned,
    InquiryRouted,
)
from arctic.contracts.vocabulary import ContactPerson, Discipline, RouteTarget
from arctic.prototyping import store
from arctic.prototyping.domain import Submission
from arctic.prototyping.handlers import InquiryAlreadyOpened, submit_request
from arctic.prototyping.settings import PrototypingSettings
from arctic.runtime.logs import get_logger
from arctic.runtime.subscriptions import Context, Subscription, on

log = get_logger(__name__)


async def open_from_inquiry(ctx: Context[PrototypingSettings], event: InquiryRouted) -> None:
    """An inquiry routed to prototyping opens a request with the inquiry as its origin
    (PrototypeRequested), once however often it arrives. An inquiry naming no discipline
    asks for all seven: triage confirms the ones needed."""
    if event.target is not RouteTarget.prototyping:
        return
    person = event.company.contact
    details = await ctx.persons.open(person)
    contact = (
        None
        if details is None  # erased before it reached us: kept sealed only, unreadable
        else ContactPerson(**details.model_dump(), language=person.language)
    )
    inquiry = event.inquiry
    submission = Submission(
        event.company,
        contact,
        inquiry.title,
        inquiry.description,
        inquiry.disciplines or list(Discipline),
        inquiry.stage,
        inquiry.showcase_consent,
        event.inquiry_id,
    )
    try:
        await submit_request(ctx.tx, submission, event.routed_at)
    except InquiryAlreadyOpened:
        log.info("inquiry opened a request before", inquiry_id=str(event.inquiry_id))


async def agreement_signed(ctx: Context[PrototypingSettings], event: AgreementSigned) -> None:
    """The partner's company is a partner for the agreement's term."""
    term = event.term
    await store.record_agreement(
        ctx.tx.conn, event.agreement_id, event.partner.business_id, term.starts_on, term.ends_on
    )


async def agreement_renewed(ctx: Context[PrototypingSettings], event: AgreementRenewed) -> None:
    """The partnership goes on for the new term."""
    starts_on, ends_on = event.previous_term.starts_on, event.term.ends_on
    await store.record_agreement(
        ctx.tx.conn, event.agreement_id, event.partner.business_id, starts_on, ends_on
    )


async def agreement_ended(ctx: Context[PrototypingSettings], event: AgreementEnded) -> None:
    """The company is no partner after `ended_on` (unless another agreement is in force)."""
    term = (event.term.starts_on, event.term.ends_on)
    await store.record_agreement_end(
        ctx.tx.conn, event.agreement_id, event.partner.business_id, term, event.ended_on
    )


SUBSCRIPTIONS: list[Subscription[PrototypingSettings]] = [
    Subscription("prototyping-catalogue", "CATALOGUE", [on(InquiryRouted, open_from_inquiry)]),
    # Agreements change a few times a year: not scaled on.
    Subscription(
        "prototyping-partnerships",
        "PARTNERSHIPS",
        [
            on(AgreementSigned, agreement_signed),
            on(AgreementRenewed, agreement_renewed),
            on(AgreementEnded, agreement_ended),
        ],
        scaled=False,
    ),
]
