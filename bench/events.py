"""The event both pipelines carry: a PrototypeRequested, as a plain dict or as its model."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Any

from arctic.contracts.events import PrototypeRequested

REQUESTED = PrototypeRequested.subject
_SEALED = base64.b64encode(bytes(range(160))).decode()
"""As long as a person's sealed details (name, e-mail, phone; nonce, key id and tag)."""
_COMPANY = {
    "name": "Revontuli Robotics Oy",
    "business_id": "2617416-4",
    "contact": {
        "person_id": uuid.UUID("0193a1b0-0000-7000-8000-0000000000aa"),
        "language": "fi",
        "sealed_details": _SEALED,
    },
}


def request_data(number: int) -> dict[str, Any]:
    """The fields of one prototype request, with a fresh request id and the current time."""
    return {
        "request_id": uuid.uuid4(),
        "company": _COMPANY,
        "title": f"Snow-load sensor {number}",
        "problem": "Warn before the snow load on a roof gets dangerous.",
        "disciplines": ["ict", "construction"],
        "stage": "concept",
        "showcase_consent": True,
        "origin_inquiry_id": None,
        "requested_at": datetime.now(UTC),
    }


def requested_event(number: int) -> PrototypeRequested:
    """The same request as the contract's model (what a service emits through the runtime)."""
    return PrototypeRequested.model_validate(request_data(number))
