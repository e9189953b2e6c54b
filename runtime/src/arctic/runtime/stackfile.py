"""Where a running `arctic up` listens, written into its home folder for the `arctic` command.

`arctic up` writes `<home>/stack.json` (readable by its owner only: it holds the local
passwords) once its servers listen; `arctic events tail`, `arctic dead-letters ...` and the
other commands read it when no `ARCTIC_*` setting says otherwise, so that they find the
stack in a second terminal, on whatever ports it was given.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

FILE_NAME = "stack.json"


class LocalHome(BaseSettings):
    """The local stack's home folder (`ARCTIC_LOCAL_HOME`, default `.arctic`)."""

    model_config = SettingsConfigDict(env_prefix="ARCTIC_LOCAL_", extra="ignore")

    home: Path = Path(".arctic")


@dataclass(frozen=True)
class ServiceAddress:
    """How one service of the stack is reached, and how it reaches its servers."""

    url: str
    ops_url: str
    database_dsn: str
    nats_user: str
    nats_password: str


@dataclass(frozen=True)
class StackFile:
    """What `arctic up` tells the other commands about the stack it runs."""

    nats_url: str
    postgres: str
    ops_nats_user: str
    ops_nats_password: str
    services: dict[str, ServiceAddress] = field(default_factory=dict)

    def write(self, home: Path) -> Path:
        """Write `<home>/stack.json`, readable by its owner only."""
        path = home / FILE_NAME
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(asdict(self), out, indent=2)
        return path


def stack_file_path() -> Path:
    """Where the stack file of this folder's stack is (or would be)."""
    return LocalHome().home / FILE_NAME


def read_stack_file() -> StackFile | None:
    """The stack file of `ARCTIC_LOCAL_HOME` (or `.arctic`), None when there is none."""
    path = stack_file_path()
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    services = {
        name: ServiceAddress(**address) for name, address in data.pop("services", {}).items()
    }
    return StackFile(**data, services=services)
