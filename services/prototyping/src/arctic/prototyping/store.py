"""The SQL of prototyping."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeAlias
from uuid import UUID

import asyncpg
import orjson

from arctic.contracts.events import Expert, Showcase, Suggestion
from arctic.contracts.vocabulary import (
    Discipline,
    PrototypeOutcome,
    Stage,
)
from arctic.prototyping.domain import (
    Delivery,
    Milestone,
    PrototypeRequest,
    Rejection,
    RequestStatus,
)
from arctic.prototyping.reports import RequestFacts
from arctic.prototyping.timebox import MilestoneName, TimeBox
from arctic.runtime import contact_columns
from arctic.runtime.pagination import Keyset, PageRequest, fetch_page
from arctic.runtime.unit_of_work import expect_changed

Db: TypeAlias = asyncpg.Connection | asyncpg.Pool
BY_REQUESTED = Keyset("requested_at", "id")
_COLUMNS = f"""id, {contact_columns.COLUMNS},
    title, problem, disciplines, stage, showcase_consent, origin_inquiry_id, status, requested_at,
    version, decided_at, confirmed_disciplines, rejection_reason, suggestions,
    partner, team, starts_on, due_on, milestones, delivery, delivered_at"""
_PLACEHOLDERS = ", ".join(f"${n}" for n in range(1, 30))


async def insert_request(conn: asyncpg.Connection, request: PrototypeRequest) -> bool:
    """Store a new request; False (nothing stored) when a request was opened from the same
    inquiry before."""
    status: str = await conn.execute(
        f"INSERT INTO prototype_requests ({_COLUMNS}, contact_erased_at) "
        f"VALUES ({_PLACEHOLDERS}, $30) "
        "ON CONFLICT (origin_inquiry_id) WHERE origin_inquiry_id IS NOT NULL DO NOTHING",
        request.id,
        *contact_columns.contact_values(request.company, request.contact),
        request.title,
        request.problem,
        [d.value for d in request.disciplines],
        request.stage.value,
        request.showcase_consent,
        request.origin_inquiry_id,
        *_decision(request),
        request.requested_at if request.contact is None else None,
    )
    return status == "INSERT 0 1"


async def update_request(conn: asyncpg.Connection, request: PrototypeRequest) -> None:
    """Save a change of a request read at `request.version - 1`; ConcurrentChange when another
    unit of work saved one since."""
    status = await conn.execute(
        """UPDATE prototype_requests SET status = $2, requested_at = $3, version = $4,
               decided_at = $5, confirmed_disciplines = $6, rejection_reason = $7,
               suggestions = $8, partner = $9, team = $10, starts_on = $11, due_on = $12,
               milestones = $13, delivery = $14, delivered_at = $15
           WHERE id = $1 AND version = $4 - 1""",
        request.id,
        *_decision(request),
    )
    expect_changed(status, "prototype request", request.id, request.version - 1)


def _decision(request: PrototypeRequest) -> tuple[object, ...]:
    """The values of the columns a change can touch, from `status` on."""
    rejection, box, delivery = request.rejection, request.time_box, request.delivery
    return (
        request.status.value,
        request.requested_at,
        request.version,
        request.decided_at,
        [d.value for d in request.confirmed_disciplines],
        None if rejection is None else rejection.reason,
        None
        if rejection is None
        else orjson.dumps([s.model_dump(mode="json") for s in rejection.suggestions]).decode(),
        request.partner,
        _json([member.model_dump(mode="json") for member in request.team]),
        None if box is None else box.starts_on,
        None if box is None else box.due_on,
        _json([_milestone_json(m) for m in request.milestones]),
        None if delivery is None else _json(_delivery_json(delivery)),
        request.delivered_at,
    )


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _milestone_json(milestone: Milestone) -> dict[str, Any]:
    return {
        "milestone_id": str(milestone.milestone_id),
        "name": milestone.name.value,
        "due_on": milestone.due_on.isoformat(),
        "reached_at": None if milestone.reached_at is None else milestone.reached_at.isoformat(),
    }


def _milestone(value: dict[str, Any]) -> Milestone:
    reached = value["reached_at"]
    return Milestone(
        UUID(value["milestone_id"]),
        MilestoneName(value["name"]),
        date.fromisoformat(value["due_on"]),
        None if reached is None else datetime.fromisoformat(reached),
    )


def _delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "outcome": delivery.outcome.value,
        "outcome_summary": delivery.outcome_summary,
        "next_step": None
        if delivery.next_step is None
        else delivery.next_step.model_dump(mode="json"),
        "showcase": None
        if delivery.showcase is None
        else delivery.showcase.model_dump(mode="json"),
    }


def _delivery(value: dict[str, Any]) -> Delivery:
    return Delivery(
        PrototypeOutcome(value["outcome"]),
        value["outcome_summary"],
        None if value["next_step"] is None else Suggestion.model_validate(value["next_step"]),
        None if value["showcase"] is None else Showcase.model_validate(value["showcase"]),
    )


async def get_request(db: Db, request_id: UUID) -> PrototypeRequest | None:
    """A stored request, or None."""
    row = await db.fetchrow(f"SELECT {_COLUMNS} FROM prototype_requests WHERE id = $1", request_id)
    return None if row is None else _to_request(row)


async def list_requests(
    db: Db,
    page: PageRequest,
    status: RequestStatus | None = None,
    business_id: str | None = None,
) -> tuple[list[PrototypeRequest], str | None]:
    """A page of requests, newest first unless asked otherwise, of one status or all, of one
    company or all."""
    rows, next_cursor = await fetch_page(
        db,
        f"SELECT {_COLUMNS} FROM prototype_requests",
        {"business_id": business_id, "status": None if status is None else status.value},
        page,
        BY_REQUESTED,
    )
    return [_to_request(row) for row in rows], next_cursor


async def triage_queue(db: Db, today: date, limit: int) -> list[tuple[PrototypeRequest, bool]]:
    """The requests waiting for triage with whether their company is a partner today:
    partners first, then the longest waiting."""
    rows = await db.fetch(
        f"""SELECT {_COLUMNS}, EXISTS (
                SELECT 1 FROM partner_agreements a
                WHERE a.business_id = r.business_id AND a.starts_on <= $1 AND $1 <= a.ends_on
                  AND (a.ended_on IS NULL OR $1 <= a.ended_on)) AS active_partner
            FROM prototype_requests r WHERE status = 'requested'
            ORDER BY active_partner DESC, requested_at, id LIMIT $2""",
        today,
        limit,
    )
    return [(_to_request(row), row["active_partner"]) for row in rows]


async def is_partner(db: Db, business_id: str, today: date) -> bool:
    """Whether the company has a partnership agreement in force today."""
    found: bool = await db.fetchval(
        """SELECT EXISTS (SELECT 1 FROM partner_agreements
               WHERE business_id = $1 AND starts_on <= $2 AND $2 <= ends_on
                 AND (ended_on IS NULL OR $2 <= ended_on))""",
        business_id,
        today,
    )
    return found


async def record_agreement(
    conn: asyncpg.Connection, agreement_id: UUID, business_id: str, starts_on: date, ends_on: date
) -> None:
    """An agreement signed or renewed: its term covers at least these days (events may
    arrive in any order, so the term only grows)."""
    await conn.execute(
        """INSERT INTO partner_agreements (agreement_id, business_id, starts_on, ends_on)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (agreement_id) DO UPDATE
           SET starts_on = LEAST(partner_agreements.starts_on, EXCLUDED.starts_on),
               ends_on = GREATEST(partner_agreements.ends_on, EXCLUDED.ends_on)""",
        agreement_id,
        business_id,
        starts_on,
        ends_on,
    )


async def record_agreement_end(
    conn: asyncpg.Connection,
    agreement_id: UUID,
    business_id: str,
    term: tuple[date, date],
    ended_on: date,
) -> None:
    """An agreement ended on `ended_on` (the company is no partner after that day)."""
    await conn.execute(
        """INSERT INTO partner_agreements (agreement_id, business_id, starts_on, ends_on, ended_on)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (agreement_id) DO UPDATE SET ended_on = EXCLUDED.ended_on""",
        agreement_id,
        business_id,
        *term,
        ended_on,
    )


async def showcased(db: Db, limit: int) -> list[PrototypeRequest]:
    """Delivered prototypes whose company consented to the showcase, newest first."""
    rows = await db.fetch(
        f"""SELECT {_COLUMNS} FROM prototype_requests
            WHERE status = 'delivered' AND showcase_consent AND delivery -> 'showcase' <> 'null'
            ORDER BY delivered_at DESC, id DESC LIMIT $1""",
        limit,
    )
    return [_to_request(row) for row in rows]


async def erase_contact(conn: asyncpg.Connection, person_id: UUID, at: datetime) -> int:
    """Erase a contact person's details from every request naming them (the sealed form,
    unreadable once their key is gone, stays for the request's later events); return how
    many requests were touched."""
    return await contact_columns.erase_contact(conn, "prototype_requests", person_id, at)


def _to_request(row: asyncpg.Record) -> PrototypeRequest:
    rejection = None
    if row["rejection_reason"] is not None:
        suggestions = orjson.loads(row["suggestions"] or "[]")
        rejection = Rejection(
            row["rejection_reason"], tuple(Suggestion.model_validate(s) for s in suggestions)
        )
    return PrototypeRequest(
        id=row["id"],
        company=contact_columns.company_of(row),
        contact=contact_columns.contact_of(row),
        title=row["title"],
        problem=row["problem"],
        disciplines=[Discipline(d) for d in row["disciplines"]],
        stage=Stage(row["stage"]),
        showcase_consent=row["showcase_consent"],
        origin_inquiry_id=row["origin_inquiry_id"],
        requested_at=row["requested_at"],
        status=RequestStatus(row["status"]),
        version=row["version"],
        decided_at=row["decided_at"],
        confirmed_disciplines=[Discipline(d) for d in row["confirmed_disciplines"]],
        rejection=rejection,
        partner=row["partner"],
        team=[Expert.model_validate(member) for member in orjson.loads(row["team"])],
        time_box=None if row["starts_on"] is None else TimeBox(row["starts_on"], row["due_on"]),
        milestones=[_milestone(m) for m in orjson.loads(row["milestones"])],
        delivery=None if row["delivery"] is None else _delivery(orjson.loads(row["delivery"])),
        delivered_at=row["delivered_at"],
    )


async def facts_of_year(db: Db, year: int) -> list[RequestFacts]:
    """What the figures need of each request made in `year` (Finland's calendar); the
    confirmed disciplines once accepted, the requested ones before."""
    rows = await db.fetch(
        """SELECT status, disciplines, confirmed_disciplines, partner, requested_at, due_on,
                  delivered_at
           FROM prototype_requests
           WHERE requested_at >= make_timestamptz($1, 1, 1, 0, 0, 0, 'Europe/Helsinki')
             AND requested_at < make_timestamptz($1 + 1, 1, 1, 0, 0, 0, 'Europe/Helsinki')""",
        year,
    )
    return [
        RequestFacts(
            status=RequestStatus(row["status"]),
            disciplines=[Discipline(d) for d in row["confirmed_disciplines"] or row["disciplines"]],
            partner=row["partner"],
            requested_at=row["requested_at"],
            due_on=row["due_on"],
            delivered_at=row["delivered_at"],
        )
        for row in rows
    ]
