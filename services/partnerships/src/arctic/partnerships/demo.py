"""Demo data for the local stack: 62 clearly fictitious partners (made-up names, addresses
under the reserved `.example` domain) across sectors, with agreements at every stage of the
partnership year (signed recently, an evaluation due this month, one overdue, some
expiring, one renewed) dated from the day it is loaded, so that `make up` shows the
programme's rhythm at once. Loaded once per database (`arctic.runtime.demo`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import uuid4

from arctic.contracts.events import AgreementExpiring, EvaluationDue, EvaluationOverdue, Event
from arctic.contracts.vocabulary import ContactPerson, Language, business_id_check_digit
from arctic.partnerships import agreement_store, needs_store, store, year_store
from arctic.partnerships.action_plans import ActionPlan, new_action
from arctic.partnerships.agreements import Agreement, HeldEvaluation, Signing
from arctic.partnerships.handlers import Named, keep
from arctic.partnerships.handprint import Handprint
from arctic.partnerships.programme import CompetenceGroup, Need, Negotiation, Partner
from arctic.partnerships.schedule import ScheduleRules, expiry_announced_at
from arctic.partnerships.settings import PartnershipsSettings
from arctic.partnerships.working_days import add_months, finnish_date
from arctic.runtime.demo import DemoContext, DemoData
from arctic.runtime.unit_of_work import Transaction

PARTNERS = 62
PLACES = (
    "Revontuli",
    "Tunturi",
    "Kaamos",
    "Ruska",
    "Napapiiri",
    "Kelo",
    "Jänkä",
    "Aapa",
    "Kuura",
    "Hanki",
    "Ounas",
    "Saana",
    "Pallas",
    "Kuukkeli",
    "Ylläs",
    "Lumikko",
)
SECTORS = (
    ("mining and minerals", "Minerals", ["circular economy", "arctic mining"]),
    ("energy", "Energy", ["renewable energy", "arctic testing"]),
    ("tourism", "Travel", ["sustainable tourism", "digital services"]),
    ("forestry and bioeconomy", "Bio", ["bioeconomy", "circular economy"]),
    ("software", "Digital", ["digital services", "virtual reality"]),
    ("construction", "Build", ["arctic construction", "energy efficiency"]),
    ("logistics", "Logistics", ["intelligent transport", "arctic testing"]),
    ("food", "Foods", ["arctic food", "bioeconomy"]),
    ("health and welfare", "Care", ["welfare technology", "digital services"]),
)
FIRST_NAMES = (
    "Aino",
    "Eero",
    "Helmi",
    "Ilmari",
    "Kerttu",
    "Lauri",
    "Milla",
    "Niilo",
    "Oona",
    "Pekka",
)
LAST_NAMES = ("Esimerkki", "Kokeilu", "Malli", "Testinen", "Demola", "Harjoitus")
STAFF = (
    ("Anna Ohjelmakoordinaattori", "anna.koordinaattori@lapland-uas.example"),
    ("Juho Kumppanuusvastaava", "juho.kumppanuudet@lapland-uas.example"),
    ("Sari Osaamisryhmä", "sari.osaaminen@lapland-uas.example"),
    ("Timo Tutkimusjohtaja", "timo.tki@lapland-uas.example"),
)
GROUPS = (
    "Arctic engineering",
    "Digital solutions",
    "Sustainable tourism",
    "Bioeconomy",
    "Welfare technology",
)


def business_id(index: int) -> str:
    """A well-formed business id for the `index`-th demo partner."""
    number = 3_210_000 + index * 137
    while (check := business_id_check_digit(f"{number:07d}")) is None:
        number += 1
    return f"{number:07d}-{check}"


async def load_programme(ctx: DemoContext[PartnershipsSettings]) -> None:
    """Competence groups, 62 partners, needs and negotiations with prospects, and agreements
    at every stage, each with what it published and scheduled."""
    tx, now = ctx.tx, ctx.clock()
    today = finnish_date(now)

    async def seal(name: str, email: str, language: Language = Language.fi) -> Named:
        clear = ContactPerson(name=name, email=email, language=language)
        named = Named(await ctx.persons.seal(clear), clear)
        await keep(tx, [named], now)
        return named

    staff = [await seal(name, email) for name, email in STAFF]
    groups = []
    for index, name in enumerate(GROUPS):
        group = CompetenceGroup(uuid4(), name, staff[index % len(staff)].sealed, now)
        await store.insert_group(tx.conn, group)
        groups.append(group)

    for index in range(PARTNERS):
        sector, word, focus = SECTORS[index % len(SECTORS)]
        place = PLACES[index % len(PLACES)]
        name = f"{place} {word} Oy" if index < len(PLACES) * 2 else f"{place} {word} {index} Oy"
        slug = name.lower().replace(" ", "-").replace("ä", "a").replace("ö", "o")
        first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[index % len(LAST_NAMES)]
        contact = await seal(
            f"{first} {last}",
            f"{first.lower()}.{last.lower()}@{slug}.example",
            Language.en if index % 7 == 0 else Language.fi,
        )
        partner = Partner.register(name, business_id(index), sector, focus, [contact.sealed], now)
        await store.insert_partner(tx.conn, partner)
        uas = staff[index % len(staff)]
        if index < 4:
            await _prospect(tx, partner, groups[index], uas, contact, index, now)
            continue
        await _agreement(
            ctx, partner, uas, contact, staff[(index + 1) % len(staff)], index, today, now
        )


async def _prospect(
    tx: Transaction,
    partner: Partner,
    group: CompetenceGroup,
    uas: Named,
    contact: Named,
    index: int,
    now: datetime,
) -> None:
    """A prospect: a need raised, the first two under negotiation."""
    need, raised = Need.raise_need(
        partner, group, f"{group.name}: joint theses and a pilot with {partner.name}", [], now
    )
    if index >= 2:
        await needs_store.insert_need(tx.conn, need)
        await tx.emit(raised, aggregate_version=need.version)
        return
    negotiation, started = Negotiation.start(
        need,
        partner.ref,
        partner.focus_areas,
        ["two theses a year", "one joint pilot"],
        uas.sealed,
        contact.sealed,
        now,
    )
    await needs_store.insert_need(tx.conn, need)
    await needs_store.insert_negotiation(tx.conn, negotiation)
    await tx.emit(raised, aggregate_version=1)
    await tx.emit(started, aggregate_version=negotiation.version)


def _starts_on(index: int, today: date) -> tuple[date, str]:
    """When the `index`-th agreement started, and the stage that puts it at."""
    if index < 7:
        return today - timedelta(days=10 * (index - 3)), "signed recently"
    if index < 12:  # an evaluation due later this month (or early next)
        return add_months(today + timedelta(days=3 * (index - 6)), -6), "evaluation due"
    if index == 12:  # the first evaluation passed three weeks ago, none held
        return add_months(today - timedelta(days=21), -6), "overdue"
    if index < 17:  # the term ends in two to four months
        return add_months(today + timedelta(days=30 * (index - 11)), -36), "expiring"
    if index == 17:  # its first term ended a month ago, renewed
        return add_months(today - timedelta(days=30), -36), "renewed"
    return add_months(today, -(index % 30) - 1) - timedelta(days=index % 11), "running"


async def _agreement(
    ctx: DemoContext[PartnershipsSettings],
    partner: Partner,
    uas: Named,
    contact: Named,
    owner: Named,
    index: int,
    today: date,
    now: datetime,
) -> None:
    tx, rules = ctx.tx, ctx.settings.rules
    starts_on, stage = _starts_on(index, today)
    agreement = Agreement.draft(
        partner.ref,
        None,
        partner.focus_areas,
        ["two theses a year", "a joint pilot"],
        uas.sealed,
        contact.sealed,
        now,
    )
    signing = Signing(starts_on, starts_on, uas.sealed, contact.sealed, owner.sealed)
    events: list[Event] = [agreement.sign(signing, rules, now)]
    if stage == "renewed":
        events.append(agreement.renew(rules, now))
    overdue = None
    for evaluation in list(agreement.pending):
        if stage == "overdue" and overdue is None:
            overdue = evaluation
            continue
        if evaluation.due_on <= today:
            agreement.hold_evaluation(
                HeldEvaluation(evaluation.due_on, "Actions on track (demo)"), now, evaluation.id
            )
    await agreement_store.insert_agreement(tx.conn, agreement)
    for event in events:
        await tx.emit(event, aggregate_version=agreement.version)
    for reminder in agreement.reminders(rules, now):
        await tx.schedule(reminder.key, reminder.event, reminder.at)
    await _announce_what_fell_due(tx, agreement, overdue, owner, rules, now)
    await store.add_history(
        tx.conn,
        partner.id,
        now,
        "agreement",
        f"signed:{agreement.id}",
        f"Agreement signed for {agreement.terms[0].starts_on} to {agreement.terms[0].ends_on}",
        {"agreement_id": str(agreement.id)},
    )
    if stage in {"running", "evaluation due"}:
        year = 1 + (today - starts_on).days // 365
        plan, agreed = ActionPlan.agree(
            agreement,
            year,
            [
                new_action("Two theses commissioned", indicators=["theses"]),
                new_action("Summer traineeships", indicators=["traineeships"]),
            ],
            now,
        )
        await agreement_store.save_plan(tx.conn, plan)
        await tx.emit(agreed, aggregate_version=plan.version)
    if index % 5 == 0:
        record, recorded = Handprint.record(
            partner.ref,
            today.year,
            None,
            {
                "traineeships": 1 + index % 4,
                "theses": index % 3,
                "employed": 1 + index % 5,
                "employed_underrepresented": index % 2,
                "procurement_criteria": index % 4,
            },
            "Summer jobs for students of the region (demo)",
            now,
        )
        await year_store.insert_handprint(tx.conn, record)
        for indicator in recorded:
            await tx.emit(indicator)


async def _announce_what_fell_due(
    tx: Transaction,
    agreement: Agreement,
    overdue_one: object,
    owner: Named,
    rules: ScheduleRules,
    now: datetime,
) -> None:
    """What the scheduler would have published by now, had the agreement been in the system
    since it was signed: the announcement of an evaluation falling due soon, the escalation
    of the overdue one, the announcement of a term ending soon."""
    notice = timedelta(days=rules.evaluation_notice_days)
    today = finnish_date(now)
    for evaluation in agreement.pending:
        if evaluation is overdue_one:
            await tx.emit(
                EvaluationOverdue(
                    evaluation_id=evaluation.id,
                    agreement_id=agreement.id,
                    partner=agreement.partner,
                    due_on=evaluation.due_on,
                    owner=owner.sealed,
                    uas_contact=agreement.uas_contact,
                    partner_contact=agreement.partner_contact,
                    detected_at=now,
                )
            )
        elif today <= evaluation.due_on <= today + notice:
            await tx.emit(
                EvaluationDue(
                    evaluation_id=evaluation.id,
                    agreement_id=agreement.id,
                    partner=agreement.partner,
                    due_on=evaluation.due_on,
                    uas_contact=agreement.uas_contact,
                    partner_contact=agreement.partner_contact,
                    announced_at=now,
                )
            )
    term = agreement.term
    if expiry_announced_at(term, rules) <= now and term.ends_on >= today:
        await tx.emit(
            AgreementExpiring(
                agreement_id=agreement.id,
                partner=agreement.partner,
                term=term,
                days_left=(term.ends_on - today).days,
                uas_contact=agreement.uas_contact,
                partner_contact=agreement.partner_contact,
                announced_at=now,
            )
        )


DEMO_DATA: list[DemoData[PartnershipsSettings]] = [DemoData("programme-v1", load_programme)]
