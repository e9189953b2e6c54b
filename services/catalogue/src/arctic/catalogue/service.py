"""The catalogue service as the runtime runs it."""

from pathlib import Path

from arctic.catalogue import api, booking_api, inquiry_api
from arctic.catalogue.demo import DEMO_DATA
from arctic.catalogue.handlers import erase_person
from arctic.catalogue.settings import CatalogueSettings
from arctic.runtime.service import ServiceDefinition

definition = ServiceDefinition(
    name="catalogue",
    description=(
        "The one-stop shop: the network's organisations, their productized services and "
        "development environments, bookings, funding instruments and company inquiries."
    ),
    migrations=Path(__file__).parent / "migrations",
    settings_class=CatalogueSettings,
    local_port=8101,
    routers=[api.router, inquiry_api.router, booking_api.router],
    problems=api.PROBLEMS,
    erase_person=erase_person,
    demo_data=DEMO_DATA,
    extensions=("btree_gist", "pg_trgm"),
)
