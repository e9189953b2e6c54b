"""The SQL of inquiries."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from arctic.catalogue.inquiries import Inquiry, InquiryStatus, Route, Suggestion
from arctic.catalogue.store import Db
from arctic.contracts.vocabulary import (
    Organisation,
    Person,
    RouteTarget,
    Stage,
)
from arctic.runtime import contact_columns
from arctic.runtime.pagination import Keyset, PageRequest, fetch_page
from arctic.runtime.unit_of_work import expect_changed

BY_RECEIVED = Keyset("received_at", "id")
_COLUMNS = f"""id, {contact_columns.COLUMNS}, need, stage, offering_id, status, version,
    received_at, respond_by, routing, routed_at, answer, answered_at"""


async def insert_inquiry(conn: asyncpg.Connection, inquiry: Inquiry) -> None:
    """Store a new inquiry."""
    assert inquiry.contact is not None, "a new inquiry has its contact in clear"
    await conn.execute(
        f"""INSERT INTO inquiries ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
               $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)""",
        inquiry.id,
        *contact_columns.contact_values(inquiry.company, inquiry.contact),
        inquiry.need,
        inquiry.stage.value,
        inquiry.offering_id,
        *_state(inquiry),
    )


async def update_inquiry(conn: asyncpg.Connection, inquiry: Inquiry) -> None:
    """Save a change of an inquiry read at `inquiry.version - 1`; ConcurrentChange when
    another unit of work saved one since."""
    status = await conn.execute(
        """UPDATE inquiries SET status = $2, version = $3, received_at = $4, respond_by = $5,
               routing = $6, routed_at = $7, answer = $8, answered_at = $9
           WHERE id = $1 AND version = $3 - 1""",
        inquiry.id,
        *_state(inquiry),
    )
    expect_changed(status, "inquiry", inquiry.id, inquiry.version - 1)


def _state(inquiry: Inquiry) -> tuple[object, ...]:
    return (
        inquiry.status.value,
        inquiry.version,
        inquiry.received_at,
        inquiry.respond_by,
        None if inquiry.route is None else _routing_json(inquiry),
        inquiry.routed_at,
        inquiry.answer,
        inquiry.answered_at,
    )


def _routing_json(inquiry: Inquiry) -> str:
    route = inquiry.route
    assert route is not None
    routing: dict[str, Any] = {
        "target": route.target.value,
        "organisations": {k: v.model_dump(mode="json") for k, v in route.organisations.items()},
        "suggestions": [{**vars(s), "offering_id": str(s.offering_id)} for s in route.suggestions],
        "reasons": list(route.reasons),
        "funding": [[str(i), name] for i, name in route.funding],
        "assignees": [p.model_dump(mode="json") for p in inquiry.assignees],
    }
    return orjson.dumps(routing).decode()


async def get_inquiry(db: Db, inquiry_id: UUID) -> Inquiry | None:
    """A stored inquiry, or None."""
    row = await db.fetchrow(f"SELECT {_COLUMNS} FROM inquiries WHERE id = $1", inquiry_id)
    return None if row is None else _to_inquiry(row)


async def list_inquiries(
    db: Db, page: PageRequest, status: InquiryStatus | None
) -> tuple[list[Inquiry], str | None]:
    """A page of inquiries, newest first unless asked otherwise, of one status or all."""
    rows, next_cursor = await fetch_page(
        db,
        f"SELECT {_COLUMNS} FROM inquiries",
        {"status": None if status is None else status.value},
        page,
        BY_RECEIVED,
    )
    return [_to_inquiry(r) for r in rows], next_cursor


async def erase_contact(conn: asyncpg.Connection, person_id: UUID, at: datetime) -> int:
    """Erase a company contact's details from the inquiries naming them; how many."""
    return await contact_columns.erase_contact(conn, "inquiries", person_id, at)


def _to_inquiry(row: asyncpg.Record) -> Inquiry:
    route, assignees = None, []
    if row["routing"] is not None:
        r = orjson.loads(row["routing"])
        route = Route(
            RouteTarget(r["target"]),
            {k: Organisation.model_validate(v) for k, v in r["organisations"].items()},
            tuple(
                Suggestion(UUID(s["offering_id"]), s["title"], s["organisation"], s["score"])
                for s in r["suggestions"]
            ),
            tuple(r["reasons"]),
            tuple((UUID(i), name) for i, name in r["funding"]),
        )
        assignees = [Person.model_validate(p) for p in r["assignees"]]
    return Inquiry(
        id=row["id"],
        company=contact_columns.company_of(row),
        contact=contact_columns.contact_of(row),
        need=row["need"],
        stage=Stage(row["stage"]),
        offering_id=row["offering_id"],
        received_at=row["received_at"],
        respond_by=row["respond_by"],
        status=InquiryStatus(row["status"]),
        version=row["version"],
        route=route,
        routed_at=row["routed_at"],
        answer=row["answer"],
        answered_at=row["answered_at"],
        assignees=assignees,
    )
