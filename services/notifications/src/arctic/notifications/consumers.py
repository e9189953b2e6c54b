"""Events in: every notification kind of the rules, on a durable consumer per producing
stream (`notifications-<producer>`), and the confirmations of erasure that every service
publishes on its own stream."""

from __future__ import annotations

from arctic.contracts.events import (
    CataloguePersonalDataErased,
    NotificationsPersonalDataErased,
    PartnershipsPersonalDataErased,
    PersonalDataErased,
    PrototypingPersonalDataErased,
)
from arctic.notifications.handlers import notify, record_confirmation
from arctic.notifications.rules import RULES
from arctic.notifications.settings import NotificationsSettings
from arctic.runtime.subscriptions import Handler, Subscription, on


def _kinds_of(producer: str) -> list[Handler[NotificationsSettings]]:
    return [on(rule.event, notify) for rule in RULES if rule.event.service == producer]


def _notify_and_confirm(
    producer: str, confirmation: type[PersonalDataErased]
) -> list[Handler[NotificationsSettings]]:
    return [*_kinds_of(producer), on(confirmation, record_confirmation)]


SUBSCRIPTIONS: list[Subscription[NotificationsSettings]] = [
    Subscription(
        "notifications-catalogue",
        "CATALOGUE",
        _notify_and_confirm("catalogue", CataloguePersonalDataErased),
    ),
    Subscription(
        "notifications-prototyping",
        "PROTOTYPING",
        _notify_and_confirm("prototyping", PrototypingPersonalDataErased),
    ),
    Subscription(
        "notifications-partnerships",
        "PARTNERSHIPS",
        _notify_and_confirm("partnerships", PartnershipsPersonalDataErased),
    ),
    # The runtime adds the erasure request itself to this one (see arctic.runtime.erasure).
    Subscription(
        "notifications-notifications",
        "NOTIFICATIONS",
        [on(NotificationsPersonalDataErased, record_confirmation)],
        scaled=False,
    ),
]
