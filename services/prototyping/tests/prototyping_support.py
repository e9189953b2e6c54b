"""Builders for prototyping's tests."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
import httpx
from nats.aio.client import Client as NATS


@dataclass
class Prototyping:
    """The running service, a client for it, its database and its NATS."""

    http: httpx.AsyncClient
    db: asyncpg.Pool
    nc: NATS


def valid_request() -> dict[str, object]:
    """The request of the README's first flow."""
    return {
        "company": {
            "name": "Revontuli Robotics Oy",
            "business_id": "2617416-4",
            "contact": {"name": "Aino Testaaja", "email": "aino@example.com", "language": "fi"},
        },
        "title": "Snow-load sensor for roof trusses",
        "problem": "We need a cheap wireless sensor that warns before snow load gets dangerous.",
        "disciplines": ["ict", "construction"],
        "stage": "concept",
        "showcase_consent": True,
    }
