"""The SQL of prototyping."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from arctic.prototyping.domain import PrototypeRequest

_COLUMNS = """id, company_name, business_id, contact_name, contact_email, contact_language,
    title, problem, disciplines, stage, showcase_consent, origin_inquiry_id, status, requested_at"""


async def insert_request(conn: asyncpg.Connection, request: PrototypeRequest) -> None:
    """Store a new request."""
    contact = request.company.contact
    await conn.execute(
        f"INSERT INTO prototype_requests ({_COLUMNS}) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        request.id,
        request.company.name,
        request.company.business_id,
        contact.name,
        str(contact.email),
        contact.language.value,
        request.title,
        request.problem,
        [d.value for d in request.disciplines],
        request.stage.value,
        request.showcase_consent,
        request.origin_inquiry_id,
        request.status.value,
        request.requested_at,
    )


async def get_request(
    conn: asyncpg.Connection | asyncpg.Pool, request_id: UUID
) -> PrototypeRequest | None:
    """A stored request, or None."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM prototype_requests WHERE id = $1",
        request_id,
    )
    if row is None:
        return None
    return PrototypeRequest.model_validate(
        {
            **dict(row),
            "company": {
                "name": row["company_name"],
                "business_id": row["business_id"],
                "contact": {
                    "name": row["contact_name"],
                    "email": row["contact_email"],
                    "language": row["contact_language"],
                },
            },
        }
    )
