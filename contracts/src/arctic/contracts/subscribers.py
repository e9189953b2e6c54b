"""Who outside the product subscribes to which event: notes for the event catalogue.

The services' own consumers are read from their code (`docs/events.md` is generated from
the registry and the installed services' subscriptions); the systems beyond the product
that build on the events cannot be read from anywhere, so they are written down here, by
subject.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

OTHER_SYSTEMS: Mapping[str, str] = MappingProxyType(
    {
        "arctic.catalogue.offering.published.v1": "the web site (the public catalogue)",
        "arctic.catalogue.offering.retired.v1": "the web site (the public catalogue)",
        "arctic.catalogue.environment.usage_recorded.v1": "benefit reporting",
        "arctic.prototyping.prototype.delivered.v1": "social media (the showcase, with consent)",
        "arctic.partnerships.evaluation.held.v1": "partnership reporting",
        "arctic.partnerships.agreement.renewed.v1": "partnership reporting",
        "arctic.partnerships.agreement.ended.v1": "partnership reporting",
        "arctic.partnerships.handprint.recorded.v1": "social-handprint reporting",
    }
)
"""Subject -> the systems beyond the product that subscribe to it."""

__all__ = ["OTHER_SYSTEMS"]
