"""The services' listening sockets: each accepted connection sends without Nagle's delay."""

from __future__ import annotations

import asyncio
import socket

from arctic.runtime.app import listening_socket


async def test_accepted_connections_have_tcp_nodelay() -> None:
    """Without TCP_NODELAY an answer's body waits behind its headers for the client's delayed
    ACK (about 40 ms on Linux); asyncio sets it only on sockets whose protocol says TCP."""
    accepted: asyncio.Future[asyncio.BaseTransport] = asyncio.get_running_loop().create_future()

    class Keep(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            accepted.set_result(transport)

    sock = listening_socket("127.0.0.1", 0)
    server = await asyncio.get_running_loop().create_server(Keep, sock=sock)
    try:
        _, writer = await asyncio.open_connection(*sock.getsockname())
        transport = await asyncio.wait_for(accepted, 10)
        served: socket.socket = transport.get_extra_info("socket")
        assert served.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        writer.close()
        transport.close()
    finally:
        server.close()
        await server.wait_closed()
