"""Idempotency-Key on POST commands: a retried command gets its first answer, not a second effect.

An endpoint opts in with one line, `dependencies=[Idempotent]`. A request that carries an
`Idempotency-Key` header then:

1. claims the key in a transaction of its own (`idempotency_keys`), before the command runs;
   a concurrent request with the same key waits on that row until the first commits;
2. runs the command in that same transaction (`UnitOfWork.transaction()` joins it);
3. when the answer is a success (2xx), stores its status, body and `Location` in the key's row
   and commits, and only then sends the answer. An error answer rolls everything back, key
   included, so a corrected retry with the same key runs.

A later request with the same key and the same caller (the token's subject, when the
operation needs one), method, path and body within the window
(`ARCTIC_IDEMPOTENCY_KEY_HOURS`, a day) gets the stored answer with `Idempotent-Replayed:
true`; with a different request it gets 422. Keys past the window are pruned by
housekeeping and count as new. Without the header a command runs as usual.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import asyncpg
import orjson
from fastapi import Depends, FastAPI, Header, Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from arctic.runtime.context import current_actor, current_correlation_id
from arctic.runtime.problems import Problem
from arctic.runtime.unit_of_work import Transaction

if TYPE_CHECKING:
    from arctic.runtime.resources import Resources

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_SCOPE_KEY = "arctic.idempotency"
_KEPT_HEADERS = ("content-type", "location")


class KeyReused(Problem):
    """The Idempotency-Key was first used with a different request."""

    status = 422
    title = "Idempotency-Key reused"


class HeldKey:
    """A claimed key: the connection and transaction the command runs in, until the answer is
    stored and committed, or everything is rolled back."""

    def __init__(self, pool: asyncpg.Pool, conn: asyncpg.Connection, key: str) -> None:
        self.pool, self.conn, self.key = pool, conn, key
        self.tx = Transaction(conn, current_correlation_id(), actor=current_actor())
        self._transaction = conn.transaction()
        self._open = False

    @classmethod
    async def begin(cls, pool: asyncpg.Pool, key: str) -> HeldKey:
        """Take a connection and open the transaction the claim and the command share."""
        held = cls(pool, await pool.acquire(), key)
        try:
            await held._transaction.start()
        except BaseException:
            await pool.release(held.conn)
            raise
        held._open = True
        return held

    async def finish(self, answer: list[Message]) -> None:
        """Store a success answer and commit it with the command; roll back any other."""
        start = answer[0]
        status = int(start["status"])
        if not 200 <= status < 300:
            return  # close() rolls back
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in start.get("headers", [])
            if name.decode("latin-1").lower() in _KEPT_HEADERS
        }
        await self.conn.execute(
            "UPDATE idempotency_keys SET status = $2, headers = $3, body = $4 WHERE key = $1",
            self.key,
            status,
            orjson.dumps(headers).decode(),
            b"".join(message.get("body", b"") for message in answer[1:]),
        )
        self._open = False
        await self._transaction.commit()

    async def close(self) -> None:
        """Roll back whatever is not committed, and give the connection back."""
        try:
            if self._open:
                self._open = False
                await self._transaction.rollback()
        finally:
            await self.pool.release(self.conn)


class _StoredAnswer(Exception):
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        super().__init__(status)
        self.status, self.headers, self.body = status, headers, body


def held_transaction(request: Request) -> Transaction | None:
    """The transaction holding this request's Idempotency-Key, if it claimed one."""
    held = request.scope.get(_SCOPE_KEY)
    return held.tx if isinstance(held, HeldKey) else None


async def idempotency_key(
    request: Request,
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            min_length=1,
            max_length=255,
            pattern=r"^[!-~]+$",
            description="Send a retried command with the same key (e.g. a UUID) to get its "
            "first answer instead of a second effect; kept for a day.",
        ),
    ] = None,
) -> None:
    """The dependency behind `Idempotent`: claim the key, or answer with the stored answer."""
    if key is None:
        return
    resources: Resources = request.app.state.resources
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    fingerprint = _fingerprint(request.method, target, await request.body(), current_actor())
    now = resources.clock()
    cutoff = now - timedelta(hours=resources.settings.idempotency_key_hours)
    held = await HeldKey.begin(resources.pool, key)
    try:
        stored = await _claim(held.conn, key, fingerprint, now, cutoff)
    except BaseException:
        await held.close()
        raise
    if stored is None:  # claimed: the middleware commits or rolls back, and closes
        request.scope[_SCOPE_KEY] = held
        return
    await held.close()
    if stored["fingerprint"] != fingerprint:
        raise KeyReused(
            f"the {HEADER} {key!r} was used with a different request; use a new key for a new "
            "request"
        )
    raise _StoredAnswer(stored["status"], orjson.loads(stored["headers"]), stored["body"])


Idempotent = Depends(idempotency_key)
"""Opt a POST endpoint into Idempotency-Key handling: `dependencies=[Idempotent]`."""


async def _claim(
    conn: asyncpg.Connection, key: str, fingerprint: str, now: datetime, cutoff: datetime
) -> asyncpg.Record | None:
    """Claim `key` (new, or past the window): None. Or the stored answer of its first use."""
    while True:
        claimed = await conn.fetchval(
            """INSERT INTO idempotency_keys (key, fingerprint, created_at) VALUES ($1, $2, $3)
               ON CONFLICT (key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,
                   created_at = EXCLUDED.created_at, status = NULL, headers = NULL, body = NULL
               WHERE idempotency_keys.created_at < $4
               RETURNING true""",
            key,
            fingerprint,
            now,
            cutoff,
        )
        if claimed:
            return None
        stored: asyncpg.Record | None = await conn.fetchrow(
            "SELECT fingerprint, status, headers, body FROM idempotency_keys WHERE key = $1", key
        )
        if stored is not None:  # else pruned in between: claim it afresh
            return stored


def _fingerprint(method: str, url: str, body: bytes, caller: str | None) -> str:
    """A hash of the request and its caller (the token's subject: a key replays only to whoever
    first used it); JSON bodies are compared by content, not by spacing or order."""
    try:
        canonical = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS)
    except orjson.JSONDecodeError:
        canonical = body
    request = f"{caller or ''}\n{method} {url}\n".encode() + canonical
    return hashlib.sha256(request).hexdigest()


class IdempotencyMiddleware:
    """Holds back the answer of a request that claimed a key until it is stored and committed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answer: list[Message] = []

        async def hold_back(message: Message) -> None:
            if isinstance(scope.get(_SCOPE_KEY), HeldKey):
                answer.append(message)
            else:
                await send(message)

        try:
            await self.app(scope, receive, hold_back)
            held = scope.get(_SCOPE_KEY)
            if isinstance(held, HeldKey):
                await held.finish(answer)
        finally:
            held = scope.get(_SCOPE_KEY)
            if isinstance(held, HeldKey):
                await held.close()
        for message in answer:
            await send(message)


async def _replay(request: Request, error: Exception) -> Response:
    assert isinstance(error, _StoredAnswer)
    headers = {**error.headers, REPLAYED_HEADER: "true"}
    return Response(error.body, status_code=error.status, headers=headers)


def install_idempotency(app: FastAPI) -> None:
    """Let the app's endpoints opt into Idempotency-Key handling (`Idempotent`)."""
    app.add_middleware(IdempotencyMiddleware)
    app.add_exception_handler(_StoredAnswer, _replay)
