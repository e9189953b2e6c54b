"""The service app factory: FastAPI with the runtime's lifespan, edges, health, metrics, docs.

A service listens on two ports: its API (the routers it declares, OpenAPI and `/docs`) and
its operations port (`/healthz`, `/readyz`, `/metrics`), so that a network policy can open
each to whom it is for. One uvicorn server serves both sockets; `ServiceApp` sends each
request to the app of the port it came in on.
"""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import Receive, Scope, Send

from arctic.runtime import metrics
from arctic.runtime.access.install import install_access
from arctic.runtime.access.requirements import caller_log_fields, public
from arctic.runtime.bodies import check_json_body
from arctic.runtime.body_limit import BodyLimit
from arctic.runtime.clock import Clock, system_clock
from arctic.runtime.context import accepted_correlation_id, bound, child_traceparent
from arctic.runtime.docs import install_offline_docs
from arctic.runtime.idempotency import install_idempotency
from arctic.runtime.logs import configure_logging, get_logger
from arctic.runtime.openapi import describe_what_is_served
from arctic.runtime.parameters import check_text_parameters
from arctic.runtime.problems import (
    Conflict,
    install_problem_handlers,
    problem_for,
    unexpected_error_response,
)
from arctic.runtime.readiness import readiness
from arctic.runtime.resources import Resources
from arctic.runtime.service import ServiceDefinition
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.unit_of_work import ConcurrentChange

log = get_logger("arctic.http")
CORRELATION_HEADER = "X-Correlation-ID"


RUNTIME_PROBLEMS = (problem_for(ConcurrentChange, lambda error: Conflict(str(error))),)


def create_app(
    definition: ServiceDefinition[Any],
    settings: ServiceSettings | None = None,
    *,
    clock: Clock = system_clock,
) -> FastAPI:
    """Build the API app of a service; its lifespan owns every connection and loop, and its
    `state.operations` is the app of the operations port (see `ServiceApp`). `clock` is the
    service's one clock (tests pass a settable one)."""
    settings = settings or definition.settings()
    configure_logging(definition.name, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = await Resources.open(definition, settings, clock)
        app.state.resources = resources
        resources.start()
        log.info("service started", port=settings.port(), ops_port=settings.operations_port())
        try:
            yield
        finally:
            await resources.close()
            log.info("service stopped")

    app = FastAPI(
        title=f"Arctic RDI Hub: {definition.name}",
        description=definition.description,
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(check_text_parameters), Depends(check_json_body)],
    )
    install_problem_handlers(app)
    for problem in (*RUNTIME_PROBLEMS, *definition.problems):
        app.add_exception_handler(problem.error, problem.respond)
    install_idempotency(app)
    app.middleware("http")(_correlate)
    app.add_middleware(BodyLimit, limit=settings.http_max_body_bytes)
    for router in definition.routers:
        app.include_router(router)
    install_offline_docs(app)
    describe_what_is_served(app)
    app.state.operations = _operations_app(app, definition, settings)
    install_access(app, settings)
    return app


def _operations_app(
    api: FastAPI, definition: ServiceDefinition[Any], settings: ServiceSettings
) -> FastAPI:
    """Health, readiness and metrics of the service whose resources `api` holds."""
    ops = FastAPI(
        title=f"Arctic RDI Hub: {definition.name} (operations)",
        version="1.0.0",
        docs_url=None,
        redoc_url=None,
    )
    install_problem_handlers(ops)

    @ops.get(
        "/healthz",
        tags=["operations"],
        summary="The process is alive (503 when a background loop keeps crashing)",
        dependencies=[Depends(public())],
        responses={503: {"description": "A background loop keeps crashing: restart the process"}},
    )
    async def healthz() -> JSONResponse:
        # Alive unless a background loop keeps crashing: then a restart of the process is
        # the remedy, and the orchestrator's liveness probe is what triggers it.
        failing = api.state.resources.supervisor.failing()
        if failing:
            return JSONResponse({"status": "failing", "loops": failing}, status_code=503)
        return JSONResponse({"status": "alive"})

    @ops.get(
        "/readyz",
        tags=["operations"],
        summary="Ready: database, NATS, relay and every consumer (else 503, with each check)",
        responses={503: {"description": "Not ready; `checks` says what fails"}},
        dependencies=[Depends(public())],
    )
    async def readyz() -> JSONResponse:
        checks = await readiness(api.state.resources)
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    @ops.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}}},
        dependencies=[Depends(public())],
    )
    async def prometheus() -> Response:
        try:
            await api.state.resources.relay.refresh_lag()
        except Exception as error:
            log.warning("outbox lag not refreshed", error=repr(error))
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    install_access(ops, settings)  # every operation public, and its OpenAPI says so
    return ops


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to `host:port` (0: a free port), for `uvicorn.Server.serve(sockets)`."""
    # IPPROTO_TCP named, so that asyncio sets TCP_NODELAY on each accepted connection (it does
    # only for sockets whose protocol says TCP): without it Nagle holds the body behind the
    # headers until the client's delayed ACK, some 40 ms per answer.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class ServiceApp:
    """The ASGI app of both ports: requests on `ops_port` go to the operations app, all
    others (and the lifespan) to the API app."""

    def __init__(self, api: FastAPI, ops_port: int) -> None:
        self.api, self.ops_port = api, ops_port
        self.operations: FastAPI = api.state.operations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Dispatch by the port the connection came in on."""
        server = scope.get("server")
        if scope["type"] != "lifespan" and server is not None and server[1] == self.ops_port:
            await self.operations(scope, receive, send)
        else:
            await self.api(scope, receive, send)


async def _correlate(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    correlation_id = accepted_correlation_id(request.headers.get(CORRELATION_HEADER))
    traceparent = child_traceparent(request.headers.get("traceparent"))
    started = time.perf_counter()
    with bound(correlation_id=correlation_id, traceparent=traceparent):
        try:
            response = await call_next(request)
        except Exception as error:
            # Logged and counted here, inside the request's context, so that the line
            # carries its correlation id; the answer carries it too.
            metrics.HTTP_UNHANDLED_ERRORS.labels(request.method, _route(request)).inc()
            response = unexpected_error_response(error, path=request.url.path)
        elapsed = time.perf_counter() - started
        metrics.HTTP_REQUESTS.labels(request.method, _route(request), response.status_code).observe(
            elapsed
        )
        log.info(
            "request handled",
            method=request.method,
            path=request.url.path,
            status=response.status_code,
            duration_ms=round(elapsed * 1000, 2),
            **caller_log_fields(request),
        )
    response.headers[CORRELATION_HEADER] = correlation_id
    return response


def _route(request: Request) -> str:
    return getattr(request.scope.get("route"), "path", "unmatched")
