"""The base of every event: its subject, its producing service and its aggregate id."""

from __future__ import annotations

from typing import ClassVar

from arctic.contracts.vocabulary import ContractModel


class Event(ContractModel):
    """An event on the wire. Each subclass names its `subject` (also the CloudEvents type),
    the `service` that publishes it, and `aggregate_key`, the field holding the id of the
    aggregate it is about (the CloudEvents subject).

    Events are immutable and ignore fields they do not know, so a consumer keeps working
    when a producer adds a field.
    """

    subject: ClassVar[str]
    service: ClassVar[str]
    aggregate_key: ClassVar[str]

    @property
    def aggregate_id(self) -> str:
        """The id of the aggregate this event is about, as a string (CloudEvents subject)."""
        return str(getattr(self, self.aggregate_key))

    @classmethod
    def major_version(cls) -> int:
        """The major version of the event's contract, the `v<major>` ending its subject."""
        return int(cls.subject.rsplit(".v", 1)[1])


class CatalogueEvent(Event):
    """An event published by the catalogue service."""

    service: ClassVar[str] = "catalogue"


class PrototypingEvent(Event):
    """An event published by the prototyping service."""

    service: ClassVar[str] = "prototyping"


class PartnershipsEvent(Event):
    """An event published by the partnerships service."""

    service: ClassVar[str] = "partnerships"


class NotificationsEvent(Event):
    """An event published by the notifications service."""

    service: ClassVar[str] = "notifications"
