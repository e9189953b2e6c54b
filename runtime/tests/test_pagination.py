"""Cursor pagination: newest first, every row once across pages, stable while rows arrive."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from arctic.runtime.pagination import (
    InvalidCursor,
    Keyset,
    Order,
    PageRequest,
    decode_cursor,
    encode_cursor,
    fetch_page,
    page_request,
)

START = datetime(2025, 3, 1, 9, tzinfo=UTC)
NOTES = "SELECT id, created_at, kind FROM notes"


def test_a_cursor_stands_for_the_position_it_was_made_at() -> None:
    row_id = uuid.uuid4()
    cursor = encode_cursor(Order.newest, START, row_id)
    assert decode_cursor(cursor, Order.newest) == (START, row_id)
    assert page_request(cursor, 10, Order.newest) == PageRequest(10, Order.newest, (START, row_id))


@pytest.mark.parametrize(
    "cursor", ["", "%%%", "bm90IGpzb24", encode_cursor(Order.oldest, START, uuid.uuid4())]
)
def test_a_cursor_not_made_by_the_api_for_this_order_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor) as refused:
        decode_cursor(cursor, Order.newest)
    assert refused.value.extensions["errors"][0]["field"] == "cursor"


@pytest.fixture
async def notes(pool: asyncpg.Pool) -> list[tuple[datetime, uuid.UUID]]:
    """25 notes; every five share their time, so the id decides between them."""
    await pool.execute(
        "CREATE TABLE notes (id uuid PRIMARY KEY, created_at timestamptz NOT NULL, kind text)"
    )
    await pool.execute("CREATE INDEX notes_listing ON notes (created_at, id)")
    rows = [
        (START + timedelta(minutes=i // 5), uuid.uuid4(), "odd" if i % 2 else "even")
        for i in range(25)
    ]
    await pool.executemany("INSERT INTO notes (created_at, id, kind) VALUES ($1, $2, $3)", rows)
    return sorted((time, row_id) for time, row_id, _ in rows)


async def all_pages(
    pool: asyncpg.Pool, page: PageRequest, **filters: object
) -> list[list[uuid.UUID]]:
    pages = []
    while True:
        rows, cursor = await fetch_page(pool, NOTES, filters, page)
        pages.append([row["id"] for row in rows])
        if cursor is None:
            return pages
        page = PageRequest(page.limit, page.order, decode_cursor(cursor, page.order))


async def test_pages_run_newest_first_and_hold_every_row_once(
    pool: asyncpg.Pool, notes: list[tuple[datetime, uuid.UUID]]
) -> None:
    pages = await all_pages(pool, PageRequest(limit=7))
    assert [len(p) for p in pages] == [7, 7, 7, 4]
    assert [row_id for p in pages for row_id in p] == [row_id for _, row_id in reversed(notes)]


async def test_oldest_first_on_request(
    pool: asyncpg.Pool, notes: list[tuple[datetime, uuid.UUID]]
) -> None:
    pages = await all_pages(pool, PageRequest(limit=10, order=Order.oldest))
    assert [row_id for p in pages for row_id in p] == [row_id for _, row_id in notes]


async def test_a_full_last_page_says_there_is_no_next(
    pool: asyncpg.Pool, notes: list[object]
) -> None:
    rows, cursor = await fetch_page(pool, NOTES, {}, PageRequest(limit=25))
    assert (len(rows), cursor) == (25, None)


async def test_rows_added_between_pages_shift_nothing(
    pool: asyncpg.Pool, notes: list[tuple[datetime, uuid.UUID]]
) -> None:
    first, cursor = await fetch_page(pool, NOTES, {}, PageRequest(limit=10))
    await pool.executemany(
        "INSERT INTO notes (created_at, id, kind) VALUES ($1, $2, 'new')",
        [(datetime.now(UTC), uuid.uuid4()) for _ in range(5)],
    )
    assert cursor is not None
    rest = await all_pages(pool, PageRequest(10, Order.newest, decode_cursor(cursor, Order.newest)))
    seen = [row["id"] for row in first] + [row_id for p in rest for row_id in p]
    assert seen == [row_id for _, row_id in reversed(notes)]


async def test_filters_narrow_the_pages(pool: asyncpg.Pool, notes: list[object]) -> None:
    pages = await all_pages(pool, PageRequest(limit=5), kind="odd", id=None)
    ids = [row_id for p in pages for row_id in p]
    kinds = {r["kind"] for r in await pool.fetch("SELECT kind FROM notes WHERE id = ANY($1)", ids)}
    assert (len(ids), kinds) == (12, {"odd"})


async def test_a_list_may_be_ordered_by_other_columns(
    pool: asyncpg.Pool, notes: list[object]
) -> None:
    await pool.execute("ALTER TABLE notes RENAME created_at TO written_at")
    select = "SELECT id, written_at FROM notes"
    rows, cursor = await fetch_page(pool, select, {}, PageRequest(limit=3), Keyset("written_at"))
    assert len(rows) == 3
    assert cursor is not None
