"""The version of the `arctic-contracts` package, which follows the contracts themselves.

MAJOR is the highest major version of any event (`….v2` makes it 2); MINOR grows by one for
every change of the committed JSON Schemas within that major version (which the
compatibility gate only lets through when compatible: an added optional field, an added
enum value, a new event); PATCH is for the package alone (the kit, documentation) and leaves
the events as they were. A subscriber that requires `arctic-contracts>=1.4,<2` therefore
reads every event of 1.4 and of any later 1.x.

`make schemas` keeps this file true: when the schemas it writes differ from those of
`SCHEMAS_FINGERPRINT`, it raises the version as above and records the new fingerprint;
`tests/test_version.py` fails when the committed schemas and this file disagree.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

VERSION = "1.2.0"
"""The package version (also the wheel's, read by the build from here)."""

SCHEMAS_FINGERPRINT = "87ef6a75ee304cb31ea30af90e93708a5142dfd0cc12070876ba2d1ccde0a87b"
"""SHA-256 of the committed schemas (`schemas_fingerprint`) that `VERSION` describes."""


def schemas_fingerprint(schemas: Mapping[str, str]) -> str:
    """SHA-256 over the committed schemas: file name and text of each, in name order."""
    digest = hashlib.sha256()
    for name in sorted(schemas):
        digest.update(f"{name}\n{len(schemas[name])}\n{schemas[name]}".encode())
    return digest.hexdigest()


def next_version(version: str, *, major: int) -> str:
    """The version after the schemas changed, given the highest major of any event now:
    a new major restarts at `major.0.0`, anything else raises MINOR."""
    current_major, minor, _ = (int(part) for part in version.split("."))
    if major > current_major:
        return f"{major}.0.0"
    return f"{current_major}.{minor + 1}.0"


def with_version(source: str, version: str, fingerprint: str) -> str:
    """The text of this module with `VERSION` and `SCHEMAS_FINGERPRINT` replaced."""
    source = re.sub(r'^VERSION = "[^"]*"$', f'VERSION = "{version}"', source, count=1, flags=re.M)
    return re.sub(
        r'^SCHEMAS_FINGERPRINT = "[^"]*"$',
        f'SCHEMAS_FINGERPRINT = "{fingerprint}"',
        source,
        count=1,
        flags=re.M,
    )


__all__ = ["SCHEMAS_FINGERPRINT", "VERSION", "next_version", "schemas_fingerprint", "with_version"]
