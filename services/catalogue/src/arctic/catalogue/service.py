"""The catalogue service as the runtime runs it (organisations so far; offerings come next)."""

from pathlib import Path

from arctic.runtime.service import ServiceDefinition
from arctic.runtime.settings import ServiceSettings

definition = ServiceDefinition(
    name="catalogue",
    description=(
        "The one-stop shop: the network's organisations, their productized services and "
        "development environments, bookings, funding instruments and company inquiries."
    ),
    migrations=Path(__file__).parent / "migrations",
    settings_class=ServiceSettings,
    local_port=8101,
)
