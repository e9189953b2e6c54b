"""The messages an event calls for: its rule's audiences, each person in their own
language, every role address in the coordinators' language, with Reply-To set to the people
who can answer. Pure: the persons' details come opened (None for an erased person)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from email.utils import formataddr
from uuid import UUID

from pydantic import BaseModel

from arctic.contracts.events import Event
from arctic.contracts.vocabulary import Channel, Language, Person, PersonDetails
from arctic.notifications.domain import Message
from arctic.notifications.links import preferences_url, unsubscribe_url
from arctic.notifications.mailer import header_text
from arctic.notifications.preferences import Preferences
from arctic.notifications.rendering import Links, Recipient, render
from arctic.notifications.rules import Reply, Rule, people_at, reference
from arctic.notifications.settings import NotificationsSettings


def persons_of(event: Event) -> list[Person]:
    """Every person the event names, anywhere in it, each once."""
    found: dict[UUID, Person] = {}

    def walk(value: object) -> None:
        if isinstance(value, Person):
            found.setdefault(value.person_id, value)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))

    walk(event)
    return list(found.values())


def messages_for(
    rule: Rule,
    event: Event,
    people: Mapping[UUID, PersonDetails | None],
    settings: NotificationsSettings,
    now: datetime,
    preferences: Mapping[UUID, Preferences] | None = None,
) -> list[Message]:
    """One message per person and role address of the rule's audiences (a person or address
    named twice gets the first audience's); a person who was erased gets a message without
    address or text, recorded as failed.

    A person's preferences decide their language, whether an optional kind reaches them at
    all, and when (after their quiet hours); their mail carries their signed links."""
    chosen = preferences or {}
    messages: list[Message] = []
    seen: set[object] = set()
    ref = reference(rule, event)
    for audience in rule.to:
        for path in audience.people:
            for person in people_at(event, path):
                if person.person_id in seen:
                    continue
                seen.add(person.person_id)
                details = people.get(person.person_id)
                if details is None:
                    messages.append(
                        Message.for_erased(
                            person.person_id,
                            Channel.email,
                            audience.template,
                            person.language,
                            rule.kind,
                        )
                    )
                    continue
                seen.add(details.email)
                wishes = chosen.get(person.person_id, Preferences())
                if not wishes.wants(rule.kind, Channel.email, mandatory=rule.mandatory):
                    continue
                links = Links(
                    preferences_url(settings, person.person_id, now),
                    None
                    if rule.mandatory
                    else unsubscribe_url(settings, person.person_id, rule.kind, now),
                )
                message = _message(
                    rule,
                    event,
                    people,
                    settings,
                    audience.template,
                    audience.reply,
                    wishes.language or person.language,
                    details.email,
                    Recipient(details.name, links),
                    person.person_id,
                    ref,
                )
                messages.append(
                    replace(
                        message,
                        unsubscribe_url=links.unsubscribe,
                        not_before=_later(wishes.send_at(now, mandatory=rule.mandatory), now),
                        digest=wishes.in_digest(mandatory=rule.mandatory),
                    )
                )
        for role in audience.roles:
            address = settings.role_address(role)
            if address in seen:
                continue
            seen.add(address)
            messages.append(
                _message(
                    rule,
                    event,
                    people,
                    settings,
                    audience.template,
                    audience.reply,
                    settings.coordinators_language,
                    address,
                    Recipient(),
                    None,
                    ref,
                )
            )
    return messages


def _message(
    rule: Rule,
    event: Event,
    people: Mapping[UUID, PersonDetails | None],
    settings: NotificationsSettings,
    template: str,
    reply: Reply,
    language: Language,
    address: str,
    recipient: Recipient,
    person_id: UUID | None,
    ref: str,
) -> Message:
    rendered = render(
        template,
        language,
        event,
        people,
        recipient,
        reference=ref,
        organisation=settings.organisation,
    )
    replies, named = _reply_to(reply, event, people, settings, address)
    names = {*rendered.named, *named, *([person_id] if person_id else [])}
    return Message(
        address,
        Channel.email,
        template,
        rendered.language,
        rendered.subject,
        rendered.text,
        recipient_person_id=person_id,
        names=tuple(sorted(names, key=str)),
        kind=rule.kind,
        html=rendered.html,
        reply_to=replies,
        mandatory=rule.mandatory,
    )


def _reply_to(
    reply: Reply,
    event: Event,
    people: Mapping[UUID, PersonDetails | None],
    settings: NotificationsSettings,
    recipient: str,
) -> tuple[str | None, list[UUID]]:
    """The Reply-To for one recipient (never themselves) and the persons it names."""
    addresses: list[str] = []
    named: list[UUID] = []
    for path in reply.people:
        for person in people_at(event, path):
            details = people.get(person.person_id)
            if details is None or details.email == recipient or details.email in addresses:
                continue
            addresses.append(formataddr((header_text(details.name), details.email)))
            named.append(person.person_id)
    for role in reply.roles:
        address = settings.role_address(role)
        if address != recipient:
            addresses.append(address)
    return (", ".join(addresses) or None), named


def _later(when: datetime, now: datetime) -> datetime | None:
    """`when` if it is later than `now` (the message waits), else None (it goes now)."""
    return when if when > now else None
