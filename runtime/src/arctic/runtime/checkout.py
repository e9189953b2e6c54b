"""The checkout the runtime runs from, for what only development uses (the local stack's NATS
permissions, the generated docs): the runtime is installed from the workspace, editable."""

from __future__ import annotations

from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[4]
"""The repository's root folder."""
