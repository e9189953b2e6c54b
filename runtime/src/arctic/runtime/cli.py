"""`arctic`: the product's command line for developers and operators."""

from __future__ import annotations

import argparse
import asyncio
import getpass
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

    dead = commands.add_parser(
        "dead-letters", help="list, replay or discard dead letters"
    ).add_subparsers(required=True)
    listing = dead.add_parser("list", help="list a service's open dead letters")
    listing.add_argument("service")
    listing.add_argument("--all", action="store_true", help="include replayed and discarded ones")
    listing.set_defaults(func=lambda a: _run(_dead_letters_list(a.service, a.all)))
    replay = dead.add_parser("replay", help="apply dead letters again through their handler")
    replay.add_argument("service")
    replay.add_argument("ids", nargs="*", type=int, help="dead letter ids (default: all open)")
    replay.set_defaults(func=lambda a: _run(_dead_letters_replay(a.service, a.ids)))
    discard = dead.add_parser(
        "discard", help="close a dead letter that will never succeed (kept, with who and why)"
    )
    discard.add_argument("service")
    discard.add_argument("id", type=int, help="dead letter id")
    discard.add_argument("--reason", required=True, help="why it is discarded")
    discard.add_argument("--by", default=getpass.getuser(), help="who discards it (default: you)")
    discard.set_defaults(
        func=lambda a: _run(_dead_letters_discard(a.service, a.id, a.reason, a.by))
    )
    return parser


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    import uvloop

    uvloop.run(coroutine)


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from arctic.runtime.app import ServiceApp, create_app, listening_socket
    from arctic.runtime.locate import locate
    from arctic.runtime.service import load_service

    definition = load_service(args.service)
    settings = locate(definition.settings()).settings
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
    from arctic.runtime.locate import locate, open_pool
    from arctic.runtime.service import load_service

    definition = load_service(service)
    located = locate(definition.settings())
    configure_logging(service, located.settings.log_level)
    await (await open_pool(located, size=1)).close()  # a clear error when it is unreachable
    await migrate(located.settings.database_dsn.get_secret_value(), service, definition.migrations)


async def _provision(service: str) -> None:
    from arctic.contracts.registry import stream_of_service
    from arctic.runtime.locate import connect_nats, locate
    from arctic.runtime.provisioning import ensure_consumer, ensure_personal_keys, ensure_stream
    from arctic.runtime.service import load_service

    definition = load_service(service)
    located = locate(definition.settings())
    settings = located.settings
    configure_logging(service, settings.log_level)
    nc = await connect_nats(located)
    try:
        js = nc.jetstream()
        await ensure_stream(js, stream_of_service(service), settings.stream_replicas)
        await ensure_personal_keys(
            js, owner=definition.owns_personal_keys, replicas=settings.stream_replicas
        )
        for subscription in definition.subscriptions:
            await ensure_consumer(js, subscription)
    finally:
        await nc.drain()


async def _tail(subject_filter: str, from_start: bool) -> None:
    from arctic.runtime.locate import connect_nats, locate
    from arctic.runtime.settings import ServiceSettings
    from arctic.runtime.tail import tail_events

    closed = asyncio.Event()
    nc = await connect_nats(locate(ServiceSettings(service="ops"), as_operator=True), closed)
    await tail_events(nc, closed, subject_filter, from_start=from_start, out=sys.stdout)


async def _pool_of(service: str) -> Any:
    from arctic.runtime.locate import locate, open_pool
    from arctic.runtime.service import load_service

    return await open_pool(locate(load_service(service).settings()))


async def _dead_letters_list(service: str, include_closed: bool) -> None:
    from arctic.runtime.deadletters import list_dead_letters

    pool = await _pool_of(service)
    try:
        letters = await list_dead_letters(pool, include_closed=include_closed)
    finally:
        await pool.close()
    if not letters:
        print(f"no {'' if include_closed else 'open '}dead letters in {service}")
    for letter in letters:
        print(
            f"{letter.id:>6}  {letter.created_at:%Y-%m-%d %H:%M:%S}  {letter.consumer}  "
            f"{letter.subject}  {letter.event_id or '-'}  {letter.reason}  {letter.state}\n"
            f"        {letter.error[:200]}"
        )


async def _dead_letters_replay(service: str, ids: list[int]) -> None:
    from arctic.runtime.deadletters import list_dead_letters
    from arctic.runtime.locate import connect_nats, locate, open_pool
    from arctic.runtime.personal_data import PersonalData
    from arctic.runtime.personal_keys import PersonalKeys
    from arctic.runtime.replay import replay_dead_letter
    from arctic.runtime.service import load_service

    definition = load_service(service)
    located = locate(definition.settings())
    settings = located.settings
    configure_logging(service, settings.log_level)
    pool = await open_pool(located)
    # Handlers open the persons their events name: the replay reads keys as the service does.
    nc = await connect_nats(located)
    keys = PersonalKeys(nc, cache_seconds=settings.personal_data_cache_seconds)
    persons = PersonalData(keys, settings.personal_data_pepper)
    by_durable = {s.durable: s.bind(settings, persons=persons) for s in definition.subscriptions}
    failures = 0
    try:
        open_letters = {d.id: d for d in await list_dead_letters(pool)}
        wanted = ids or list(open_letters)
        if not wanted:
            print(f"nothing to replay: no open dead letters in {service}")
            failures += 1
        for letter_id in wanted:
            letter = open_letters.get(letter_id)
            if letter is None:
                print(f"{letter_id}: no open dead letter {letter_id} in {service}")
                failures += 1
                continue
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
        await nc.drain()
    if failures:
        raise SystemExit(1)


async def _dead_letters_discard(service: str, letter_id: int, reason: str, by: str) -> None:
    from arctic.runtime.deadletters import discard_dead_letter

    pool = await _pool_of(service)
    try:
        letter = await discard_dead_letter(pool, letter_id, by=by, reason=reason)
    finally:
        await pool.close()
    if letter is None:
        raise SystemExit(f"{letter_id}: no open dead letter {letter_id} in {service}")
    print(f"{letter_id}: {letter.state}")


def _up(args: argparse.Namespace) -> None:
    from arctic.runtime.localstack import run_local_stack

    raise SystemExit(run_local_stack())
