"""The partnerships service as the runtime runs it (partners so far; agreements come next)."""

from pathlib import Path

from arctic.runtime.service import ServiceDefinition
from arctic.runtime.settings import ServiceSettings

definition = ServiceDefinition(
    name="partnerships",
    description=(
        "Contract partnerships: needs, negotiations, three-year agreements, yearly action plans, "
        "evaluations twice a year and the spring partner event."
    ),
    migrations=Path(__file__).parent / "migrations",
    settings_class=ServiceSettings,
    local_port=8103,
)
