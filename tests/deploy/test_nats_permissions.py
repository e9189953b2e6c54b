"""deploy/nats/permissions.conf, loaded by a real nats-server, allows what each service
(and the read-only `subscriber` of outside systems) needs and denies the rest.

The server gets the file as its configuration (JetStream, store, host and port come from
the command line) and the users' passwords from its environment, as in the cluster.
A denied publish comes back as a `permissions violation` on the client's error callback
and the request it carried is never answered (a timeout); the tests check both, and that
the target is unchanged.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from uuid import UUID, uuid4

import nats
import pytest
from faststream.nats import NatsBroker, NatsUserPassword
from nats.aio.client import Client as NATS
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig
from nats.js.errors import NotFoundError
from pydantic import SecretStr

from arctic.contracts.envelope import Envelope, build_message
from arctic.contracts.events import AgreementSigned
from arctic.contracts.examples import example_of
from arctic.contracts.faststream import Subscribers
from arctic.contracts.vocabulary import ContactPerson, Language
from arctic.runtime.personal_data import PersonalData
from arctic.runtime.personal_keys import PersonalKeys, PersonalKeysUnavailable, bucket_config
from arctic.runtime.provisioning import ensure_personal_keys
from arctic.runtime.servers import LocalNats, free_port

pytestmark = pytest.mark.slow
USERS = ("catalogue", "prototyping", "partnerships", "notifications", "ops", "subscriber")
PASSWORDS = {user: secrets.token_hex(16) for user in USERS}


@pytest.fixture(scope="module")
def server(helpers: SimpleNamespace) -> Iterator[LocalNats]:
    """A nats-server configured by permissions.conf, passwords in its environment."""
    data = Path(tempfile.mkdtemp(prefix="arctic-nats-permissions-"))
    config = helpers.DEPLOY / "nats" / "permissions.conf"
    with pytest.MonkeyPatch.context() as env:
        for user, password in PASSWORDS.items():
            env.setenv(f"{user.upper()}_NATS_PASSWORD", password)
        nats_server = LocalNats(data, free_port(), config_file=config)
        nats_server.start()
    yield nats_server
    nats_server.stop()


class Session:
    """A connection as one user, keeping the errors the server sends it."""

    def __init__(self, nc: NATS, errors: asyncio.Queue[Exception]) -> None:
        self.nc, self.errors = nc, errors
        self.js = nc.jetstream(timeout=0.5)

    async def denied(self, subject: str, operation: str = "publish") -> None:
        """Wait for the server's permissions violation for `operation` on `subject`."""
        expected = f'permissions violation for {operation} to "{subject}"'.lower()
        while True:
            error = await asyncio.wait_for(self.errors.get(), timeout=3)
            if expected in str(error).lower():
                return


Connect = Callable[[str], Awaitable[Session]]


@pytest.fixture
async def connect(server: LocalNats) -> AsyncIterator[Connect]:
    """Open connections as any user of permissions.conf; all closed after the test."""
    opened: list[NATS] = []

    async def as_user(user: str) -> Session:
        errors: asyncio.Queue[Exception] = asyncio.Queue()

        async def on_error(error: Exception) -> None:
            errors.put_nowait(error)

        nc = await nats.connect(
            server.url,
            user=user,
            password=PASSWORDS[user],
            error_cb=on_error,
            allow_reconnect=False,
        )
        opened.append(nc)
        return Session(nc, errors)

    yield as_user
    for nc in opened:
        await nc.close()


@pytest.fixture(scope="module")
async def streams(server: LocalNats) -> None:
    """Each service creates its own stream, as its provisioning job does."""
    for service in USERS[:4]:
        nc = await nats.connect(server.url, user=service, password=PASSWORDS[service])
        js = nc.jetstream(timeout=2)
        await js.add_stream(
            StreamConfig(
                name=service.upper(), subjects=[f"arctic.{service}.>"], duplicate_window=120
            )
        )
        await js.publish(f"arctic.{service}.seed.created.v1", b"{}")
        await nc.close()


async def _messages(session: Session, stream: str) -> int:
    return (await session.js.stream_info(stream)).state.messages


async def test_catalogue_publishes_its_own_events_into_its_stream(
    connect: Connect, streams: None
) -> None:
    catalogue = await connect("catalogue")
    ack = await catalogue.js.publish("arctic.catalogue.item.created.v1", b"{}")
    assert ack.stream == "CATALOGUE"


async def test_catalogue_cannot_publish_on_prototyping_subjects(
    connect: Connect, streams: None
) -> None:
    catalogue = await connect("catalogue")
    prototyping = await connect("prototyping")
    before = await _messages(prototyping, "PROTOTYPING")
    await catalogue.nc.publish("arctic.prototyping.project.created.v1", b"{}")
    await catalogue.denied("arctic.prototyping.project.created.v1")
    with pytest.raises(nats.errors.TimeoutError):
        await catalogue.js.publish("arctic.prototyping.project.created.v1", b"{}")
    await catalogue.denied("arctic.prototyping.project.created.v1")
    assert await _messages(prototyping, "PROTOTYPING") == before


@pytest.mark.parametrize("user", ["catalogue", "notifications", "prototyping"])
async def test_no_service_can_delete_or_purge_a_stream_not_even_its_own(
    user: str, connect: Connect, streams: None
) -> None:
    session = await connect(user)
    owner = await connect("prototyping")
    before = await _messages(owner, "PROTOTYPING")
    with pytest.raises(nats.errors.TimeoutError):
        await session.js.delete_stream("PROTOTYPING")
    await session.denied("$JS.API.STREAM.DELETE.PROTOTYPING")
    with pytest.raises(nats.errors.TimeoutError):
        await session.js.purge_stream("PROTOTYPING")
    await session.denied("$JS.API.STREAM.PURGE.PROTOTYPING")
    assert await _messages(owner, "PROTOTYPING") == before


async def test_a_service_cannot_create_or_change_another_services_stream(
    connect: Connect, streams: None
) -> None:
    catalogue = await connect("catalogue")
    rogue = StreamConfig(name="PROTOTYPING", subjects=["arctic.prototyping.>"], max_msgs=1)
    with pytest.raises(nats.errors.TimeoutError):
        await catalogue.js.update_stream(rogue)
    await catalogue.denied("$JS.API.STREAM.UPDATE.PROTOTYPING")
    with pytest.raises(nats.errors.TimeoutError):
        await catalogue.js.add_stream(StreamConfig(name="SHADOW", subjects=["shadow.>"]))
    await catalogue.denied("$JS.API.STREAM.CREATE.SHADOW")


async def test_notifications_creates_and_pulls_from_its_durable_consumer_on_prototyping(
    connect: Connect, streams: None
) -> None:
    """What its provisioning job and its consumer loop do (arctic.runtime)."""
    notifications = await connect("notifications")
    prototyping = await connect("prototyping")
    await prototyping.js.publish("arctic.prototyping.prototype.requested.v1", b'{"n": 1}')
    await notifications.js.stream_info("PROTOTYPING")
    config = ConsumerConfig(
        durable_name="notifications-prototyping",
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=60,
        max_deliver=10,
        filter_subjects=["arctic.prototyping.prototype.requested.v1"],
    )
    await notifications.js.add_consumer("PROTOTYPING", config)
    sub = await notifications.js.pull_subscribe_bind(
        "notifications-prototyping", stream="PROTOTYPING"
    )
    (message,) = await sub.fetch(1, timeout=2)
    assert message.data == b'{"n": 1}'
    await message.ack_sync()
    info = await notifications.js.consumer_info("PROTOTYPING", "notifications-prototyping")
    assert (info.num_ack_pending, info.num_pending) == (0, 0)
    assert notifications.errors.empty()


async def test_a_consumer_may_also_be_created_by_name_with_a_subject_filter(
    connect: Connect, streams: None
) -> None:
    partnerships = await connect("partnerships")
    sub = await partnerships.js.pull_subscribe(
        "arctic.catalogue.>", durable="partnerships-catalogue", stream="CATALOGUE"
    )
    messages = await sub.fetch(1, timeout=2)
    await messages[0].ack_sync()
    assert partnerships.errors.empty()


async def test_a_service_cannot_pull_from_another_services_durable_consumer(
    connect: Connect, streams: None
) -> None:
    notifications = await connect("notifications")
    await notifications.js.add_consumer(
        "CATALOGUE", ConsumerConfig(durable_name="notifications-catalogue")
    )
    partnerships = await connect("partnerships")
    sub = await partnerships.js.pull_subscribe_bind("notifications-catalogue", stream="CATALOGUE")
    with pytest.raises(nats.errors.TimeoutError):
        await sub.fetch(1, timeout=1)
    await partnerships.denied("$JS.API.CONSUMER.MSG.NEXT.CATALOGUE.notifications-catalogue")
    with pytest.raises(nats.errors.TimeoutError):
        await partnerships.js.add_consumer(
            "CATALOGUE", ConsumerConfig(durable_name="notifications-catalogue")
        )


async def test_a_service_cannot_read_events_outside_jetstream(
    connect: Connect, streams: None
) -> None:
    notifications = await connect("notifications")
    await notifications.nc.subscribe("arctic.prototyping.>")
    await notifications.denied("arctic.prototyping.>", operation="subscription")


async def test_ops_tails_every_stream_read_only(connect: Connect, streams: None) -> None:
    """`arctic events tail` follows each stream with an ordered (ephemeral) consumer."""
    ops = await connect("ops")
    received: asyncio.Queue[bytes] = asyncio.Queue()

    async def show(msg: nats.aio.msg.Msg) -> None:
        received.put_nowait(msg.data)

    await ops.js.subscribe("arctic.catalogue.>", stream="CATALOGUE", cb=show, ordered_consumer=True)
    assert await asyncio.wait_for(received.get(), timeout=3) == b"{}"
    assert (await ops.js.get_msg("CATALOGUE", 1)).data == b"{}"
    with pytest.raises(nats.errors.TimeoutError):
        await ops.js.publish("arctic.catalogue.item.created.v1", b"{}")
    await ops.denied("arctic.catalogue.item.created.v1")
    with pytest.raises(nats.errors.TimeoutError):
        await ops.js.delete_stream("CATALOGUE")
    await ops.denied("$JS.API.STREAM.DELETE.CATALOGUE")
    with pytest.raises(nats.errors.TimeoutError):
        await ops.js.add_consumer("CATALOGUE", ConsumerConfig(durable_name="ops-durable"))
    await ops.denied("$JS.API.CONSUMER.DURABLE.CREATE.CATALOGUE.ops-durable")
    assert ops.errors.empty()


async def test_a_user_cannot_log_in_with_another_users_password(server: LocalNats) -> None:
    with pytest.raises(nats.errors.Error, match=r"(?i)authorization"):
        await nats.connect(
            server.url,
            user="catalogue",
            password=PASSWORDS["notifications"],
            allow_reconnect=False,
            max_reconnect_attempts=0,
        )


async def test_a_durable_that_is_not_listed_cannot_be_created(
    connect: Connect, streams: None
) -> None:
    notifications = await connect("notifications")
    with pytest.raises(nats.errors.TimeoutError):
        await notifications.js.add_consumer(
            "PARTNERSHIPS", ConsumerConfig(durable_name="notifications-extra")
        )
    await notifications.denied("$JS.API.CONSUMER.DURABLE.CREATE.PARTNERSHIPS.notifications-extra")
    ops = await connect("ops")
    with pytest.raises(NotFoundError):
        await ops.js.consumer_info("PARTNERSHIPS", "notifications-extra")


# Personal keys (the PERSONAL_KEYS bucket): producers create and read, notifications reads
# and erases, nobody else sees a byte.

PEPPER = SecretStr("the pepper of the permission tests")
AINO = ContactPerson(name="Aino Testaaja", email="aino@example.com", language=Language.fi)
KEYS = "$KV.PERSONAL_KEYS"


def persons_of(session: Session) -> PersonalData:
    """A service process's view of persons, connected as that service's user."""
    return PersonalData(PersonalKeys(session.nc, cache_seconds=0, timeout=0.5), PEPPER)


@pytest.fixture(scope="module")
async def bucket(server: LocalNats) -> None:
    """notifications' provisioning creates the bucket; the producers' waits for it."""
    nc = await nats.connect(server.url, user="notifications", password=PASSWORDS["notifications"])
    await ensure_personal_keys(nc.jetstream(timeout=2), owner=True, replicas=1)
    await nc.close()
    nc = await nats.connect(server.url, user="prototyping", password=PASSWORDS["prototyping"])
    await ensure_personal_keys(nc.jetstream(timeout=2), owner=False, replicas=1, wait=5)
    await nc.close()


@pytest.mark.parametrize("producer", ["catalogue", "prototyping", "partnerships"])
async def test_a_producer_seals_a_person_that_the_others_and_notifications_open(
    producer: str, connect: Connect, bucket: None
) -> None:
    sealed = await persons_of(await connect(producer)).seal(
        AINO.model_copy(update={"email": f"{producer}@example.com"})
    )
    for reader in ("catalogue", "prototyping", "partnerships", "notifications"):
        session = await connect(reader)
        assert await persons_of(session).open(sealed) is not None, reader
        assert session.errors.empty()


async def test_notifications_reads_keys_but_cannot_create_one(
    connect: Connect, bucket: None
) -> None:
    notifications = await connect("notifications")
    with pytest.raises(PersonalKeysUnavailable):
        await persons_of(notifications).seal(AINO)
    await notifications.denied(f"{KEYS}.{persons_of(notifications).person_id(AINO.email)}")


@pytest.mark.parametrize("producer", ["catalogue", "prototyping", "partnerships"])
async def test_only_the_erasure_path_erases_a_key(
    producer: str, connect: Connect, bucket: None
) -> None:
    sealed = await persons_of(await connect(producer)).seal(AINO)
    session = await connect(producer)
    with pytest.raises(PersonalKeysUnavailable):
        await persons_of(session).erase(sealed.person_id)
    await session.denied("$JS.API.STREAM.MSG.DELETE.KV_PERSONAL_KEYS")
    assert await persons_of(session).open(sealed) is not None

    notifications = await connect("notifications")
    assert await persons_of(notifications).erase(sealed.person_id) is True
    assert await persons_of(session).open(sealed) is None


@pytest.mark.parametrize("user", ["catalogue", "prototyping", "partnerships", "notifications"])
async def test_no_service_can_purge_delete_or_take_over_the_bucket(
    user: str, connect: Connect, bucket: None
) -> None:
    session = await connect(user)
    with pytest.raises(nats.errors.TimeoutError):
        await session.js.purge_stream("KV_PERSONAL_KEYS")
    await session.denied("$JS.API.STREAM.PURGE.KV_PERSONAL_KEYS")
    with pytest.raises(nats.errors.TimeoutError):
        await session.js.delete_stream("KV_PERSONAL_KEYS")
    await session.denied("$JS.API.STREAM.DELETE.KV_PERSONAL_KEYS")
    if user != "notifications":
        with pytest.raises(nats.errors.TimeoutError):
            await session.js.update_stream(bucket_config(1))
        await session.denied("$JS.API.STREAM.UPDATE.KV_PERSONAL_KEYS")


async def test_ops_sees_nothing_of_the_keys(connect: Connect, bucket: None) -> None:
    sealed = await persons_of(await connect("prototyping")).seal(AINO)
    ops = await connect("ops")
    with pytest.raises(nats.errors.TimeoutError):
        await ops.js.get_msg("KV_PERSONAL_KEYS", subject=f"{KEYS}.{sealed.person_id}")
    await ops.denied("$JS.API.STREAM.MSG.GET.KV_PERSONAL_KEYS")
    with pytest.raises(nats.errors.TimeoutError):
        await ops.js.stream_info("KV_PERSONAL_KEYS")
    await ops.denied("$JS.API.STREAM.INFO.KV_PERSONAL_KEYS")
    with pytest.raises(nats.errors.TimeoutError):
        await ops.js.add_consumer("KV_PERSONAL_KEYS", ConsumerConfig())
    await ops.denied("$JS.API.CONSUMER.CREATE.KV_PERSONAL_KEYS")
    await ops.nc.subscribe(f"{KEYS}.>")
    await ops.denied(f"{KEYS}.>", operation="subscription")
    with pytest.raises(PersonalKeysUnavailable):
        await persons_of(ops).open(sealed)


def test_only_the_services_are_granted_anything_of_the_keys(permissions_text: str) -> None:
    """Any user an operator adds (an outside system's) gets nothing of the bucket unless a
    line grants it: today only the four services are granted, and ops is denied."""
    granted = {
        user for user in (*USERS, "ops") if "PERSONAL_KEYS" in _allow_block(permissions_text, user)
    }
    assert granted == {"catalogue", "prototyping", "partnerships", "notifications"}
    assert permissions_text.count("user: ") == len(USERS)


@pytest.fixture(scope="module")
def permissions_text(helpers: SimpleNamespace) -> str:
    return str((helpers.DEPLOY / "nats" / "permissions.conf").read_text())


def _allow_block(permissions: str, user: str) -> str:
    start = permissions.index(f"user: {user}\n")
    end = permissions.find("user: ", start + 1)
    return permissions[start : end if end > 0 else None].split("deny:")[0]


@pytest.mark.parametrize("service", ["catalogue", "prototyping", "partnerships", "notifications"])
async def test_each_service_reads_erasure_requests_on_its_own_durable(
    service: str, connect: Connect, streams: None
) -> None:
    """What the runtime subscribes every service to: `<service>-notifications` on
    NOTIFICATIONS (arctic.runtime.erasure)."""
    session = await connect(service)
    durable = f"{service}-notifications"
    await session.js.add_consumer(
        "NOTIFICATIONS",
        ConsumerConfig(
            durable_name=durable,
            ack_policy=AckPolicy.EXPLICIT,
            filter_subjects=["arctic.notifications.personal_data.erasure_requested.v1"],
        ),
    )
    sub = await session.js.pull_subscribe_bind(durable, stream="NOTIFICATIONS")
    with pytest.raises(nats.errors.TimeoutError):
        await sub.fetch(1, timeout=0.5)  # nothing requested: an empty pull, not a denial
    assert session.errors.empty()
    other = await connect("partnerships" if service != "partnerships" else "catalogue")
    stolen = await other.js.pull_subscribe_bind(durable, stream="NOTIFICATIONS")
    with pytest.raises(nats.errors.TimeoutError):
        await stolen.fetch(1, timeout=0.5)
    await other.denied(f"$JS.API.CONSUMER.MSG.NEXT.NOTIFICATIONS.{durable}")


# The `subscriber` user: the template of an outside system's user (docs/subscribing.md).
# Allowed: its own durables (create, pull, acknowledge, delete), its streams' information.
# Denied: publishing, any stream change, other durables, ephemeral consumers, plain
# subscriptions, the personal keys.


async def test_the_subscriber_reads_through_its_own_durable_with_the_kit_changing_no_stream(
    server: LocalNats, connect: Connect, streams: None
) -> None:
    partnerships = await connect("partnerships")
    before = (await partnerships.js.stream_info("PARTNERSHIPS")).config
    event = example_of(AgreementSigned, agreement_id=uuid4())
    headers, body = build_message(event, correlation_id="permissions")
    await partnerships.js.publish(event.subject, body, headers=headers)
    received: asyncio.Queue[Envelope] = asyncio.Queue()
    broker = NatsBroker(
        server.url, security=NatsUserPassword("subscriber", PASSWORDS["subscriber"])
    )

    @Subscribers(broker).subscriber(
        AgreementSigned, durable="subscriber-agreement-signed", deliver="all"
    )
    async def on_signed(event: AgreementSigned, envelope: Envelope) -> None:
        await received.put(envelope)

    await broker.start()
    try:
        async with asyncio.timeout(30):
            while (await received.get()).id != UUID(headers["ce-id"]):
                pass
    finally:
        await broker.stop()

    assert (await partnerships.js.stream_info("PARTNERSHIPS")).config == before
    assert partnerships.errors.empty()


async def test_the_subscriber_may_delete_its_own_durable_to_replay_and_nobody_else_pulls_it(
    connect: Connect, streams: None
) -> None:
    subscriber = await connect("subscriber")
    await subscriber.js.add_consumer("PARTNERSHIPS", ConsumerConfig(durable_name="subscriber-node"))
    ops = await connect("ops")
    stolen = await ops.js.pull_subscribe_bind("subscriber-node", stream="PARTNERSHIPS")
    with pytest.raises(nats.errors.TimeoutError):
        await stolen.fetch(1, timeout=0.5)
    await ops.denied("$JS.API.CONSUMER.MSG.NEXT.PARTNERSHIPS.subscriber-node")

    assert await subscriber.js.delete_consumer("PARTNERSHIPS", "subscriber-node")
    assert subscriber.errors.empty()


async def test_the_subscriber_creates_changes_purges_or_deletes_no_stream(
    connect: Connect, streams: None
) -> None:
    subscriber = await connect("subscriber")
    before = (await subscriber.js.stream_info("PARTNERSHIPS")).config

    with pytest.raises(nats.errors.TimeoutError):
        await subscriber.js.update_stream(
            StreamConfig(name="PARTNERSHIPS", subjects=["arctic.partnerships.>"], max_age=1)
        )
    await subscriber.denied("$JS.API.STREAM.UPDATE.PARTNERSHIPS")
    with pytest.raises(nats.errors.TimeoutError):
        await subscriber.js.add_stream(StreamConfig(name="MINE", subjects=["mine.>"]))
    await subscriber.denied("$JS.API.STREAM.CREATE.MINE")
    with pytest.raises(nats.errors.TimeoutError):
        await subscriber.js.purge_stream("PARTNERSHIPS")
    await subscriber.denied("$JS.API.STREAM.PURGE.PARTNERSHIPS")
    with pytest.raises(nats.errors.TimeoutError):
        await subscriber.js.delete_stream("PARTNERSHIPS")
    await subscriber.denied("$JS.API.STREAM.DELETE.PARTNERSHIPS")
    assert (await subscriber.js.stream_info("PARTNERSHIPS")).config == before


async def test_the_subscriber_publishes_nothing_and_takes_no_consumer_but_its_own(
    connect: Connect, streams: None
) -> None:
    subscriber = await connect("subscriber")

    with pytest.raises(nats.errors.TimeoutError):
        await subscriber.js.publish(AgreementSigned.subject, b"{}")
    await subscriber.denied(AgreementSigned.subject)
    with pytest.raises(nats.errors.TimeoutError):
        await subscriber.js.add_consumer(
            "PARTNERSHIPS", ConsumerConfig(durable_name="notifications-partnerships")
        )
    await subscriber.denied(
        "$JS.API.CONSUMER.DURABLE.CREATE.PARTNERSHIPS.notifications-partnerships"
    )
    with pytest.raises(nats.errors.TimeoutError):
        await subscriber.js.add_consumer("PARTNERSHIPS", ConsumerConfig())
    await subscriber.denied("$JS.API.CONSUMER.CREATE.PARTNERSHIPS")
    await subscriber.nc.subscribe("arctic.partnerships.>")
    await subscriber.denied("arctic.partnerships.>", operation="subscription")


async def test_the_subscriber_pulls_from_no_services_durable_and_reads_no_other_stream(
    connect: Connect, streams: None
) -> None:
    notifications = await connect("notifications")
    await notifications.js.add_consumer(
        "PARTNERSHIPS", ConsumerConfig(durable_name="notifications-partnerships")
    )
    subscriber = await connect("subscriber")
    stolen = await subscriber.js.pull_subscribe_bind(
        "notifications-partnerships", stream="PARTNERSHIPS"
    )

    with pytest.raises(nats.errors.TimeoutError):
        await stolen.fetch(1, timeout=0.5)
    await subscriber.denied("$JS.API.CONSUMER.MSG.NEXT.PARTNERSHIPS.notifications-partnerships")
    with pytest.raises(nats.errors.TimeoutError):
        await subscriber.js.stream_info("PROTOTYPING")
    await subscriber.denied("$JS.API.STREAM.INFO.PROTOTYPING")
    with pytest.raises(nats.errors.TimeoutError):
        await subscriber.js.stream_info("KV_PERSONAL_KEYS")
    await subscriber.denied("$JS.API.STREAM.INFO.KV_PERSONAL_KEYS")
