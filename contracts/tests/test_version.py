"""The package version follows the contracts (rule in `arctic.contracts.version`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from arctic.contracts.export import (
    CONTRACTS_DIR,
    SCHEMAS_DIR,
    VERSION_FILE,
    committed_schemas,
    differences,
    highest_major,
    write,
)
from arctic.contracts.version import (
    SCHEMAS_FINGERPRINT,
    VERSION,
    next_version,
    schemas_fingerprint,
    with_version,
)


def test_the_version_describes_the_committed_schemas() -> None:
    """Fails when the schemas changed and the version did not: run `make schemas`."""
    assert schemas_fingerprint(committed_schemas()) == SCHEMAS_FINGERPRINT


def test_the_major_version_is_the_highest_major_of_any_event() -> None:
    assert int(VERSION.split(".")[0]) == highest_major()


@pytest.mark.parametrize(
    ("version", "major", "expected"),
    [("1.0.0", 1, "1.1.0"), ("1.4.2", 1, "1.5.0"), ("1.4.2", 2, "2.0.0")],
)
def test_a_change_raises_the_minor_and_a_new_major_event_the_major(
    version: str, major: int, expected: str
) -> None:
    assert next_version(version, major=major) == expected


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the contracts' committed files."""
    for path in (SCHEMAS_DIR, "asyncapi.json", "baseline-resets.json"):
        source = CONTRACTS_DIR / path
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / path)
    (tmp_path / VERSION_FILE).parent.mkdir(parents=True)
    shutil.copy(CONTRACTS_DIR / VERSION_FILE, tmp_path / VERSION_FILE)
    return tmp_path


def _version_in(root: Path) -> str:
    for line in (root / VERSION_FILE).read_text().splitlines():
        if line.startswith("VERSION = "):
            return line.split('"')[1]
    raise AssertionError("no VERSION line")


def test_make_schemas_raises_the_minor_version_for_a_compatible_addition(checkout: Path) -> None:
    """The checkout as it was before an optional field was added: that schema without the
    field, and the version recorded for it."""
    path = checkout / SCHEMAS_DIR / "arctic.partnerships.agreement.signed.v1.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    del schema["properties"]["negotiation_id"]
    path.write_text(json.dumps(schema), encoding="utf-8")
    version_file = checkout / VERSION_FILE
    old = schemas_fingerprint(committed_schemas(checkout))
    version_file.write_text(with_version(version_file.read_text(), VERSION, old))
    major, minor, _ = VERSION.split(".")

    assert differences(checkout) != []
    assert VERSION_FILE in write(checkout)

    assert _version_in(checkout) == f"{major}.{int(minor) + 1}.0"
    assert differences(checkout) == []


def test_make_schemas_leaves_the_version_when_nothing_changed(checkout: Path) -> None:
    assert write(checkout) == []
    assert _version_in(checkout) == VERSION
