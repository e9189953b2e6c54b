"""Use cases of the agreement and its year: signing, renewal, ending, contact persons,
action plans, evaluations; the partner event; the handprint. Every change of an agreement
brings its scheduled reminders in line, under keys that make rescheduling exact."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from uuid import UUID

from arctic.contracts.events import Event
from arctic.contracts.vocabulary import ActionStatus, AgreementEndReason, AgreementSide
from arctic.partnerships import agreement_store, store, year_store
from arctic.partnerships.action_plans import Action, ActionPlan
from arctic.partnerships.agreements import Agreement, HeldEvaluation, Signing, reminder_keys
from arctic.partnerships.domain import NotFound, StateConflict
from arctic.partnerships.handlers import Named, emit, keep, load_partner
from arctic.partnerships.handprint import Handprint
from arctic.partnerships.schedule import ScheduleRules
from arctic.partnerships.valakiat import PartnerEvent, check_reply, invitations
from arctic.runtime.unit_of_work import Transaction


def invitation_key(invitation_id: UUID) -> str:
    """The scheduled event of a partner event invitation."""
    return f"partner-event-invitation:{invitation_id}"


async def load_agreement(tx: Transaction, agreement_id: UUID) -> Agreement:
    """An agreement, or NotFound."""
    agreement = await agreement_store.get_agreement(tx.conn, agreement_id)
    if agreement is None:
        raise NotFound("agreement", agreement_id)
    return agreement


async def change_agreement(
    tx: Transaction,
    agreement: Agreement,
    change: Callable[[], Event],
    rules: ScheduleRules,
    now: datetime,
) -> Event:
    """Apply a change, save it over the version read, emit its event, and schedule the
    reminders the agreement now wants (cancelling those it no longer wants)."""
    before = reminder_keys(agreement.reminders(rules, now))
    event = change()
    await agreement_store.update_agreement(tx.conn, agreement)
    await emit(tx, event, "agreement", agreement.id, agreement.version)
    wanted = agreement.reminders(rules, now)
    for reminder in wanted:
        await tx.schedule(reminder.key, reminder.event, reminder.at)
    for key in before - reminder_keys(wanted):
        await tx.cancel_schedule(key)
    return event


async def sign_agreement(
    tx: Transaction,
    agreement_id: UUID,
    starts_on: date,
    signed_on: date,
    uas_contact: Named | None,
    partner_contact: Named | None,
    owner: Named | None,
    rules: ScheduleRules,
    now: datetime,
) -> Agreement:
    """Sign a draft (AgreementSigned); its evaluations and the end of its term are scheduled.
    Contact persons not named stay as negotiated; the owner is the UAS contact unless named."""
    agreement = await load_agreement(tx, agreement_id)
    uas = agreement.uas_contact if uas_contact is None else uas_contact.sealed
    signing = Signing(
        starts_on,
        signed_on,
        uas,
        agreement.partner_contact if partner_contact is None else partner_contact.sealed,
        uas if owner is None else owner.sealed,
    )
    await change_agreement(tx, agreement, lambda: agreement.sign(signing, rules, now), rules, now)
    await keep(tx, [uas_contact, partner_contact, owner], now)
    await store.add_history(
        tx.conn,
        agreement.partner.partner_id,
        now,
        "agreement",
        f"signed:{agreement.id}",
        f"Agreement signed for {agreement.term.starts_on} to {agreement.term.ends_on}",
        {"agreement_id": str(agreement.id)},
    )
    return agreement


async def renew_agreement(
    tx: Transaction, agreement_id: UUID, rules: ScheduleRules, now: datetime
) -> Agreement:
    """A new term (AgreementRenewed); the evaluations continue into it."""
    agreement = await load_agreement(tx, agreement_id)
    await change_agreement(tx, agreement, lambda: agreement.renew(rules, now), rules, now)
    await store.add_history(
        tx.conn,
        agreement.partner.partner_id,
        now,
        "agreement",
        f"renewed:{agreement.id}:{len(agreement.terms)}",
        f"Agreement renewed until {agreement.term.ends_on}",
        {"agreement_id": str(agreement.id)},
    )
    return agreement


async def end_agreement(
    tx: Transaction,
    agreement_id: UUID,
    reason: AgreementEndReason,
    ended_on: date,
    note: str | None,
    rules: ScheduleRules,
    now: datetime,
) -> Agreement:
    """End an agreement (AgreementEnded); every reminder it had scheduled is cancelled, and
    the partner event invitations on its behalf not sent yet."""
    agreement = await load_agreement(tx, agreement_id)
    await change_agreement(
        tx, agreement, lambda: agreement.end(reason, ended_on, note, now), rules, now
    )
    for invitation_id in await year_store.invitations_to_send(tx.conn, agreement.id, now):
        await tx.cancel_schedule(invitation_key(invitation_id))
    await store.add_history(
        tx.conn,
        agreement.partner.partner_id,
        now,
        "agreement",
        f"ended:{agreement.id}",
        f"Agreement ended ({reason}) on {ended_on}",
        {"agreement_id": str(agreement.id)},
    )
    return agreement


async def change_contact(
    tx: Transaction,
    agreement_id: UUID,
    side: AgreementSide,
    contact: Named,
    rules: ScheduleRules,
    now: datetime,
) -> Agreement:
    """A side names a new contact person (ContactPersonChanged); the reminders scheduled
    from now on name them."""
    agreement = await load_agreement(tx, agreement_id)
    await change_agreement(
        tx, agreement, lambda: agreement.change_contact(side, contact.sealed, now), rules, now
    )
    await keep(tx, [contact], now)
    return agreement


async def hold_evaluation(
    tx: Transaction,
    agreement_id: UUID,
    held: HeldEvaluation,
    attendees: Sequence[Named],
    evaluation_id: UUID | None,
    rules: ScheduleRules,
    now: datetime,
) -> Agreement:
    """Record an evaluation meeting (EvaluationHeld); it settles the evaluation that was due,
    whose reminders are cancelled."""
    agreement = await load_agreement(tx, agreement_id)
    settled: list[UUID] = []

    def hold() -> Event:
        evaluation, event = agreement.hold_evaluation(held, now, evaluation_id)
        settled.append(evaluation.id)
        return event

    await change_agreement(tx, agreement, hold, rules, now)
    await keep(tx, attendees, now)
    await store.add_history(
        tx.conn,
        agreement.partner.partner_id,
        now,
        "evaluation",
        f"evaluation:{settled[0]}",
        f"Evaluation held on {held.held_on}",
        {"agreement_id": str(agreement.id), "summary": held.summary},
    )
    return agreement


async def agree_action_plan(
    tx: Transaction,
    agreement_id: UUID,
    year: int,
    actions: Sequence[Action],
    owners: Sequence[Named],
    now: datetime,
) -> ActionPlan:
    """Agree (again) the actions of an agreement year (ActionPlanAgreed)."""
    agreement = await load_agreement(tx, agreement_id)
    existing = await agreement_store.get_plan(tx.conn, agreement_id, year)
    plan, agreed = ActionPlan.agree(agreement, year, actions, now, existing)
    await agreement_store.save_plan(tx.conn, plan)
    await keep(tx, owners, now)
    await emit(tx, agreed, "action plan", plan.id, plan.version)
    await store.add_history(
        tx.conn,
        agreement.partner.partner_id,
        now,
        "action_plan",
        f"plan:{plan.id}:{plan.version}",
        f"Action plan agreed for year {year}",
        {"agreement_id": str(agreement.id), "actions": [a.title for a in plan.actions]},
    )
    return plan


async def set_action_status(
    tx: Transaction,
    agreement_id: UUID,
    year: int,
    action_id: UUID,
    status: ActionStatus,
    now: datetime,
) -> ActionPlan:
    """Record how far one action got (no event: the evaluation reports realisation)."""
    plan = await agreement_store.get_plan(tx.conn, agreement_id, year)
    if plan is None:
        raise NotFound("action plan", f"{agreement_id}/{year}")
    plan.set_status(action_id, status, now)
    await agreement_store.save_plan(tx.conn, plan)
    return plan


async def announce_partner_event(
    tx: Transaction, event: PartnerEvent, weeks_ahead: int, now: datetime
) -> int:
    """The year's partner event: an invitation to each contact person of every partner whose
    agreement is active on its day, scheduled `weeks_ahead` weeks before (PartnerEvent-
    InvitationIssued); how many."""
    if not await year_store.insert_partner_event(tx.conn, event):
        raise StateConflict(f"the {event.year} partner event is announced already", "announced")
    agreements = await agreement_store.active_agreements(tx.conn)
    partners = await store.partners_by_id(tx.conn, [a.partner.partner_id for a in agreements])
    issued = invitations(event, agreements, partners, weeks_ahead, now)
    await year_store.insert_invitations(tx.conn, issued)
    for invitation in issued:
        await tx.schedule(invitation_key(invitation.id), invitation.event, invitation.send_at)
    return len(issued)


async def reply_to_invitation(
    tx: Transaction, event: PartnerEvent, invitation_id: UUID, attending: bool, now: datetime
) -> None:
    """The invited contact replies; the partner's history shows it."""
    invitation = await year_store.get_invitation(tx.conn, invitation_id)
    if invitation is None or invitation["partner_event_id"] != event.id:
        raise NotFound("invitation", invitation_id)
    check_reply(event.held_on, event.reply_by, now)
    await year_store.reply(tx.conn, invitation_id, attending, now)
    title = f"{event.name} {event.year}: {'attending' if attending else 'not attending'}"
    await store.replace_history(
        tx.conn,
        invitation["partner_id"],
        now,
        "partner_event",
        f"valakiat:{invitation_id}",
        title,
        {"partner_event_id": str(event.id), "attending": attending},
    )


async def record_handprint(
    tx: Transaction,
    partner_id: UUID,
    year: int,
    action_id: UUID | None,
    counts: dict[str, int],
    impact: str | None,
    now: datetime,
) -> Handprint:
    """Record the partner's handprint indicators for a year (HandprintRecorded each)."""
    partner = await load_partner(tx, partner_id)
    record, recorded = Handprint.record(partner.ref, year, action_id, counts, impact, now)
    await year_store.insert_handprint(tx.conn, record)
    for event in recorded:
        await emit(tx, event, "handprint", record.id, None)
    await store.add_history(
        tx.conn,
        partner.id,
        now,
        "handprint",
        f"handprint:{record.id}",
        f"Social handprint recorded for {year}",
        {"counts": record.counts},
    )
    return record
