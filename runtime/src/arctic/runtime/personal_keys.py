"""The persons' data keys: a JetStream key-value bucket, `PERSONAL_KEYS`, one key per person.

The bucket is a stream that follows the key-value conventions (`KV_PERSONAL_KEYS`, subjects
`$KV.PERSONAL_KEYS.<person_id>`, one message per subject), so `nats kv get PERSONAL_KEYS …`
reads it, with three settings of its own that make a key write-once:

- `discard_new_per_subject`: a second message for a person is refused by the server, so a
  key, once created, can be neither overwritten nor replaced by a delete marker;
- `allow_rollup_hdrs: false`: no purge marker either;
- `deny_delete: false`: the erasure path removes a key's message with the stream API, which
  erases it securely (the server overwrites the stored bytes).

Who may do what is NATS permissions (deploy/nats/permissions.conf): producers create and read
keys, notifications reads, creates the bucket and erases; nobody else sees the bucket.

Reads go to the stream leader (no direct get from a follower that may not have a key just
created yet): a key that is missing means the person was erased, never "not replicated yet".
Keys are cached per process for `cache_seconds`; see `PersonalKeys`.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TypeVar
from uuid import UUID

import nats.errors
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    RawStreamMsg,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import APIError, NotFoundError

from arctic.runtime.logs import get_logger
from arctic.runtime.sealing import KEY_BYTES, new_person_key

log = get_logger(__name__)
T = TypeVar("T")

BUCKET = "PERSONAL_KEYS"
STREAM = f"KV_{BUCKET}"
SUBJECT_PREFIX = f"$KV.{BUCKET}."
_NO_MESSAGE = 10037
_WRONG_LAST_SEQUENCE = (10071, 10164)
_PER_SUBJECT_LIMIT = 10077
_NATS_FAILURES = (nats.errors.Error, TimeoutError, OSError)


class PersonalKeysUnavailable(Exception):
    """The key store could not be reached (or does not exist yet): try again later. Never
    read as "erased"."""


def bucket_config(replicas: int) -> StreamConfig:
    """The configuration of the `PERSONAL_KEYS` bucket's stream."""
    return StreamConfig(
        name=STREAM,
        description="Data keys of persons (crypto-shredding): one write-once key per person.",
        subjects=[f"{SUBJECT_PREFIX}>"],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        num_replicas=replicas,
        max_msgs_per_subject=1,
        discard=DiscardPolicy.NEW,
        discard_new_per_subject=True,
        allow_rollup_hdrs=False,
        allow_direct=False,
        deny_delete=False,
        deny_purge=False,
        duplicate_window=120.0,
    )


async def ensure_bucket(js: JetStreamContext, replicas: int) -> None:
    """Create the bucket, or bring it to the configuration in code (the owner's provisioning)."""
    config = bucket_config(replicas)
    try:
        await js.stream_info(STREAM)
    except NotFoundError:
        await js.add_stream(config)
        log.info("personal keys bucket created", stream=STREAM)
        return
    await js.update_stream(config)
    log.info("personal keys bucket up to date", stream=STREAM)


async def wait_for_bucket(js: JetStreamContext, within: float = 60.0) -> None:
    """Wait until the bucket exists (another service's provisioning creates it)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            await js.stream_info(STREAM)
            return
        except NotFoundError:
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(
                    f"the {BUCKET} bucket does not exist: provision the service that owns it "
                    "(notifications) first"
                ) from None
            await asyncio.sleep(1)


class PersonalKeys:
    """Get, create and erase persons' keys, with a per-process cache.

    While NATS is disconnected every call fails at once (`PersonalKeysUnavailable`) rather
    than waiting for a reply through the reconnect buffer; a request times out after
    `timeout` seconds.

    The cache keeps a key for `cache_seconds` after it was read or made (0: no cache). A
    time limit rather than a watch on the bucket, because it fails closed: a watch that
    silently stops would keep an erased key usable for ever, a time limit cannot; and it
    needs no consumer and no permission beyond reading. So an erased key may still open
    details in another process for up to `cache_seconds`; the erasure path waits that long
    before it asks the services to erase their copies, so that nothing opened in that
    window stays behind.
    """

    def __init__(
        self,
        nc: NATS,
        *,
        cache_seconds: float,
        timeout: float = 2.0,
        max_cached: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.nc = nc
        self.js = nc.jetstream(timeout=timeout)
        self.cache_seconds = cache_seconds
        self.max_cached = max_cached
        self.clock = clock
        self._cache: OrderedDict[UUID, tuple[bytes, float]] = OrderedDict()

    async def find(self, person_id: UUID) -> bytes | None:
        """The person's key, or None when they have none (erased, or never sealed)."""
        cached = self._cached(person_id)
        if cached is not None:
            return cached
        key = await self._read(person_id)
        if key is not None:
            self._remember(person_id, key)
        return key

    async def find_or_create(self, person_id: UUID) -> bytes:
        """The person's key, created (write-once) when they have none yet."""
        key = await self.find(person_id)
        if key is not None:
            return key
        made = new_person_key()
        self._connected()
        try:
            await self.js.publish(
                _subject(person_id), made, headers={"Nats-Expected-Last-Subject-Sequence": "0"}
            )
        except APIError as error:
            if error.err_code not in (*_WRONG_LAST_SEQUENCE, _PER_SUBJECT_LIMIT):
                raise PersonalKeysUnavailable(f"a key could not be created: {error}") from error
            existing = await self._read(person_id)  # another process made it first
            if existing is None:
                raise PersonalKeysUnavailable("a key was made and erased at once") from error
            made = existing
        except _NATS_FAILURES as error:
            raise PersonalKeysUnavailable(f"a key could not be created: {error!r}") from error
        self._remember(person_id, made)
        return made

    async def erase(self, person_id: UUID) -> bool:
        """Erase the person's key for good (the stored bytes are overwritten); tell whether
        there was one. Needs the erasure path's NATS permissions."""
        self.forget(person_id)
        message = await self._message(person_id)
        if message is None:
            return False
        seq = message.seq
        assert seq is not None, "a stored message has a sequence number"
        erased = await self._ask("erased", lambda: self.js.delete_msg(STREAM, seq))
        return erased is not None

    def forget(self, person_id: UUID) -> None:
        """Drop the person's key from this process's cache."""
        self._cache.pop(person_id, None)

    async def _read(self, person_id: UUID) -> bytes | None:
        message = await self._message(person_id)
        if message is None:
            return None
        if message.data is None or len(message.data) != KEY_BYTES:
            raise PersonalKeysUnavailable(f"the stored key of {person_id} is not a key")
        return bytes(message.data)

    async def _message(self, person_id: UUID) -> RawStreamMsg | None:
        """The stored message of the person's key, from the stream leader; None if none."""
        subject = _subject(person_id)
        return await self._ask("read", lambda: self.js.get_msg(STREAM, subject=subject))

    async def _ask(self, doing: str, request: Callable[[], Awaitable[T]]) -> T | None:
        """The answer to a request about a key; None when the stream holds no such message.
        Anything else that goes wrong makes the key store unavailable, never an erasure."""
        self._connected()
        try:
            return await request()
        except APIError as error:
            if error.err_code == _NO_MESSAGE:
                return None
            raise PersonalKeysUnavailable(f"the key could not be {doing}: {error}") from error
        except _NATS_FAILURES as error:
            raise PersonalKeysUnavailable(f"the key could not be {doing}: {error!r}") from error

    def _connected(self) -> None:
        if not self.nc.is_connected:
            raise PersonalKeysUnavailable("NATS is not connected")

    def _cached(self, person_id: UUID) -> bytes | None:
        entry = self._cache.get(person_id)
        if entry is None:
            return None
        key, expires = entry
        if self.clock() >= expires:
            del self._cache[person_id]
            return None
        return key

    def _remember(self, person_id: UUID, key: bytes) -> None:
        if self.cache_seconds <= 0:
            return
        self._cache[person_id] = (key, self.clock() + self.cache_seconds)
        self._cache.move_to_end(person_id)
        while len(self._cache) > self.max_cached:
            self._cache.popitem(last=False)


def _subject(person_id: UUID) -> str:
    return f"{SUBJECT_PREFIX}{person_id}"
