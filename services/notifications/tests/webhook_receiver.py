"""A real HTTP server for the tests' webhooks: it records every request and answers each
with the next status of a script (then 204)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class Received:
    """One request as the receiver read it."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Where it listens, what it received, and what it will answer next."""

    url: str
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines if line)
        }
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.received.append(Received(request_line.split(" ")[1], headers, body))
        status, extra = self.answers.pop(0) if self.answers else (204, {})
        reply = [f"HTTP/1.1 {status} Status", "Content-Length: 0", "Connection: close"]
        reply += [f"{name}: {value}" for name, value in extra.items()]
        writer.write(("\r\n".join(reply) + "\r\n\r\n").encode())
        await writer.drain()
        writer.close()


@asynccontextmanager
async def webhook_receiver() -> AsyncIterator[Receiver]:
    """A receiver on a free port of the loopback interface."""
    receiver = Receiver("")
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    receiver.url = f"http://127.0.0.1:{port}/hooks/arctic"
    try:
        yield receiver
    finally:
        server.close()
        await server.wait_closed()
