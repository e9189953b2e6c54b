"""One example of every event, built from fictional but realistic data.

They feed the AsyncAPI document's message examples, and serve tests here and in the
services: `example_of(PrototypeRequested, title="...")` is a valid event with one change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from arctic.contracts.events import Event
from arctic.contracts.examples import (
    catalogue,
    notifications,
    partnership_year,
    partnerships,
    personal_data,
)
from arctic.contracts.examples import prototyping as proto

E = TypeVar("E", bound=Event)

_FACTORIES: tuple[Callable[[], Event], ...] = (
    catalogue.offering_published,
    catalogue.offering_retired,
    catalogue.inquiry_received,
    catalogue.inquiry_routed,
    catalogue.inquiry_overdue,
    catalogue.booking_requested,
    catalogue.booking_confirmed,
    catalogue.booking_cancelled,
    catalogue.environment_usage_recorded,
    proto.prototype_requested,
    proto.prototype_accepted,
    proto.prototype_rejected,
    proto.prototype_team_assembled,
    proto.prototype_milestone_reached,
    proto.prototype_deadline_approaching,
    proto.prototype_overdue,
    proto.prototype_delivered,
    partnerships.partnership_need_raised,
    partnerships.negotiation_started,
    partnerships.agreement_signed,
    partnerships.contact_person_changed,
    partnership_year.action_plan_agreed,
    partnership_year.evaluation_due,
    partnership_year.evaluation_held,
    partnership_year.evaluation_overdue,
    partnerships.agreement_expiring,
    partnerships.agreement_renewed,
    partnerships.agreement_ended,
    partnership_year.partner_event_invitation_issued,
    partnership_year.handprint_recorded,
    notifications.notification_delivered,
    notifications.notification_failed,
    personal_data.personal_data_erasure_requested,
    personal_data.catalogue_personal_data_erased,
    personal_data.prototyping_personal_data_erased,
    personal_data.partnerships_personal_data_erased,
    personal_data.notifications_personal_data_erased,
)

EXAMPLES: Mapping[type[Event], Callable[[], Event]] = MappingProxyType(
    {type(factory()): factory for factory in _FACTORIES}
)
"""A factory of one example per event model."""


def example_of(model: type[E], **changes: Any) -> E:
    """A valid example of `model`, with `changes` applied (validated like any input)."""
    try:
        factory = EXAMPLES[model]
    except KeyError:
        raise LookupError(f"no example of {model.__name__}") from None
    return model.model_validate({**factory().model_dump(), **changes})


__all__ = ["EXAMPLES", "example_of"]
