"""The contracts install on their own: the built wheel, in a fresh virtual environment.

What another system does with `pip install arctic-contracts`: nothing of the runtime or the
services comes along, every example event goes through `build_message` / `parse_message`,
the committed schemas and the AsyncAPI document are inside, and the `faststream` extra adds
the subscriber kit. The wheel is built here, offline; its dependencies come from uv's cache
(filled from the package registry when the workspace was installed) at the locked versions.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from arctic.contracts.export import CONTRACTS_DIR
from arctic.contracts.version import VERSION

pytestmark = pytest.mark.slow

CHECK = """
import importlib.metadata, importlib.resources, importlib.util, json
from arctic.contracts.envelope import build_message, parse_message
from arctic.contracts.examples import EXAMPLES
from arctic.contracts.registry import EVENTS

parsed = 0
for subject, model in EVENTS.items():
    event = EXAMPLES[model]()
    headers, body = build_message(event, correlation_id="wheel-test")
    envelope, again = parse_message(subject, headers, body)
    assert again == event and envelope.type == subject, subject
    parsed += 1
published = importlib.resources.files("arctic.contracts") / "published"
schemas = sorted(p.name for p in (published / "schemas").iterdir())
asyncapi = json.loads((published / "asyncapi.json").read_text())
print(json.dumps({
    "parsed": parsed,
    "schemas": schemas,
    "channels": len(asyncapi["channels"]),
    "version": importlib.metadata.version("arctic-contracts"),
    "requires": importlib.metadata.requires("arctic-contracts"),
    "runtime": importlib.util.find_spec("arctic.runtime") is not None,
    "faststream": importlib.util.find_spec("faststream") is not None,
}))
"""


def _uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        pytest.fail("uv not found: the tests run under `uv run` (make test)")
    return found


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=240
    )
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(_uv(), "build", "--offline", "--wheel", "--out-dir", out, CONTRACTS_DIR)
    (built,) = out.glob("arctic_contracts-*.whl")
    return built


def _fresh_venv(tmp_path: Path, requirement: str) -> Path:
    """A new virtual environment with `requirement` installed, its dependencies pinned to
    the versions of uv.lock: uv's cache has them, and asks the package registry only
    whether its index changed."""
    locked = tmp_path / "locked.txt"
    _run(
        _uv(), "export", "--frozen", "--package", "arctic-contracts", "--extra", "faststream",
        "--no-emit-workspace", "--no-hashes", "--output-file", locked, cwd=CONTRACTS_DIR.parent,
    )  # fmt: skip
    venv = tmp_path / "venv"
    _run(_uv(), "venv", "--offline", "--python", sys.executable, venv)
    python = venv / "bin" / "python"
    _run(
        _uv(), "pip", "install", "--python", python, "--constraints", locked,
        requirement, cwd=tmp_path,
    )  # fmt: skip
    return python


def test_the_wheel_alone_parses_every_example_event(wheel: Path, tmp_path: Path) -> None:
    import json

    from arctic.contracts.registry import EVENTS

    python = _fresh_venv(tmp_path, str(wheel))
    found = json.loads(_run(python, "-I", "-c", CHECK, cwd=tmp_path))

    assert wheel.name == f"arctic_contracts-{VERSION}-py3-none-any.whl"
    assert found["version"] == VERSION
    assert found["parsed"] == len(EVENTS)
    assert found["schemas"] == sorted(f"{subject}.json" for subject in EVENTS)
    assert found["channels"] == len(EVENTS)
    assert sorted(r.split(">")[0].split("<")[0] for r in found["requires"] if "extra" not in r) == [
        "email-validator",
        "pydantic",
    ]
    assert (found["runtime"], found["faststream"]) == (False, False)


def test_the_faststream_extra_brings_the_subscriber_kit(wheel: Path, tmp_path: Path) -> None:
    python = _fresh_venv(tmp_path, f"arctic-contracts[faststream] @ {wheel.as_uri()}")
    shown = _run(
        python,
        "-I",
        "-c",
        "from arctic.contracts.faststream import Subscribers; import importlib.metadata as m; "
        'print(m.version("faststream"))',
        cwd=tmp_path,
    )

    assert shown.startswith("0.7.")
