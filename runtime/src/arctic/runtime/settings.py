"""Settings every service reads from the environment (prefix `ARCTIC_`)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from arctic.runtime.access.settings import AccessSettings
from arctic.runtime.sealing import MIN_PEPPER_BYTES

STREAM_MAX_AGE_DAYS = 400
"""How long a stream keeps a message (JetStream max age, see `provisioning`)."""

OPS_PORT_OFFSET = 100
"""A service's operations port, unless set, is its HTTP port plus this."""


class ServiceSettings(AccessSettings):
    """What one service process needs to reach its database, NATS and callers (and, from
    `AccessSettings`, how it checks its callers' tokens).

    Each process runs one service, so the names carry no service prefix: the same image and
    the same variable names run every service (`ARCTIC_DATABASE_DSN`, `ARCTIC_NATS_URL`, ...).
    """

    model_config = SettingsConfigDict(env_prefix="ARCTIC_", extra="ignore")

    service: str = ""
    database_dsn: SecretStr = SecretStr("postgresql://postgres@127.0.0.1:5432/postgres")
    # The relay keeps one connection for LISTEN and takes its rounds from the same pool.
    database_pool_size: int = Field(default=10, ge=3)
    nats_url: str = "nats://127.0.0.1:4222"
    nats_user: str | None = None
    nats_password: SecretStr | None = None
    http_host: str = "127.0.0.1"
    http_port: int = 0
    # Bodies over this are answered 413 (body_limit.py); commands need a few KiB.
    http_max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # /healthz, /readyz and /metrics listen here only, so that a network policy can open the
    # API to the ingress and the metrics to the monitoring namespace alone.
    ops_port: int = 0
    stream_replicas: int = Field(default=1, ge=1, le=5)
    log_level: str = "INFO"
    relay_batch_size: int = Field(default=500, ge=1)
    relay_sweep_seconds: float = Field(default=1.0, gt=0)
    scheduler_interval_seconds: float = Field(default=1.0, gt=0)
    consumer_batch_size: int = Field(default=200, ge=1)
    shutdown_grace_seconds: float = Field(default=20.0, gt=0)
    # Housekeeping: small batches with a pause between them, so pruning never holds up the
    # relay or the consumers; each kind of row has its retention.
    housekeeping_interval_seconds: float = Field(default=300.0, gt=0)
    housekeeping_batch_size: int = Field(default=1000, ge=1)
    housekeeping_pause_seconds: float = Field(default=0.05, ge=0)
    # ... and at least this many times as long as the batch took: pruning yields more the
    # busier the database is, and takes at most 1/(1 + ratio) of one connection's time.
    housekeeping_pause_ratio: float = Field(default=4.0, ge=0)
    outbox_retention_days: int = Field(default=7, ge=1)
    # An inbox id must outlive every copy of its event that the stream could still deliver
    # (a redelivery, or a durable replaying the whole stream): the stream keeps 400 days.
    inbox_retention_days: int = Field(default=STREAM_MAX_AGE_DAYS + 1, ge=STREAM_MAX_AGE_DAYS)
    dead_letter_retention_days: int = Field(default=30, ge=1)
    idempotency_key_hours: int = Field(default=24, ge=1)
    # A crashed background loop restarts after this pause, doubling; after the limit of
    # crashes in a row /healthz fails (supervision.py).
    loop_restart_seconds: float = Field(default=1.0, gt=0)
    loop_crash_limit: int = Field(default=5, ge=1)
    # The same secret in every service, so that each derives the same id for a person.
    personal_data_pepper: SecretStr | None = None
    personal_data_cache_seconds: float = Field(default=30.0, ge=0, le=3600)
    # Load the service's demo data sets at start (the local stack turns it on; see demo.py).
    demo_data: bool = False

    @field_validator("personal_data_pepper")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < MIN_PEPPER_BYTES:
            raise ValueError(f"the pepper must be at least {MIN_PEPPER_BYTES} bytes long")
        return value

    def port(self) -> int:
        """The HTTP port of the API (0: one the system picks)."""
        return self.http_port

    def operations_port(self) -> int:
        """The port of /healthz, /readyz and /metrics: the setting, or the API's + 100."""
        if self.ops_port or not self.http_port:
            return self.ops_port
        return self.http_port + OPS_PORT_OFFSET

    def with_default_port(self, port: int) -> Self:
        """These settings, with `port` as the API's port when none is set."""
        return self if self.http_port else self.model_copy(update={"http_port": port})
