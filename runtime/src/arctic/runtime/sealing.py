"""Pseudonymous person ids and sealed personal details: the cryptography of crypto-shredding.

Pure functions, no I/O (the keys live in the `PERSONAL_KEYS` bucket, see `personal_keys`):

- `person_id_for(email, pepper)`: the same UUID for the same person in every service, without
  a lookup: HMAC-SHA256 of the normalised e-mail address under a secret pepper that the
  services share, shaped as a UUIDv8 (RFC 9562). Without the pepper, the id cannot be linked
  back to an address by guessing addresses.
- `seal_details(key, person_id, details)`: AES-256-GCM (`cryptography`) of the details'
  JSON under the person's own 256-bit key, with a random 96-bit nonce, and the person id as
  associated data, so a sealed value opens only as the person it was made for.
- `open_details(key, person_id, sealed)`: the details, or None when this key did not seal
  them (a key made after the person was erased and came back cannot open older copies).

Wire format (base64): a format byte (1), the 12-byte nonce, the ciphertext with its 16-byte tag.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import unicodedata
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import ValidationError

from arctic.contracts.vocabulary import PersonDetails

FORMAT = 1
KEY_BYTES = 32
NONCE_BYTES = 12
MIN_PEPPER_BYTES = 16
_PERSON_ID_CONTEXT = b"arctic-rdi-hub person id v1\x00"
_DETAILS_CONTEXT = b"arctic-rdi-hub person details v1\x00"


class SealedValueInvalid(ValueError):
    """A sealed value is not of the format this module writes (not a question of keys)."""


def normalised_email(email: str) -> str:
    """The form of an address that names one person: Unicode NFC, trimmed, case-folded.

    Case-folding the local part too is a choice: mail systems treat it case-insensitively
    in practice, and one person typing `Aino@` once and `aino@` later is one person.
    """
    return unicodedata.normalize("NFC", email).strip().casefold()


def person_id_for(email: str, pepper: bytes) -> UUID:
    """The pseudonymous id of the person with this e-mail address (a UUIDv8)."""
    if len(pepper) < MIN_PEPPER_BYTES:
        raise ValueError(f"the pepper must be at least {MIN_PEPPER_BYTES} bytes long")
    message = _PERSON_ID_CONTEXT + normalised_email(email).encode()
    digest = bytearray(hmac.new(pepper, message, hashlib.sha256).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x80  # version 8: custom
    digest[8] = (digest[8] & 0x3F) | 0x80  # variant RFC 9562
    return UUID(bytes=bytes(digest))


def new_person_key() -> bytes:
    """A fresh random 256-bit data key for one person."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def seal_details(key: bytes, person_id: UUID, details: PersonDetails) -> str:
    """`details` encrypted and authenticated under `key`, bound to `person_id` (base64)."""
    nonce = os.urandom(NONCE_BYTES)
    plaintext = details.model_dump_json(exclude_none=True).encode()
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, _associated_data(person_id))
    return base64.b64encode(bytes([FORMAT]) + nonce + ciphertext).decode("ascii")


def open_details(key: bytes, person_id: UUID, sealed: str) -> PersonDetails | None:
    """The details sealed in `sealed`, or None when `key` did not seal them for `person_id`.

    Raises SealedValueInvalid for a value that is not a sealed value at all.
    """
    try:
        raw = base64.b64decode(sealed, validate=True)
    except binascii.Error as error:
        raise SealedValueInvalid("a sealed value is base64") from error
    if len(raw) < 1 + NONCE_BYTES + 16 or raw[0] != FORMAT:
        raise SealedValueInvalid(f"a sealed value starts with format byte {FORMAT}")
    nonce, ciphertext = raw[1 : 1 + NONCE_BYTES], raw[1 + NONCE_BYTES :]
    try:
        plaintext = AESGCM(key).decrypt(nonce, ciphertext, _associated_data(person_id))
    except InvalidTag:
        return None
    try:
        return PersonDetails.model_validate_json(plaintext)
    except ValidationError as error:
        raise SealedValueInvalid("the sealed details do not read as PersonDetails") from error


def _associated_data(person_id: UUID) -> bytes:
    return _DETAILS_CONTEXT + person_id.bytes
