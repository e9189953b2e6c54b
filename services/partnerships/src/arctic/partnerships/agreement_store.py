"""The SQL of agreements, their evaluations and action plans."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

import asyncpg
import orjson

from arctic.contracts.events import ActionRealisation, Partner, Term
from arctic.contracts.vocabulary import ActionStatus, AgreementEndReason
from arctic.partnerships.action_plans import Action, ActionPlan
from arctic.partnerships.agreements import Agreement, AgreementStatus, Evaluation, EvaluationStatus
from arctic.partnerships.store import Db, dump, person, persons, required
from arctic.runtime.pagination import Keyset, PageRequest, fetch_page
from arctic.runtime.unit_of_work import expect_changed

_AGREEMENT = """id, partner_id, partner, negotiation_id, focus_areas, goals, uas_contact,
    partner_contact, owner, status, terms, ends_on, signed_on, ended_on, end_reason, end_note,
    version, created_at"""


def _agreement_values(agreement: Agreement) -> tuple[object, ...]:
    return (
        agreement.id,
        agreement.partner.partner_id,
        dump(agreement.partner),
        agreement.negotiation_id,
        agreement.focus_areas,
        agreement.goals,
        dump(agreement.uas_contact),
        dump(agreement.partner_contact),
        None if agreement.owner is None else dump(agreement.owner),
        agreement.status.value,
        dump(agreement.terms),
        agreement.terms[-1].ends_on if agreement.terms else None,
        agreement.signed_on,
        agreement.ended_on,
        None if agreement.end_reason is None else agreement.end_reason.value,
        agreement.end_note,
        agreement.version,
        agreement.created_at,
    )


async def insert_agreement(conn: asyncpg.Connection, agreement: Agreement) -> None:
    """Store a new agreement (a draft) and its evaluations."""
    await conn.execute(
        f"""INSERT INTO agreements ({_AGREEMENT}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
            $10, $11, $12, $13, $14, $15, $16, $17, $18)""",
        *_agreement_values(agreement),
    )
    await _save_evaluations(conn, agreement)


async def update_agreement(conn: asyncpg.Connection, agreement: Agreement) -> None:
    """Save a change of an agreement read at `version - 1`, with its evaluations."""
    values = _agreement_values(agreement)
    status = await conn.execute(
        """UPDATE agreements SET uas_contact = $2, partner_contact = $3, owner = $4,
               status = $5, terms = $6, ends_on = $7, signed_on = $8, ended_on = $9,
               end_reason = $10, end_note = $11, version = $12
           WHERE id = $1 AND version = $12 - 1""",
        agreement.id,
        *values[6:17],
    )
    expect_changed(status, "agreement", agreement.id, agreement.version - 1)
    await _save_evaluations(conn, agreement)


async def _save_evaluations(conn: asyncpg.Connection, agreement: Agreement) -> None:
    await conn.executemany(
        """INSERT INTO evaluations (id, agreement_id, term_number, due_on, status, held_on,
               summary, realisation, attendees, recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, held_on = EXCLUDED.held_on,
               summary = EXCLUDED.summary, realisation = EXCLUDED.realisation,
               attendees = EXCLUDED.attendees, recorded_at = EXCLUDED.recorded_at""",
        [
            (
                e.id,
                agreement.id,
                e.term_number,
                e.due_on,
                e.status.value,
                e.held_on,
                e.summary,
                dump(e.realisation),
                dump(e.attendees),
                e.recorded_at,
            )
            for e in agreement.evaluations
        ],
    )


async def get_agreement(db: Db, agreement_id: UUID) -> Agreement | None:
    """An agreement with its evaluations, or None."""
    row = await db.fetchrow(f"SELECT {_AGREEMENT} FROM agreements WHERE id = $1", agreement_id)
    if row is None:
        return None
    return (await _with_evaluations(db, [row]))[0]


async def active_agreements(db: Db) -> list[Agreement]:
    """Every active agreement, with its evaluations."""
    rows = await db.fetch(
        f"SELECT {_AGREEMENT} FROM agreements WHERE status = 'active' ORDER BY created_at, id"
    )
    return await _with_evaluations(db, rows)


async def list_agreements(
    db: Db,
    page: PageRequest,
    status: AgreementStatus | None,
    partner_id: UUID | None,
    pending_by: date | None,
    overdue_on: date | None,
) -> tuple[list[Agreement], str | None]:
    """A page of agreements: of one status or partner; with an evaluation pending on or
    before `pending_by`; with one whose due date passed before `overdue_on`."""
    conditions = []
    if pending_by is not None:
        conditions.append(
            "EXISTS (SELECT 1 FROM evaluations e WHERE e.agreement_id = a.id "
            f"AND e.status = 'pending' AND e.due_on <= '{pending_by.isoformat()}'::date)"
        )
    if overdue_on is not None:
        conditions.append(
            "EXISTS (SELECT 1 FROM evaluations e WHERE e.agreement_id = a.id "
            f"AND e.status = 'pending' AND e.due_on < '{overdue_on.isoformat()}'::date)"
        )
    # The worklist's conditions go into a subquery, so that fetch_page adds its own WHERE;
    # the dates are `date`s, written as ISO literals (no caller's text reaches the SQL).
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    rows, cursor = await fetch_page(
        db,
        f"SELECT * FROM (SELECT {_AGREEMENT} FROM agreements a{where}) AS worklist",
        {
            "status": None if status is None else status.value,
            "partner_id": partner_id,
        },
        page,
        Keyset("created_at", "id"),
    )
    return await _with_evaluations(db, rows), cursor


async def _with_evaluations(db: Db, rows: Sequence[asyncpg.Record]) -> list[Agreement]:
    evaluations = await db.fetch(
        """SELECT * FROM evaluations WHERE agreement_id = ANY($1::uuid[])
           ORDER BY due_on, id""",
        [r["id"] for r in rows],
    )
    by_agreement: dict[UUID, list[Evaluation]] = {}
    for e in evaluations:
        by_agreement.setdefault(e["agreement_id"], []).append(
            Evaluation(
                e["id"],
                e["term_number"],
                e["due_on"],
                EvaluationStatus(e["status"]),
                e["held_on"],
                e["summary"],
                [ActionRealisation.model_validate(r) for r in orjson.loads(e["realisation"])],
                persons(e["attendees"]),
                e["recorded_at"],
            )
        )
    return [_to_agreement(r, by_agreement.get(r["id"], [])) for r in rows]


def _to_agreement(row: asyncpg.Record, evaluations: list[Evaluation]) -> Agreement:
    return Agreement(
        id=row["id"],
        partner=Partner.model_validate_json(row["partner"]),
        negotiation_id=row["negotiation_id"],
        focus_areas=list(row["focus_areas"]),
        goals=list(row["goals"]),
        uas_contact=required(row["uas_contact"]),
        partner_contact=required(row["partner_contact"]),
        created_at=row["created_at"],
        status=AgreementStatus(row["status"]),
        owner=person(row["owner"]),
        terms=[Term.model_validate(t) for t in orjson.loads(row["terms"])],
        evaluations=evaluations,
        signed_on=row["signed_on"],
        ended_on=row["ended_on"],
        end_reason=None if row["end_reason"] is None else AgreementEndReason(row["end_reason"]),
        end_note=row["end_note"],
        version=row["version"],
    )


def _dump_actions(actions: Sequence[Action]) -> str:
    return orjson.dumps([a.planned.model_dump(mode="json") for a in actions]).decode()


async def save_plan(conn: asyncpg.Connection, plan: ActionPlan) -> None:
    """Store a new plan, or save a change of one read at `version - 1`."""
    if plan.version == 1:
        await conn.execute(
            """INSERT INTO action_plans (id, agreement_id, agreement_year, starts_on, ends_on,
                   actions, agreed_at, updated_at, version)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
            plan.id,
            plan.agreement_id,
            plan.agreement_year,
            plan.starts_on,
            plan.ends_on,
            _dump_actions(plan.actions),
            plan.agreed_at,
            plan.updated_at,
            plan.version,
        )
        return
    status = await conn.execute(
        """UPDATE action_plans SET actions = $2, agreed_at = $3, updated_at = $4, version = $5
           WHERE id = $1 AND version = $5 - 1""",
        plan.id,
        _dump_actions(plan.actions),
        plan.agreed_at,
        plan.updated_at,
        plan.version,
    )
    expect_changed(status, "action plan", plan.id, plan.version - 1)


async def get_plan(db: Db, agreement_id: UUID, year: int) -> ActionPlan | None:
    """The plan of an agreement year, or None."""
    row = await db.fetchrow(
        "SELECT * FROM action_plans WHERE agreement_id = $1 AND agreement_year = $2",
        agreement_id,
        year,
    )
    return None if row is None else _to_plan(row)


async def plans_of(db: Db, agreement_id: UUID) -> list[ActionPlan]:
    """Every plan of an agreement, by year."""
    rows = await db.fetch(
        "SELECT * FROM action_plans WHERE agreement_id = $1 ORDER BY agreement_year",
        agreement_id,
    )
    return [_to_plan(r) for r in rows]


def _to_plan(row: asyncpg.Record) -> ActionPlan:
    actions = []
    for a in orjson.loads(row["actions"]):
        actions.append(
            Action(
                UUID(a["action_id"]),
                a["title"],
                a.get("description"),
                None if a.get("due_on") is None else date.fromisoformat(a["due_on"]),
                ActionStatus(a.get("status") or ActionStatus.not_started),
                person(orjson.dumps(a["uas_owner"]).decode() if a.get("uas_owner") else None),
                person(
                    orjson.dumps(a["partner_owner"]).decode() if a.get("partner_owner") else None
                ),
                tuple(a.get("indicators") or ()),
            )
        )
    return ActionPlan(
        row["id"],
        row["agreement_id"],
        row["agreement_year"],
        row["starts_on"],
        row["ends_on"],
        actions,
        row["agreed_at"],
        row["version"],
        row["updated_at"],
    )
