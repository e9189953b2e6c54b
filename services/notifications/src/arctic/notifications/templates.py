"""The words people receive, in their language (fi, en, sv)."""

from __future__ import annotations

from arctic.contracts.events import PrototypeRequested
from arctic.contracts.vocabulary import Language, PersonDetails

ACKNOWLEDGEMENT_SUBJECT = {
    Language.fi: "Saimme prototyyppipyyntönne: {title}",
    Language.en: "We have received your prototype request: {title}",
    Language.sv: "Vi har tagit emot er prototypförfrågan: {title}",
}

ACKNOWLEDGEMENT_BODY = {
    Language.fi: """Hei {contact},

kiitos, että toitte ongelmanne tai ideanne meille. Olemme vastaanottaneet pyyntönne
"{title}" yritykseltä {company}.

Mitä seuraavaksi tapahtuu:
- Prototypointitiimimme käy pyynnön läpi ja ottaa teihin yhteyttä viiden arkipäivän kuluessa.
- Jos pyyntö hyväksytään, kokoamme monialaisen asiantuntijatiimin, joka rakentaa teille
  ensimmäisen teknologiaprototyypin noin kuukaudessa.
- Kerromme jokaisesta vaiheesta sähköpostitse.

Viitteenne: {reference}

Ystävällisin terveisin
Arctic Research Community, TEQU-prototypointi
""",
    Language.en: """Hello {contact},

thank you for bringing your problem or idea to us. We have received the request
"{title}" from {company}.

What happens next:
- Our prototyping team reviews the request and contacts you within five working days.
- If it is accepted, we assemble a multidisciplinary team of experts who build a first
  technology prototype for you in about one month.
- We will tell you by e-mail at every step.

Your reference: {reference}

Kind regards,
Arctic Research Community, TEQU prototyping
""",
    Language.sv: """Hej {contact},

tack för att ni har fört ert problem eller er idé till oss. Vi har tagit emot förfrågan
"{title}" från {company}.

Vad händer härnäst:
- Vårt prototypteam går igenom förfrågan och kontaktar er inom fem arbetsdagar.
- Om den godkänns sätter vi ihop ett tvärvetenskapligt expertteam som bygger en första
  teknologiprototyp åt er på ungefär en månad.
- Vi berättar om varje steg per e-post.

Er referens: {reference}

Med vänliga hälsningar
Arctic Research Community, TEQU-prototypning
""",
}

NEW_REQUEST_SUBJECT = {
    Language.fi: "Uusi prototyyppipyyntö: {title} ({company})",
    Language.en: "New prototype request: {title} ({company})",
    Language.sv: "Ny prototypförfrågan: {title} ({company})",
}

NEW_REQUEST_BODY = {
    Language.fi: """Uusi prototyyppipyyntö odottaa käsittelyä.

Yritys: {company} ({business_id})
Otsikko: {title}
Kehitysvaihe: {stage}
Osaamisalat: {disciplines}
Saa esitellä julkisesti: {consent}

Ongelma tai idea:
{problem}

Viite: {reference}
Vastatkaa yritykselle viiden arkipäivän kuluessa.
""",
    Language.en: """A new prototype request is waiting for triage.

Company: {company} ({business_id})
Title: {title}
Stage: {stage}
Disciplines: {disciplines}
May be showcased publicly: {consent}

Problem or idea:
{problem}

Reference: {reference}
Please answer the company within five working days.
""",
    Language.sv: """En ny prototypförfrågan väntar på behandling.

Företag: {company} ({business_id})
Rubrik: {title}
Utvecklingsskede: {stage}
Kompetensområden: {disciplines}
Får visas offentligt: {consent}

Problem eller idé:
{problem}

Referens: {reference}
Svara företaget inom fem arbetsdagar.
""",
}

_YES_NO = {Language.fi: ("kyllä", "ei"), Language.en: ("yes", "no"), Language.sv: ("ja", "nej")}


def acknowledgement(event: PrototypeRequested, contact: PersonDetails) -> tuple[str, str]:
    """Subject and body of the acknowledgement to the company contact (opened from the
    event), in their language."""
    language = event.company.contact.language
    values = {
        "contact": contact.name,
        "company": event.company.name,
        "title": event.title,
        "reference": str(event.request_id),
    }
    return ACKNOWLEDGEMENT_SUBJECT[language].format(**values), ACKNOWLEDGEMENT_BODY[
        language
    ].format(**values)


def new_request(event: PrototypeRequested, language: Language) -> tuple[str, str]:
    """Subject and body of the new-request message to the prototyping coordinators."""
    yes, no = _YES_NO[language]
    values = {
        "company": event.company.name,
        "business_id": event.company.business_id,
        "title": event.title,
        "stage": event.stage.value,
        "disciplines": ", ".join(d.value for d in event.disciplines),
        "consent": yes if event.showcase_consent else no,
        "problem": event.problem,
        "reference": str(event.request_id),
    }
    return NEW_REQUEST_SUBJECT[language].format(**values), NEW_REQUEST_BODY[language].format(
        **values
    )
