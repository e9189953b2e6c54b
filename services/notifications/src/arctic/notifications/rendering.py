"""The words people receive: Jinja2 templates per kind and language, rendered as plain text
and as HTML (autoescaped) from the same source.

`templates/<lang>/<template>.j2` holds a message's `subject` and `body` blocks and extends
the layout of the format being rendered (`layout.txt.j2`, `layout.html.j2`), which adds the
greeting, the signature and the footer with the recipient's links. Both environments use
`StrictUndefined`: a template naming a variable that is not there fails instead of printing
nothing. A language whose template is missing falls back (`words.FALLBACK`).

Codes are shown as words (`| word`, `| words`), dates and instants as people of the language
write them (`| day`, `| moment`). Persons are named through `name(person)` and
`email(person)`, which read the details opened for this message and remember whom the text
names (for erasure); an erased person is named as such.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from itertools import groupby
from typing import Any
from uuid import UUID

from jinja2 import (
    Environment,
    PackageLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    pass_context,
)
from jinja2.runtime import Context
from markupsafe import Markup

from arctic.contracts.events import Event
from arctic.contracts.vocabulary import Language, Person, PersonDetails
from arctic.notifications import words

ERASED: Mapping[Language, str] = {
    Language.fi: "(henkilötiedot poistettu)",
    Language.sv: "(personuppgifterna raderade)",
    Language.en: "(personal data erased)",
}


class TemplateMissing(LookupError):
    """No language of the fallback order has the template."""


@dataclass(frozen=True)
class Links:
    """The recipient's own links in the footer (none for a role address)."""

    preferences: str | None = None
    unsubscribe: str | None = None


@dataclass(frozen=True)
class Rendered:
    """A message in both formats, the language it was written in and the persons it names."""

    subject: str
    text: str
    html: str
    language: Language
    named: tuple[UUID, ...]


@dataclass(frozen=True)
class Recipient:
    """To whom, as the greeting and the footer need them: a person's name (None for a role
    address) and their links."""

    name: str | None = None
    links: Links = field(default_factory=Links)


def _language(context: Context) -> Language:
    return Language(context["lang"])


@pass_context
def _word(context: Context, code: StrEnum) -> str:
    return words.word(code, _language(context))


@pass_context
def _words(context: Context, codes: Iterable[StrEnum]) -> str:
    return words.words(codes, _language(context))


@pass_context
def _listing(context: Context, items: Iterable[str]) -> str:
    return words.listing(items, _language(context))


@pass_context
def _day(context: Context, value: date) -> str:
    return words.day(value, _language(context))


@pass_context
def _moment(context: Context, value: datetime) -> str:
    return words.moment(value, _language(context))


@pass_context
def _localized(context: Context, text: Any) -> str:
    """A LocalizedText in the recipient's language, or the next of the fallback order."""
    for language in words.FALLBACK[_language(context)]:
        value = getattr(text, language.value)
        if value:
            return str(value)
    raise ValueError("a localized text in no language")


def _details(context: Context, person: Person) -> PersonDetails | None:
    details: PersonDetails | None = context["_people"].get(person.person_id)
    if details is not None:
        context["_named"].add(person.person_id)
    return details


@pass_context
def _name(context: Context, person: Person) -> str:
    details = _details(context, person)
    return ERASED[_language(context)] if details is None else details.name


@pass_context
def _email(context: Context, person: Person) -> str:
    details = _details(context, person)
    return ERASED[_language(context)] if details is None else details.email


@pass_context
def _names(context: Context, persons: Iterable[Person]) -> str:
    return words.listing((_name(context, person) for person in persons), _language(context))


_PARAGRAPHS = re.compile(r"\n[ \t]*\n")


def _paragraphs(text: Markup | str) -> Markup:
    """Text whose variables are escaped already, as HTML: blank-line separated paragraphs,
    runs of `- ` lines as lists, other line breaks kept."""
    html = []
    for chunk in _PARAGRAPHS.split(str(text).strip()):
        lines = [line.strip() for line in chunk.strip().splitlines() if line.strip()]
        for listed, run in groupby(lines, key=lambda line: line.startswith("- ")):
            group = list(run)
            if listed:
                html.append("<ul>" + "".join(f"<li>{line[2:]}</li>" for line in group) + "</ul>")
            else:
                html.append("<p>" + "<br>\n".join(group) + "</p>")
    return Markup("\n".join(html))  # noqa: S704 - built from escaped text only


def _environment(autoescape: bool) -> Environment:
    environment = Environment(
        loader=PackageLoader("arctic.notifications", "templates"),
        autoescape=autoescape,  # noqa: S701 - plain text is no markup; HTML escapes
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    environment.filters.update(
        word=_word,
        words=_words,
        listing=_listing,
        day=_day,
        moment=_moment,
        localized=_localized,
        names=_names,
        paragraphs=_paragraphs,
    )
    environment.globals.update(name=_name, email=_email)
    return environment


TEXT = _environment(autoescape=False)
HTML = _environment(autoescape=True)


def template_for(
    environment: Environment, name: str, language: Language
) -> tuple[Template, Language]:
    """The template `name` in `language`, or in the next language of its fallback order."""
    for candidate in words.FALLBACK[language]:
        try:
            return environment.get_template(f"{candidate.value}/{name}.j2"), candidate
        except TemplateNotFound:
            continue
    raise TemplateMissing(f"no template {name} in any language")


_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"\s+")


def render(
    name: str,
    language: Language,
    event: Event | None,
    people: Mapping[UUID, PersonDetails | None],
    recipient: Recipient,
    *,
    reference: str,
    organisation: str,
    **extra: Any,
) -> Rendered:
    """Render template `name` for one recipient: its subject, plain text and HTML.

    `people` holds the details opened for every person of the event (None: erased); `extra`
    any further variables the template needs (the digest's `items`).
    """
    named: set[UUID] = set()
    text_template, used = template_for(TEXT, name, language)
    html_template, _ = template_for(HTML, name, used)
    values: dict[str, Any] = {
        "event": event,
        "lang": used.value,
        "reference": reference,
        "organisation": organisation,
        "recipient": recipient,
        "links": recipient.links,
        "_people": people,
        "_named": named,
        **extra,
    }
    subject_block = text_template.blocks["subject"]
    subject = "".join(subject_block(text_template.new_context(values)))
    text = text_template.render(layout="layout.txt.j2", **values)
    html = html_template.render(layout="layout.html.j2", **values)
    return Rendered(
        subject=_SPACES.sub(" ", subject).strip(),
        text=_BLANK_LINES.sub("\n\n", text).strip() + "\n",
        html=html.strip() + "\n",
        language=used,
        named=tuple(sorted(named, key=str)),
    )
