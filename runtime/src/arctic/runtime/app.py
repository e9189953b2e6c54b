"""The service app factory: FastAPI with the runtime's lifespan, health, metrics and errors."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from arctic.runtime import metrics
from arctic.runtime.access.install import install_access
from arctic.runtime.access.requirements import caller_log_fields, public
from arctic.runtime.clock import Clock, system_clock
from arctic.runtime.context import bound, child_traceparent
from arctic.runtime.idempotency import install_idempotency
from arctic.runtime.logs import configure_logging, get_logger
from arctic.runtime.problems import Conflict, install_problem_handlers, problem_for
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
    """Build the HTTP app of a service; its lifespan owns every connection and loop. `clock`
    is the service's one clock (tests pass a settable one)."""
    settings = settings or definition.settings()
    configure_logging(definition.name, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = await Resources.open(definition, settings, clock)
        app.state.resources = resources
        resources.start()
        log.info("service started", port=settings.port())
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
    )
    install_problem_handlers(app)
    for problem in (*RUNTIME_PROBLEMS, *definition.problems):
        app.add_exception_handler(problem.error, problem.respond)
    install_idempotency(app)
    app.middleware("http")(_correlate)
    for router in definition.routers:
        app.include_router(router)

    @app.get("/healthz", tags=["operations"], dependencies=[Depends(public())])
    async def healthz(request: Request) -> JSONResponse:
        # Alive unless a background loop keeps crashing: then a restart of the process is
        # the remedy, and the orchestrator's liveness probe is what triggers it.
        failing = request.app.state.resources.supervisor.failing()
        if failing:
            return JSONResponse({"status": "failing", "loops": failing}, status_code=503)
        return JSONResponse({"status": "alive"})

    @app.get("/readyz", tags=["operations"], dependencies=[Depends(public())])
    async def readyz(request: Request) -> JSONResponse:
        checks = await readiness(request.app.state.resources)
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    @app.get("/metrics", tags=["operations"], dependencies=[Depends(public())])
    async def prometheus(request: Request) -> Response:
        try:
            await request.app.state.resources.relay.refresh_lag()
        except Exception as error:
            log.warning("outbox lag not refreshed", error=repr(error))
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    install_access(app, settings)
    return app


async def _correlate(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    correlation_id = request.headers.get(CORRELATION_HEADER) or str(uuid.uuid4())
    traceparent = child_traceparent(request.headers.get("traceparent"))
    started = time.perf_counter()
    with bound(correlation_id=correlation_id, traceparent=traceparent):
        response = await call_next(request)
        elapsed = time.perf_counter() - started
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        metrics.HTTP_REQUESTS.labels(request.method, path, response.status_code).observe(elapsed)
        if path not in ("/healthz", "/readyz", "/metrics"):
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
