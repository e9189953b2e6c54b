"""The partnerships service as the runtime runs it."""

from pathlib import Path

from arctic.partnerships import api, handprint_api, needs_api, partner_events_api, year_api
from arctic.partnerships.consumers import SUBSCRIPTIONS, erase_person
from arctic.partnerships.demo import DEMO_DATA
from arctic.partnerships.settings import PartnershipsSettings
from arctic.runtime.service import ServiceDefinition

definition = ServiceDefinition(
    name="partnerships",
    description=(
        "Contract partnerships: needs, negotiations, three-year agreements, yearly action plans, "
        "evaluations twice a year and the spring partner event."
    ),
    migrations=Path(__file__).parent / "migrations",
    settings_class=PartnershipsSettings,
    local_port=8103,
    subscriptions=SUBSCRIPTIONS,
    routers=[
        api.router,
        needs_api.router,
        year_api.router,
        partner_events_api.router,
        handprint_api.router,
    ],
    problems=api.PROBLEMS,
    erase_person=erase_person,
    demo_data=DEMO_DATA,
)
