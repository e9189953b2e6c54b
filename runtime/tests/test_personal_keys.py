"""Persons' keys in the PERSONAL_KEYS bucket of a real NATS: sealed in one process, opened in
another, unreadable everywhere once erased, and an outage never mistaken for an erasure."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.js.errors import APIError
from pydantic import SecretStr

from arctic.contracts.vocabulary import ContactPerson, Language, PersonDetails
from arctic.runtime.personal_data import PepperMissing, PersonalData
from arctic.runtime.personal_keys import (
    STREAM,
    PersonalKeys,
    PersonalKeysUnavailable,
    ensure_bucket,
)
from arctic.runtime.servers import LocalNats
from arctic.runtime.testing import wait_until

PEPPER = SecretStr("a pepper of the tests, 32 bytes!")
AINO = ContactPerson(
    name="Aino Testaaja", email="aino@example.com", phone="+358 40 765 4321", language=Language.sv
)


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def bucket(nc: NATS) -> NATS:
    await ensure_bucket(nc.jetstream(), 1)
    return nc


def persons(nc: NATS, *, cache_seconds: float = 30.0, clock: Clock | None = None) -> PersonalData:
    """A service process's PersonalData (each call: a process of its own, with its own cache)."""
    keys = PersonalKeys(nc, cache_seconds=cache_seconds, clock=clock or Clock())
    return PersonalData(keys, PEPPER)


async def test_a_person_sealed_by_one_service_is_opened_by_another(bucket: NATS) -> None:
    sealed = await persons(bucket).seal(AINO)

    assert sealed.language == Language.sv
    assert sealed.person_id == persons(bucket).person_id("AINO@example.com")
    assert "aino" not in sealed.model_dump_json().lower()
    assert await persons(bucket).open(sealed) == PersonDetails(
        name=AINO.name, email=AINO.email, phone=AINO.phone
    )


async def test_every_seal_of_a_person_uses_their_one_key_even_when_made_at_once(
    bucket: NATS,
) -> None:
    sealed = await asyncio.gather(*(persons(bucket).seal(AINO) for _ in range(8)))

    assert len({s.person_id for s in sealed}) == 1
    reader = persons(bucket)
    assert all([await reader.open(s) is not None for s in sealed])
    info = await bucket.jetstream().stream_info(STREAM)
    assert info.state.messages == 1


async def test_once_erased_no_copy_opens_anywhere(bucket: NATS) -> None:
    writer = persons(bucket)
    sealed = await writer.seal(AINO)

    assert await writer.erase(sealed.person_id) is True

    assert await persons(bucket).open(sealed) is None
    assert await writer.open(sealed) is None, "the erasing process forgot its cached key"
    assert await writer.erase(sealed.person_id) is False, "erasing again finds nothing"


async def test_a_cached_key_is_used_at_most_for_the_cache_time_after_an_erasure(
    bucket: NATS,
) -> None:
    clock = Clock()
    reader = persons(bucket, cache_seconds=30, clock=clock)
    sealed = await persons(bucket).seal(AINO)
    assert await reader.open(sealed) is not None
    await persons(bucket).erase(sealed.person_id)

    clock.now = 29.9
    assert await reader.open(sealed) is not None, "still cached"
    clock.now = 30.0
    assert await reader.open(sealed) is None


async def test_a_person_who_comes_back_after_erasure_gets_a_new_key_that_opens_nothing_older(
    bucket: NATS,
) -> None:
    before = await persons(bucket).seal(AINO)
    await persons(bucket).erase(before.person_id)

    after = await persons(bucket).seal(AINO)

    assert after.person_id == before.person_id
    assert await persons(bucket).open(after) is not None
    assert await persons(bucket).open(before) is None


async def test_a_key_cannot_be_overwritten_or_marked_deleted(bucket: NATS) -> None:
    sealed = await persons(bucket).seal(AINO)
    js = bucket.jetstream()
    subject = f"$KV.PERSONAL_KEYS.{sealed.person_id}"

    with pytest.raises(APIError, match="maximum messages per subject exceeded"):
        await js.publish(subject, b"k" * 32)
    with pytest.raises(APIError, match="maximum messages per subject exceeded"):
        await js.publish(subject, b"", headers={"KV-Operation": "DEL"})
    purge = {"KV-Operation": "PURGE", "Nats-Rollup": "sub"}
    with pytest.raises(APIError, match="rollup"):
        await js.publish(subject, b"", headers=purge)
    assert await persons(bucket).open(sealed) is not None


async def test_an_erased_key_is_overwritten_in_the_servers_files(
    bucket: NATS, nats_server: LocalNats
) -> None:
    keys = PersonalKeys(bucket, cache_seconds=0)
    sealed = await PersonalData(keys, PEPPER).seal(AINO)
    key = await keys.find(sealed.person_id)
    assert key is not None
    assert _stored_anywhere(nats_server.data_dir, key)

    await keys.erase(sealed.person_id)

    assert not _stored_anywhere(nats_server.data_dir, key)


def _stored_anywhere(folder: Path, value: bytes) -> bool:
    return any(value in path.read_bytes() for path in folder.rglob("*") if path.is_file())


async def test_while_nats_is_down_sealing_and_opening_fail_as_unavailable_not_as_erased(
    bucket: NATS, nats_server: LocalNats
) -> None:
    sealed = await persons(bucket).seal(AINO)
    reader = persons(bucket)
    nats_server.stop()

    with pytest.raises(PersonalKeysUnavailable):
        await reader.open(sealed)
    with pytest.raises(PersonalKeysUnavailable):
        await persons(bucket).seal(AINO.model_copy(update={"email": "new@example.com"}))

    nats_server.start()

    async def opens_again() -> bool:
        try:
            return await reader.open(sealed) is not None
        except PersonalKeysUnavailable:
            return False

    await wait_until(opens_again)


async def test_without_the_bucket_opening_fails_as_unavailable(nc: NATS) -> None:
    from arctic.contracts.examples.parties import AINO as EXAMPLE

    with pytest.raises(PersonalKeysUnavailable):
        await persons(nc).open(EXAMPLE)


async def test_without_a_pepper_no_person_can_be_named(nc: NATS) -> None:
    keys = PersonalKeys(nc, cache_seconds=0)
    with pytest.raises(PepperMissing, match="ARCTIC_PERSONAL_DATA_PEPPER"):
        await PersonalData(keys, None).seal(AINO)


async def test_the_key_store_answers_a_fresh_connection_once_provisioned(
    nats_server: LocalNats,
) -> None:
    """Provisioning twice changes nothing (as every start of the owner's migrate job does)."""
    nc = await nats.connect(nats_server.url)
    try:
        await ensure_bucket(nc.jetstream(), 1)
        sealed = await persons(nc).seal(AINO)
        await ensure_bucket(nc.jetstream(), 1)
        assert await persons(nc).open(sealed) is not None
    finally:
        await nc.close()
