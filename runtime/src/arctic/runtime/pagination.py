"""Cursor pagination for every list endpoint: newest first by default, stable under inserts.

A list is ordered by a keyset (a time column and a unique id that breaks ties,
`Keyset("created_at", "id")`) with an index on `(time, id)`, or `(filter column, time,
id)` for a filtered list, behind it. A page holds the rows after the cursor's position in
that order, so rows added meanwhile never shift a later page: no row comes twice and none is
skipped. The cursor is opaque to callers (base64url of the order and the last row's key).

    @router.get("/things", response_model=Page[ThingView])
    async def list_things(page: PageDep, uow: UnitOfWorkDep, status: str | None = None):
        rows, next_cursor = await fetch_page(
            uow.pool, "SELECT * FROM things", {"status": status}, page
        )
        return Page(items=[ThingView.of(row) for row in rows], next_cursor=next_cursor)
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Generic, TypeVar
from uuid import UUID

import asyncpg
import orjson
from fastapi import Depends, Query
from pydantic import BaseModel, Field

from arctic.runtime.problems import InvalidField

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
T = TypeVar("T")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


class Order(StrEnum):
    """Which end of the list comes first."""

    newest = "newest"
    oldest = "oldest"


@dataclass(frozen=True)
class Keyset:
    """The columns a list is ordered by: a time, and a unique id breaking ties."""

    time: str = "created_at"
    id: str = "id"


@dataclass(frozen=True)
class PageRequest:
    """Which page a caller asked for: its size, its order and where the last one ended."""

    limit: int = DEFAULT_LIMIT
    order: Order = Order.newest
    after: tuple[datetime, UUID] | None = None


class InvalidCursor(InvalidField):
    """The cursor was not one this API handed out (or belongs to the other order)."""

    def __init__(self, why: str) -> None:
        super().__init__("cursor", why)


class Page(BaseModel, Generic[T]):
    """One page of a list, and the cursor of the next (None on the last page)."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


def encode_cursor(order: Order, time: datetime, row_id: UUID) -> str:
    """The opaque cursor of the position after the row keyed (time, row_id)."""
    raw = orjson.dumps([order.value, time.isoformat(), str(row_id)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, order: Order) -> tuple[datetime, UUID]:
    """The position a cursor stands for; InvalidCursor when it was not made for `order`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, time, row_id = orjson.loads(raw)
        position = datetime.fromisoformat(time), UUID(row_id)
    except (binascii.Error, orjson.JSONDecodeError, ValueError, TypeError):
        raise InvalidCursor("not a cursor this API gave out") from None
    if made_for != order.value or position[0].tzinfo is None:
        raise InvalidCursor(f"this cursor belongs to a list in another order than {order}")
    return position


def page_request(
    cursor: Annotated[
        str | None,
        Query(max_length=200, description="`next_cursor` of the previous page"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")] = DEFAULT_LIMIT,
    order: Annotated[Order, Query(description="`newest` first (default) or `oldest`")] = (
        Order.newest
    ),
) -> PageRequest:
    """The dependency reading `cursor`, `limit` and `order` from the query string."""
    after = decode_cursor(cursor, order) if cursor else None
    return PageRequest(limit, order, after)


PageDep = Annotated[PageRequest, Depends(page_request)]


async def fetch_page(
    db: asyncpg.Pool | asyncpg.Connection,
    select: str,
    filters: Mapping[str, object | None],
    page: PageRequest,
    keyset: Keyset = Keyset(),
) -> tuple[list[asyncpg.Record], str | None]:
    """One page of `select` (`SELECT ... FROM table`, no WHERE), its rows equal to each
    non-None filter value (column name → value), in the keyset's order; and the next cursor."""
    conditions, args = [], []
    for column, value in filters.items():
        if value is not None:
            args.append(value)
            conditions.append(f"{_column(column)} = ${len(args)}")
    time, row_id = _column(keyset.time), _column(keyset.id)
    newest = page.order is Order.newest
    if page.after is not None:
        args += page.after
        before_or_after = "<" if newest else ">"
        conditions.append(f"({time}, {row_id}) {before_or_after} (${len(args) - 1}, ${len(args)})")
    direction = "DESC" if newest else "ASC"
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    args.append(page.limit + 1)
    rows = await db.fetch(
        f"{select}{where} ORDER BY {time} {direction}, {row_id} {direction} LIMIT ${len(args)}",
        *args,
    )
    if len(rows) <= page.limit:
        return list(rows), None
    last = rows[page.limit - 1]
    return list(rows[: page.limit]), encode_cursor(page.order, last[keyset.time], last[keyset.id])


def _column(name: str) -> str:
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"{name!r} is not a column name")
    return name
