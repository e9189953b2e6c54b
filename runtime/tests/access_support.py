"""A small service whose operations declare every kind of access, for the access tests."""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, Depends
from jwt.algorithms import ECAlgorithm
from nats.aio.client import Client as NATS
from runtime_support import prototype_requested

from arctic.runtime.access.issuing import SigningKey, algorithm_of
from arctic.runtime.access.principal import (
    Principal,
    ensure_company_owns,
    ensure_organisation_owns,
)
from arctic.runtime.access.requirements import public, require
from arctic.runtime.access.roles import Role
from arctic.runtime.endpoints import UnitOfWorkDep
from arctic.runtime.logs import get_logger
from arctic.runtime.service import ServiceDefinition
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.testing import prepare_service_database, provision, serving

log = get_logger("tests.access")
router = APIRouter()


@router.get("/staff-only")
async def staff_only(caller: Principal = Depends(require(Role.staff))) -> dict[str, str]:
    return {"caller": caller.subject}


@router.get("/organisations/{organisation}/offerings")
async def offerings_of(
    organisation: str, caller: Principal = Depends(require(Role.staff, Role.coordinator))
) -> dict[str, str]:
    ensure_organisation_owns(
        caller, organisation, what=f"offerings of {organisation}", overseers=[Role.coordinator]
    )
    return {"organisation": organisation}


@router.get("/companies/{business_id}/bookings")
async def bookings_of(
    business_id: str, caller: Principal = Depends(require(Role.company))
) -> dict[str, str]:
    ensure_company_owns(caller, business_id, what=f"bookings of {business_id}")
    return {"business_id": business_id}


@router.get("/companies/{business_id}/inquiries")
async def inquiries_of(
    business_id: str, caller: Principal = Depends(require(Role.company))
) -> dict[str, str]:
    ensure_company_owns(caller, business_id, what=f"inquiries of {business_id}", hide=True)
    return {"business_id": business_id}


@router.post("/announcements", status_code=201)
async def announce(
    uow: UnitOfWorkDep, caller: Principal = Depends(require(Role.coordinator))
) -> dict[str, str]:
    async with uow.transaction() as tx:
        event_id = await tx.emit(prototype_requested())
    log.info("announced", event_id=str(event_id))
    return {"event_id": str(event_id)}


@router.post("/forms", status_code=201, dependencies=[Depends(public(rate_limited=True))])
async def submit_form(uow: UnitOfWorkDep) -> dict[str, str]:
    async with uow.transaction() as tx:
        event_id = await tx.emit(prototype_requested())
    return {"event_id": str(event_id)}


@router.get("/open", dependencies=[Depends(public())])
async def open_to_all() -> dict[str, str]:
    return {"open": "yes"}


def sample_service() -> ServiceDefinition[ServiceSettings]:
    return ServiceDefinition(
        name="prototyping",  # it owns the PROTOTYPING stream, which its events go to
        migrations=Path(tempfile.mkdtemp()),
        settings_class=ServiceSettings,
        routers=[router],
    )


@dataclass
class Sample:
    """The running sample service, a client without credentials, and its NATS."""

    http: httpx.AsyncClient
    url: str
    nc: NATS


SampleRunner = Callable[..., AbstractAsyncContextManager[Sample]]


def sample_runner(database: str, nats_url: str, nc: NATS, **base: Any) -> SampleRunner:
    """Start the sample service with `base` settings and per-run overrides."""

    @asynccontextmanager
    async def run(**overrides: Any) -> AsyncIterator[Sample]:
        definition = sample_service()
        dsn = await prepare_service_database(database, definition)
        await provision(nats_url, definition)
        settings = ServiceSettings(
            service="prototyping",
            database_dsn=dsn,
            nats_url=nats_url,
            relay_sweep_seconds=0.1,
            **{**base, **overrides},
        )
        async with serving(definition, settings) as url, httpx.AsyncClient(base_url=url) as http:
            yield Sample(http, url, nc)

    return run


class JwksServer:
    """An identity provider's JWKS endpoint on real HTTP: its keys can change, it can answer
    garbage, and it can go away. It counts the fetches."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.body: bytes | None = None  # when set, served instead of the keys
        self.fetches = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.fetches += 1
                body = server.body or json.dumps({"keys": server.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/realms/arctic/certs"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.running = True

    def publish(self, key: SigningKey, kid: str) -> None:
        """Add the public half of `key` as `kid`."""
        public = key.public_key()
        jwk = ECAlgorithm.to_jwk(public, as_dict=True)  # type: ignore[arg-type]
        self.keys.append({**jwk, "kid": kid, "use": "sig", "alg": algorithm_of(key)})

    def stop(self) -> None:
        """Go away: connections are refused from now on."""
        if self.running:
            self.running = False
            self.http.shutdown()
            self.http.server_close()
