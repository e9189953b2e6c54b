"""The prototyping service as the runtime runs it."""

from pathlib import Path

from arctic.prototyping import api, experts_api, reports_api, showcase
from arctic.prototyping.consumers import SUBSCRIPTIONS
from arctic.prototyping.demo import DEMO_DATA
from arctic.prototyping.handlers import erase_person
from arctic.prototyping.settings import PrototypingSettings
from arctic.runtime.service import ServiceDefinition

definition = ServiceDefinition(
    name="prototyping",
    description=(
        "Companies' problems and ideas turned into technology prototypes within about a month: "
        "intake, triage, the expert pool and teams, the time-box and its milestones, delivery "
        "and the public showcase."
    ),
    migrations=Path(__file__).parent / "migrations",
    settings_class=PrototypingSettings,
    local_port=8102,
    subscriptions=SUBSCRIPTIONS,
    routers=[api.router, experts_api.router, showcase.router, reports_api.router],
    problems=[*api.PROBLEMS, *experts_api.PROBLEMS],
    erase_person=erase_person,
    demo_data=DEMO_DATA,
)
