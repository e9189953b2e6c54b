"""The prototyping service as the runtime runs it."""

from pathlib import Path

from arctic.prototyping.api import router
from arctic.runtime.service import ServiceDefinition

definition = ServiceDefinition(
    name="prototyping",
    description=(
        "Companies' problems and ideas turned into technology prototypes within about a month: "
        "intake, triage, teams, milestones and delivery."
    ),
    migrations=Path(__file__).parent / "migrations",
    routers=[router],
)
