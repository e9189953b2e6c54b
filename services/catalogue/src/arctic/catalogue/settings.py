"""Settings of the catalogue (environment variables `ARCTIC_...`)."""

from __future__ import annotations

from pydantic import Field

from arctic.runtime.settings import ServiceSettings


class CatalogueSettings(ServiceSettings):
    """The runtime's settings and the catalogue's own."""

    inquiry_response_working_days: int = Field(default=5, ge=1, le=60)
    """`ARCTIC_INQUIRY_RESPONSE_WORKING_DAYS`: the service level of the one-stop shop, in
    Finnish working days from an inquiry's arrival to its first answer."""
