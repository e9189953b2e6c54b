"""`arctic`: the product's command line for developers and operators."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Coroutine
from typing import Any

from arctic.runtime.access.development import add_token_command
from arctic.runtime.logs import configure_logging


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `arctic` command."""
    args = _parser().parse_args(argv)
    args.func(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="arctic", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run a service (HTTP, consumers, relay, scheduler)")
    serve.add_argument("service")
    serve.set_defaults(func=_serve)

    migrate = commands.add_parser("migrate", help="apply a service's SQL migrations to its schema")
    migrate.add_argument("service")
    migrate.set_defaults(func=lambda a: _run(_migrate(a.service)))

    provision = commands.add_parser("provision", help="create a service's stream and consumers")
    provision.add_argument("service")
    provision.set_defaults(func=lambda a: _run(_provision(a.service)))

    up = commands.add_parser(
        "up", help="run the whole system locally (NATS, PostgreSQL, SMTP sink)"
    )
    up.set_defaults(func=_up)
    add_token_command(commands)

    events = commands.add_parser("events", help="watch the events").add_subparsers(required=True)
    tail = events.add_parser("tail", help="print events as they flow through every stream")
    tail.add_argument("filter", nargs="?", default="arctic.>", help="subject filter")
    tail.add_argument("--all", action="store_true", help="start from the first stored event")
    tail.set_defaults(func=lambda a: _run(_tail(a.filter, a.all)))

    dead = commands.add_parser("dead-letters", help="list or replay dead letters").add_subparsers(
        required=True
    )
    listing = dead.add_parser("list", help="list a service's open dead letters")
    listing.add_argument("service")
    listing.add_argument("--all", action="store_true", help="include replayed ones")
    listing.set_defaults(func=lambda a: _run(_dead_letters_list(a.service, a.all)))
    replay = dead.add_parser("replay", help="apply dead letters again through their handler")
    replay.add_argument("service")
    replay.add_argument("ids", nargs="*", type=int, help="dead letter ids (default: all open)")
    replay.set_defaults(func=lambda a: _run(_dead_letters_replay(a.service, a.ids)))
    return parser


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    import uvloop

    uvloop.run(coroutine)


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from arctic.runtime.app import ServiceApp, create_app, listening_socket
    from arctic.runtime.service import load_service

    definition = load_service(args.service)
    settings = definition.settings()
    sockets = []
    for variable, port in (
        ("ARCTIC_HTTP_PORT", settings.port()),
        ("ARCTIC_OPS_PORT", settings.operations_port()),
    ):
        try:
            sockets.append(listening_socket(settings.http_host, port))
        except OSError as error:
            raise SystemExit(
                f"cannot listen on {settings.http_host}:{port} ({error.strerror}): "
                f"stop what uses it, or set {variable} to another port"
            ) from None
    ops_port = sockets[1].getsockname()[1]
    config = uvicorn.Config(
        ServiceApp(create_app(definition, settings), ops_port),
        loop="uvloop",
        log_config=None,
        access_log=False,
        lifespan="on",
        # HTTP requests are short; the grace period belongs to in-flight events (lifespan).
        timeout_graceful_shutdown=5,
    )
    uvicorn.Server(config).run(sockets=sockets)


async def _migrate(service: str) -> None:
    from arctic.runtime.db import migrate
    from arctic.runtime.service import load_service

    definition = load_service(service)
    settings = definition.settings()
    configure_logging(service, settings.log_level)
    await migrate(settings.database_dsn.get_secret_value(), service, definition.migrations)


async def _provision(service: str) -> None:
    from arctic.contracts.registry import stream_of_service
    from arctic.runtime.provisioning import ensure_consumer, ensure_stream
    from arctic.runtime.resources import connect_nats
    from arctic.runtime.service import load_service

    definition = load_service(service)
    settings = definition.settings()
    configure_logging(service, settings.log_level)
    nc = await connect_nats(settings)
    try:
        js = nc.jetstream()
        await ensure_stream(js, stream_of_service(service), settings.stream_replicas)
        for subscription in definition.subscriptions:
            await ensure_consumer(js, subscription)
    finally:
        await nc.drain()


async def _tail(subject_filter: str, from_start: bool) -> None:
    from arctic.runtime.tail import tail_events

    await tail_events(subject_filter, from_start=from_start, out=sys.stdout)


async def _dead_letters_list(service: str, include_replayed: bool) -> None:
    from arctic.runtime.db import create_pool
    from arctic.runtime.deadletters import list_dead_letters
    from arctic.runtime.service import load_service

    settings = load_service(service).settings()
    pool = await create_pool(settings.database_dsn.get_secret_value(), service, size=1)
    try:
        letters = await list_dead_letters(pool, include_replayed=include_replayed)
    finally:
        await pool.close()
    if not letters:
        print("no dead letters")
    for letter in letters:
        state = f"replayed {letter.replayed_at:%Y-%m-%d %H:%M}" if letter.replayed_at else "open"
        print(
            f"{letter.id:>6}  {letter.created_at:%Y-%m-%d %H:%M:%S}  {letter.consumer}  "
            f"{letter.subject}  {letter.event_id or '-'}  {letter.reason}  {state}\n"
            f"        {letter.error[:200]}"
        )


async def _dead_letters_replay(service: str, ids: list[int]) -> None:
    from arctic.runtime.db import create_pool
    from arctic.runtime.deadletters import list_dead_letters
    from arctic.runtime.replay import replay_dead_letter
    from arctic.runtime.service import load_service

    definition = load_service(service)
    settings = definition.settings()
    configure_logging(service, settings.log_level)
    by_durable = {s.durable: s.bind(settings) for s in definition.subscriptions}
    pool = await create_pool(settings.database_dsn.get_secret_value(), service, size=2)
    failures = 0
    try:
        letters = [d for d in await list_dead_letters(pool) if not ids or d.id in ids]
        for letter in letters:
            if letter.consumer not in by_durable:  # the relay's or the scheduler's
                failures += bool(ids)
                print(f"{letter.id}: a dead letter of the {letter.consumer}, not replayed")
                continue
            try:
                applied = await replay_dead_letter(pool, by_durable[letter.consumer], letter.id)
                print(f"{letter.id}: {'applied' if applied else 'already applied, closed'}")
            except Exception as error:
                failures += 1
                print(f"{letter.id}: still failing: {error}")
    finally:
        await pool.close()
    if failures:
        raise SystemExit(1)


def _up(args: argparse.Namespace) -> None:
    from arctic.runtime.localstack import run_local_stack

    raise SystemExit(run_local_stack())
