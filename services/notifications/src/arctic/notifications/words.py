"""The codes of the events as words in each language, and dates as people write them.

A template never shows a code (`concept`, `land_surveying`): `{{ event.stage | word }}`
renders it in the recipient's language, `{{ event.disciplines | words }}` a list of them
("ICT ja rakentaminen"), `{{ event.due_on | day }}` a date, `{{ at | moment }}` an instant in
Finnish time (Europe/Helsinki).
"""

# ruff: noqa: RUF001  (ranges take the en dash people expect in print)
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.lists import format_list

from arctic.contracts.vocabulary import (
    ActionStatus,
    AgreementEndReason,
    AgreementSide,
    BookingSide,
    Discipline,
    Language,
    OfferingKind,
    PrototypeOutcome,
    RouteTarget,
    Stage,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
"""The time people in the network plan by."""

FALLBACK: Mapping[Language, tuple[Language, ...]] = {
    Language.fi: (Language.fi, Language.en, Language.sv),
    Language.sv: (Language.sv, Language.en, Language.fi),
    Language.en: (Language.en, Language.fi, Language.sv),
}
"""The languages to try, in order, for a recipient of each language: their own, then English
(read by most), then the other national language."""

WORDS: Mapping[Language, Mapping[StrEnum, str]] = {
    Language.fi: {
        Stage.idea: "idea (TRL 1–2)",
        Stage.concept: "konsepti (TRL 3–4)",
        Stage.prototype: "prototyyppi (TRL 5–6)",
        Stage.pilot: "pilotti (TRL 7–8)",
        Stage.market: "markkinoilla (TRL 9)",
        Discipline.ict: "ICT",
        Discipline.construction: "rakentaminen",
        Discipline.energy: "energia",
        Discipline.land_surveying: "maanmittaus",
        Discipline.industrial_design: "teollinen muotoilu",
        Discipline.business: "liiketoiminta",
        Discipline.media_production: "mediatuotanto",
        PrototypeOutcome.working_prototype: "toimiva prototyyppi",
        PrototypeOutcome.proof_of_concept: "toteutettavuuden osoitus",
        PrototypeOutcome.not_feasible: "ei toteutettavissa",
        BookingSide.user: "käyttäjä",
        BookingSide.owner: "ympäristön omistaja",
        AgreementSide.uas: "Lapin ammattikorkeakoulu",
        AgreementSide.partner: "kumppani",
        ActionStatus.done: "tehty",
        ActionStatus.in_progress: "kesken",
        ActionStatus.not_started: "ei aloitettu",
        ActionStatus.dropped: "luovuttu",
        AgreementEndReason.expired: "sopimuskausi päättyi",
        AgreementEndReason.terminated: "sopimus irtisanottiin",
        RouteTarget.organisation: "organisaatio",
        RouteTarget.prototyping: "prototypointi",
        OfferingKind.service: "palvelu",
        OfferingKind.environment: "kehitysympäristö",
    },
    Language.sv: {
        Stage.idea: "idé (TRL 1–2)",
        Stage.concept: "koncept (TRL 3–4)",
        Stage.prototype: "prototyp (TRL 5–6)",
        Stage.pilot: "pilot (TRL 7–8)",
        Stage.market: "på marknaden (TRL 9)",
        Discipline.ict: "IKT",
        Discipline.construction: "byggande",
        Discipline.energy: "energi",
        Discipline.land_surveying: "lantmäteri",
        Discipline.industrial_design: "industridesign",
        Discipline.business: "affärsverksamhet",
        Discipline.media_production: "medieproduktion",
        PrototypeOutcome.working_prototype: "fungerande prototyp",
        PrototypeOutcome.proof_of_concept: "konceptbevis",
        PrototypeOutcome.not_feasible: "inte genomförbart",
        BookingSide.user: "användaren",
        BookingSide.owner: "miljöns ägare",
        AgreementSide.uas: "Lapplands yrkeshögskola",
        AgreementSide.partner: "partnern",
        ActionStatus.done: "klar",
        ActionStatus.in_progress: "pågår",
        ActionStatus.not_started: "inte påbörjad",
        ActionStatus.dropped: "struken",
        AgreementEndReason.expired: "avtalsperioden tog slut",
        AgreementEndReason.terminated: "avtalet sades upp",
        RouteTarget.organisation: "organisation",
        RouteTarget.prototyping: "prototypning",
        OfferingKind.service: "tjänst",
        OfferingKind.environment: "utvecklingsmiljö",
    },
    Language.en: {
        Stage.idea: "idea (TRL 1–2)",
        Stage.concept: "concept (TRL 3–4)",
        Stage.prototype: "prototype (TRL 5–6)",
        Stage.pilot: "pilot (TRL 7–8)",
        Stage.market: "on the market (TRL 9)",
        Discipline.ict: "ICT",
        Discipline.construction: "construction",
        Discipline.energy: "energy",
        Discipline.land_surveying: "land surveying",
        Discipline.industrial_design: "industrial design",
        Discipline.business: "business",
        Discipline.media_production: "media production",
        PrototypeOutcome.working_prototype: "a working prototype",
        PrototypeOutcome.proof_of_concept: "a proof of concept",
        PrototypeOutcome.not_feasible: "not feasible",
        BookingSide.user: "the user",
        BookingSide.owner: "the environment's owner",
        AgreementSide.uas: "Lapland University of Applied Sciences",
        AgreementSide.partner: "the partner",
        ActionStatus.done: "done",
        ActionStatus.in_progress: "in progress",
        ActionStatus.not_started: "not started",
        ActionStatus.dropped: "dropped",
        AgreementEndReason.expired: "the term ended",
        AgreementEndReason.terminated: "the agreement was terminated",
        RouteTarget.organisation: "an organisation",
        RouteTarget.prototyping: "prototyping",
        OfferingKind.service: "service",
        OfferingKind.environment: "development environment",
    },
}
"""Every code of the vocabulary, per language (a test checks that none is missing)."""

_LOCALES = {Language.fi: "fi_FI", Language.sv: "sv_FI", Language.en: "en_GB"}
_MOMENT = {
    Language.fi: "d.M.yyyy 'klo' H.mm",
    Language.sv: "d MMMM yyyy 'kl.' H.mm",
    Language.en: "d MMMM yyyy 'at' HH:mm",
}

WORDED: tuple[type[StrEnum], ...] = (
    Stage,
    Discipline,
    PrototypeOutcome,
    BookingSide,
    AgreementSide,
    ActionStatus,
    AgreementEndReason,
    RouteTarget,
    OfferingKind,
)
"""The enumerations a message may show."""


def word(code: StrEnum, language: Language) -> str:
    """A code as a word in `language`."""
    return WORDS[language][code]


def words(codes: Iterable[StrEnum], language: Language) -> str:
    """Codes as a list in words: "ICT, energy and construction"."""
    return format_list([word(code, language) for code in codes], locale=_LOCALES[language])


def listing(items: Iterable[str], language: Language) -> str:
    """Texts as a list in words: "a, b and c"."""
    return format_list(list(items), locale=_LOCALES[language])


def day(value: date, language: Language) -> str:
    """A date as people of `language` write it: 4.4.2025, 4 april 2025, 4 April 2025."""
    if language is Language.fi:
        return f"{value.day}.{value.month}.{value.year}"
    return format_date(value, "d MMMM yyyy", locale=_LOCALES[language])


def moment(value: datetime, language: Language) -> str:
    """An instant in Finnish time, as people of `language` write it."""
    return format_datetime(value, _MOMENT[language], tzinfo=HELSINKI, locale=_LOCALES[language])
