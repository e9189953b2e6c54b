"""Fixtures shared by every package's tests: real NATS and PostgreSQL (arctic.runtime.testing)
and bearer tokens the services under test trust (arctic.runtime.access.testing)."""

pytest_plugins = ["arctic.runtime.testing", "arctic.runtime.access.testing"]
