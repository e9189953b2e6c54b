"""Events in: what the partnership produced elsewhere, attached to the partner's history by
business id, once each (the inbox skips a redelivered event; `source_key` a republished
one); an event about a company that is no partner is not kept. And the erasure of persons."""

from __future__ import annotations

from arctic.contracts.events import (
    EnvironmentUsageRecorded,
    PersonalDataErasureRequested,
    PrototypeDelivered,
)
from arctic.partnerships import store
from arctic.partnerships.settings import PartnershipsSettings
from arctic.runtime.subscriptions import Context, Subscription, on


async def prototype_delivered(
    ctx: Context[PartnershipsSettings], event: PrototypeDelivered
) -> None:
    """A prototype delivered to a partner joins its history."""
    partner = await store.partner_by_business_id(ctx.tx.conn, event.company.business_id)
    if partner is None:
        return
    await store.add_history(
        ctx.tx.conn,
        partner.id,
        event.delivered_at,
        "prototype",
        f"prototype-delivered:{event.request_id}",
        f"Prototype delivered: {event.title}",
        {
            "request_id": str(event.request_id),
            "outcome": event.outcome.value,
            "outcome_summary": event.outcome_summary,
        },
    )


async def environment_used(
    ctx: Context[PartnershipsSettings], event: EnvironmentUsageRecorded
) -> None:
    """A development environment used for a partner joins its history."""
    if event.customer is None:
        return
    partner = await store.partner_by_business_id(ctx.tx.conn, event.customer.business_id)
    if partner is None:
        return
    await store.add_history(
        ctx.tx.conn,
        partner.id,
        event.recorded_at,
        "environment_usage",
        f"environment-usage:{event.booking_id}",
        f"{event.environment_name} used ({event.hours} h) by {event.user_organisation.name}",
        {
            "environment_id": str(event.environment_id),
            "booking_id": str(event.booking_id),
            "owner": event.owner.name,
            "hours": str(event.hours),
        },
    )


async def erase_person(
    ctx: Context[PartnershipsSettings], erasure: PersonalDataErasureRequested
) -> int:
    """Erase a person's details in clear (ServiceDefinition.erase_person)."""
    return await store.erase_person(ctx.tx.conn, erasure.person_id, ctx.clock())


SUBSCRIPTIONS: list[Subscription[PartnershipsSettings]] = [
    Subscription(
        "partnerships-prototyping", "PROTOTYPING", [on(PrototypeDelivered, prototype_delivered)]
    ),
    Subscription(
        "partnerships-catalogue", "CATALOGUE", [on(EnvironmentUsageRecorded, environment_used)]
    ),
]
