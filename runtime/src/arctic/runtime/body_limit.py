"""A request body may be at most `ARCTIC_HTTP_MAX_BODY_BYTES` (1 MiB by default); a bigger one
is answered 413 problem+json. Without a limit any caller could make a replica hold a body of
any size in memory; no command of the product needs more than a few kilobytes.

A declared `Content-Length` over the limit is refused without the app seeing the request; a
body of undeclared length (chunked) is read here, up to one byte past the limit, and handed on
to the app only when it fits. Before answering, the rest of a refused body is read and thrown
away, up to `DRAINED_BYTES`, so that an ordinary client, still writing, reads the 413 rather
than a broken connection; past that the connection is closed.

(FastAPI's own `max_body_size` answers in plain text, outside the middleware that sets the
correlation id; and an error raised while the app reads the body reaches FastAPI wrapped in
a task group's exception group, which it answers 400.)
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from arctic.runtime.context import accepted_correlation_id
from arctic.runtime.problems import problem_response

DRAINED_BYTES = 32 * 1024 * 1024


class BodyLimit:
    """ASGI middleware refusing bodies over `limit` bytes with 413 problem+json."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.limit:
                await self._refuse(scope, receive, send, headers)
                return
            await self.app(scope, receive, send)
            return
        if b"chunked" not in headers.get(b"transfer-encoding", b"").lower():
            await self.app(scope, receive, send)
            return
        body, more, other = bytearray(), True, None
        while more and len(body) <= self.limit:
            message = await receive()
            if message["type"] != "http.request":
                other = message
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if len(body) > self.limit:
            await self._refuse(scope, receive, send, headers, received=len(body), more=more)
            return
        await self.app(scope, _replay(bytes(body), other, receive), send)

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: dict[bytes, bytes],
        *,
        received: int = 0,
        more: bool = True,
    ) -> None:
        while more and received <= DRAINED_BYTES:
            message = await receive()
            if message["type"] != "http.request":
                break
            received += len(message.get("body", b""))
            more = message.get("more_body", False)
        given = headers.get(b"x-correlation-id")
        correlation_id = accepted_correlation_id(given.decode("latin-1") if given else None)
        response = problem_response(
            413,
            "Content too large",
            f"the body may be at most {self.limit} bytes",
            headers={"X-Correlation-ID": correlation_id, "Connection": "close"},
        )
        await response(scope, receive, send)


def _replay(body: bytes, other: Message | None, receive: Receive) -> Receive:
    """A receive that gives the app the body read already, then what the client sends next."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return other or {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
