"""The prototyping service as the runtime runs it."""

from pathlib import Path

from arctic.prototyping.api import PROBLEMS, router
from arctic.prototyping.handlers import erase_contact
from arctic.runtime.service import ServiceDefinition
from arctic.runtime.settings import ServiceSettings

definition = ServiceDefinition(
    name="prototyping",
    description=(
        "Companies' problems and ideas turned into technology prototypes within about a month: "
        "intake, triage, teams, milestones and delivery."
    ),
    migrations=Path(__file__).parent / "migrations",
    settings_class=ServiceSettings,
    local_port=8102,
    routers=[router],
    problems=PROBLEMS,
    erase_person=erase_contact,
)
