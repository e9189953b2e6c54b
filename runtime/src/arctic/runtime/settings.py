"""Settings every service reads from the environment (prefix `ARCTIC_`)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_PORTS = {
    "catalogue": 8101,
    "prototyping": 8102,
    "partnerships": 8103,
    "notifications": 8104,
}


class ServiceSettings(BaseSettings):
    """What one service process needs to reach its database, NATS and callers.

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
    stream_replicas: int = Field(default=1, ge=1, le=5)
    log_level: str = "INFO"
    relay_batch_size: int = Field(default=500, ge=1)
    relay_sweep_seconds: float = Field(default=1.0, gt=0)
    scheduler_interval_seconds: float = Field(default=1.0, gt=0)
    consumer_batch_size: int = Field(default=200, ge=1)
    shutdown_grace_seconds: float = Field(default=20.0, gt=0)

    def port(self) -> int:
        """The HTTP port: the setting, or the service's conventional local port."""
        return self.http_port or SERVICE_PORTS.get(self.service, 8100)
