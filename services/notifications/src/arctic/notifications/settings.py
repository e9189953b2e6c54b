"""Settings of notifications: where mail goes out, who coordinates, how retries pace."""

from __future__ import annotations

from pydantic import Field, SecretStr

from arctic.contracts.vocabulary import Language
from arctic.runtime.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    """`ARCTIC_SMTP_*`, `ARCTIC_MAIL_FROM`, the coordinators' address, the retry pacing and
    how long settled deliveries are kept."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_from: str = "Arctic RDI Hub <noreply@arctic-rdi.fi>"
    prototyping_coordinators_email: str = "prototyping@arctic-rdi.fi"
    coordinators_language: Language = Language.fi
    delivery_max_attempts: int = Field(default=8, ge=1)
    delivery_retry_base_seconds: float = Field(default=30.0, gt=0)
    delivery_retry_max_seconds: float = Field(default=3600.0, gt=0)
    delivery_poll_seconds: float = Field(default=0.5, gt=0)
    delivery_stale_sending_seconds: float = Field(default=120.0, gt=0)
    delivery_retention_days: int = Field(default=90, ge=1)
