"""Every kind's templates render in every language from the contracts' example events, with
nothing missing (StrictUndefined), no code shown as a code, and HTML escaped."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from jinja2 import UndefinedError

from arctic.contracts.events import EvaluationOverdue, Event, PrototypeRequested
from arctic.contracts.examples import EXAMPLES, example_of
from arctic.contracts.examples.parties import AINO, EXAMPLE_PEOPLE
from arctic.contracts.registry import EVENTS
from arctic.contracts.vocabulary import Language, PersonDetails
from arctic.notifications import rendering, rules, words
from arctic.notifications.messages import messages_for
from arctic.notifications.rendering import TEXT, Links, Recipient, render
from arctic.notifications.settings import NotificationsSettings

PEOPLE = {
    person.person_id: PersonDetails.model_validate(details.model_dump())
    for person, details in EXAMPLE_PEOPLE.items()
}
SETTINGS = NotificationsSettings(service="notifications")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

NOTIFIED = {  # every event of the catalogue that notifications consumes
    "InquiryReceived", "InquiryRouted", "InquiryOverdue", "BookingRequested",
    "BookingConfirmed", "BookingCancelled", "PrototypeRequested", "PrototypeAccepted",
    "PrototypeRejected", "PrototypeTeamAssembled", "PrototypeMilestoneReached",
    "PrototypeDeadlineApproaching", "PrototypeOverdue", "PrototypeDelivered",
    "PartnershipNeedRaised", "NegotiationStarted", "AgreementSigned", "ContactPersonChanged",
    "ActionPlanAgreed", "EvaluationDue", "EvaluationHeld", "EvaluationOverdue",
    "AgreementExpiring", "AgreementRenewed", "AgreementEnded", "PartnerEventInvitationIssued",
}  # fmt: skip


def test_every_notified_event_has_exactly_one_rule() -> None:
    assert {rule.event.__name__ for rule in rules.RULES} == NOTIFIED
    assert len(rules.BY_EVENT) == len(rules.RULES)


def _variants(rule: rules.Rule) -> list[Event]:
    """The example event, and one with each field that may be left out left out."""
    example = EXAMPLES[rule.event]()
    variants = [example]
    for name, field in rule.event.model_fields.items():
        if not field.is_required() and getattr(example, name) != field.default:
            variants.append(example_of(rule.event, **{name: field.default}))
    return variants


CASES = [
    pytest.param(rule, template, language, id=f"{template}-{language.value}")
    for rule in rules.RULES
    for template in rule.templates
    for language in Language
]


@pytest.mark.parametrize(("rule", "template", "language"), CASES)
def test_every_template_renders_in_every_language(
    rule: rules.Rule, template: str, language: Language
) -> None:
    for event in _variants(rule):
        for recipient in (Recipient("Aino Korhonen", Links("https://p", "https://u")), Recipient()):
            message = render(
                template,
                language,
                event,
                PEOPLE,
                recipient,
                reference=rules.reference(rule, event),
                organisation="Arctic Research Community",
            )
            assert message.language is language
            assert message.subject
            assert "\n" not in message.subject
            assert message.text.rstrip().endswith("Arctic Research Community") != bool(
                recipient.links.preferences
            )
            assert "Arctic Research Community" in message.html
            _no_codes(event, message.text)


def _no_codes(event: Event, text: str) -> None:
    """A code with an underscore (land_surveying, working_prototype...) never shows."""
    codes = {
        value for enum in words.WORDED for value in enum.__members__.values() if "_" in value.value
    }
    assert not [code.value for code in codes if code.value in text]


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda rule: rule.kind)
def test_every_recipient_path_names_persons_of_the_example_event(rule: rules.Rule) -> None:
    event = EXAMPLES[rule.event]()
    for audience in rule.to:
        for path in (*audience.people, *audience.reply.people):
            rules.people_at(event, path)  # raises when the path is wrong
        for role in (*audience.roles, *audience.reply.roles):
            assert role in rules.ROLES
    assert messages_for(rule, event, PEOPLE, SETTINGS, NOW), rule.kind


def test_a_missing_variable_fails_the_rendering() -> None:
    with pytest.raises(UndefinedError):
        TEXT.from_string("{{ event.no_such_field }}").render(event=EXAMPLES[PrototypeRequested]())


def test_html_escapes_what_the_event_says_and_plain_text_keeps_it() -> None:
    event = example_of(PrototypeRequested, title='<script>alert("x")</script> & co')
    message = render(
        "prototype_requested_staff",
        Language.en,
        event,
        PEOPLE,
        Recipient(),
        reference="PR-1",
        organisation="Arctic Research Community",
    )
    assert "<script>" not in message.html
    assert "&lt;script&gt;" in message.html
    assert '<script>alert("x")</script> & co' in message.text


def test_codes_are_words_in_the_recipients_language() -> None:
    event = EXAMPLES[PrototypeRequested]()  # concept; ICT and construction
    texts = {
        language: render(
            "prototype_requested_staff",
            language,
            event,
            PEOPLE,
            Recipient(),
            reference="PR-1",
            organisation="Arctic Research Community",
        ).text
        for language in Language
    }
    assert "Kehitysvaihe: konsepti (TRL 3\u20134)" in texts[Language.fi]
    assert "Osaamisalat: ICT ja rakentaminen" in texts[Language.fi]
    assert "Kompetensområden: IKT och byggande" in texts[Language.sv]
    assert "Disciplines: ICT and construction" in texts[Language.en]


@pytest.mark.parametrize("enum", words.WORDED, ids=lambda enum: enum.__name__)
def test_every_code_has_a_word_in_every_language(enum: Any) -> None:
    for language in Language:
        for member in enum:
            assert words.word(member, language)


def test_the_staff_note_names_the_contact_and_remembers_whom_it_names() -> None:
    rule = rules.BY_EVENT[PrototypeRequested]
    acknowledgement, note = messages_for(
        rule, EXAMPLES[PrototypeRequested](), PEOPLE, SETTINGS, NOW
    )
    assert acknowledgement.recipient == "aino.korhonen@example.fi"
    assert acknowledgement.reply_to == SETTINGS.prototyping_coordinators_email
    assert note.recipient == SETTINGS.prototyping_coordinators_email
    assert note.reply_to == "Aino Korhonen <aino.korhonen@example.fi>"
    assert "Aino Korhonen, aino.korhonen@example.fi" in (note.body or "")
    assert note.names == (AINO.person_id,)
    assert note.recipient_person_id is None


def test_an_erased_person_gets_a_message_without_text_and_others_see_them_as_erased() -> None:
    rule = rules.BY_EVENT[PrototypeRequested]
    people = {**PEOPLE, AINO.person_id: None}
    erased, note = messages_for(rule, EXAMPLES[PrototypeRequested](), people, SETTINGS, NOW)
    assert (erased.recipient, erased.body, erased.recipient_person_id) == (
        None,
        None,
        AINO.person_id,
    )
    assert rendering.ERASED[Language.fi] in (note.body or "")
    assert note.reply_to is None


def test_a_person_named_twice_gets_one_message() -> None:

    event = EXAMPLES[EvaluationOverdue]()
    twice = example_of(EvaluationOverdue, owner=event.uas_contact.model_dump())
    assert len(messages_for(rules.BY_EVENT[EvaluationOverdue], twice, PEOPLE, SETTINGS, NOW)) == 1


def test_every_event_kind_listed_is_in_the_registry() -> None:
    assert {rule.event for rule in rules.RULES} <= set(EVENTS.values())
