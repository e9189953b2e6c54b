"""Fixtures shared by every package's tests: real NATS and PostgreSQL (see arctic.runtime.testing)."""

pytest_plugins = ["arctic.runtime.testing"]
