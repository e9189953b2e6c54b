"""Fixtures shared by every package's tests: real NATS and PostgreSQL (arctic.runtime.testing)."""

pytest_plugins = ["arctic.runtime.testing"]
