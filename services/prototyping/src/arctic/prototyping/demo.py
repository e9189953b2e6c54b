"""Demo data of prototyping: TEQU's expert pool (about twenty RDI experts from every field and
five permanent staff) and a few companies' requests waiting in triage, so that `make up`
shows a coordinator something to triage and a pool to staff it from. Invented people and
companies; the addresses are in the reserved `.example` domain."""

from __future__ import annotations

from datetime import timedelta

from arctic.contracts.vocabulary import Company, ContactPerson, Discipline, Language, Stage
from arctic.prototyping import handlers
from arctic.prototyping.domain import Submission
from arctic.prototyping.experts import Profile
from arctic.prototyping.pool import absences_of
from arctic.prototyping.settings import PrototypingSettings
from arctic.prototyping.timebox import finnish_date
from arctic.runtime.demo import DemoContext, DemoData

D = Discipline
STAFF = [
    ("Hanna Korhonen", [D.business, D.industrial_design], 3),
    ("Mikko Niemi", [D.ict, D.energy], 3),
    ("Sari Mäkelä", [D.media_production, D.business], 2),
    ("Juha Heikkinen", [D.construction, D.land_surveying], 2),
    ("Tiina Hietala", [D.industrial_design, D.ict], 2),
]
"""TEQU's permanent staff: name, disciplines, prototypes at once."""
EXPERTS = [
    ("Aleksi Rautio", [D.ict], 2),
    ("Elina Keskitalo", [D.ict, D.media_production], 1),
    ("Jarmo Lantto", [D.construction], 2),
    ("Kaisa Ylitalo", [D.construction, D.energy], 1),
    ("Lauri Alatalo", [D.energy], 2),
    ("Minna Salmela", [D.energy, D.business], 1),
    ("Olli Kangas", [D.land_surveying], 1),
    ("Pirjo Lehtola", [D.land_surveying, D.ict], 1),
    ("Riku Jääskö", [D.industrial_design], 2),
    ("Satu Ollila", [D.industrial_design, D.media_production], 1),
    ("Teemu Hannula", [D.business], 2),
    ("Ulla Portimojärvi", [D.business, D.land_surveying], 1),
    ("Ville Kumpula", [D.media_production], 2),
    ("Anne Koivisto", [D.media_production, D.industrial_design], 1),
    ("Eero Nikula", [D.ict, D.construction], 1),
    ("Heidi Kangasniemi", [D.energy, D.ict], 1),
    ("Janne Tervo", [D.construction, D.industrial_design], 1),
    ("Laura Vaara", [D.business, D.media_production], 1),
    ("Markus Saarijärvi", [D.land_surveying, D.energy], 1),
    ("Noora Palosaari", [D.ict, D.business], 1),
]
"""RDI experts of the UAS who join prototype teams beside their other work."""
REQUESTS = [
    (
        "Kemin Teräspaja Oy",
        "2934512-5",
        ("Pekka Rovanperä", Language.fi),
        "Frost-proof weld inspection rig",
        "Our welds on ultra-high-strength steel crack in hard frost. We need a rig that "
        "tests a joint at -40 °C and shows the result to the welder on site.",
        [D.construction, D.ict],
        Stage.concept,
        True,
    ),
    (
        "Inarin Porotalous Oy",
        "3101234-6",
        ("Maarit Aikio", Language.fi),
        "Reindeer herd tracker with low-power radio",
        "Collars run out of battery in midwinter. We want a low-power tracker and a map "
        "that shows where the herd grazes.",
        [D.ict, D.land_surveying, D.energy],
        Stage.idea,
        False,
    ),
    (
        "Arctic Stay Rovaniemi Oy",
        "2876540-0",
        ("Johanna Lindqvist", Language.sv),
        "Virtual tour of a glass igloo village",
        "Guests book from abroad and want to see the site in advance. We want a 360° tour "
        "that we can update ourselves.",
        [D.media_production, D.ict, D.business],
        Stage.prototype,
        True,
    ),
]
"""Companies' requests waiting in triage: company, business id, contact, title, problem,
disciplines, stage, showcase consent."""


def _address(name: str, domain: str) -> str:
    local = name.lower().replace(" ", ".")
    for plain, accented in (("a", "ä"), ("o", "ö"), ("a", "å")):
        local = local.replace(accented, plain)
    return f"{local}@{domain}"


async def load_pool_and_requests(ctx: DemoContext[PrototypingSettings]) -> None:
    """The pool (one of the staff has a holiday in two weeks) and the waiting requests."""
    now = ctx.clock()
    today = finnish_date(now)
    for index, (name, disciplines, capacity) in enumerate([*STAFF, *EXPERTS]):
        details = ContactPerson(
            name=name, email=_address(name, "tequ.example"), language=Language.fi
        )
        holiday = [(today + timedelta(days=14), today + timedelta(days=20))] if index == 1 else []
        profile = Profile(disciplines, capacity, index < len(STAFF), absences_of(holiday))
        person = await ctx.persons.seal(details)
        await handlers.add_expert(ctx.tx, person, details, profile, now)
    for waited, request in enumerate(REQUESTS):
        company, business_id, (contact_name, language), title, problem, needs, stage, consent = (
            request
        )
        contact = ContactPerson(
            name=contact_name, email=_address(contact_name, "company.example"), language=language
        )
        sealed = Company(
            name=company, business_id=business_id, contact=await ctx.persons.seal(contact)
        )
        submission = Submission(sealed, contact, title, problem, needs, stage, consent)
        await handlers.submit_request(ctx.tx, submission, now - timedelta(days=3 - waited))


DEMO_DATA = [DemoData("pool-and-requests-v1", load_pool_and_requests)]
"""The sets of demo data prototyping loads under `arctic up`."""
