"""Settings of notifications: where mail goes out, who coordinates, how retries pace."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Self

from pydantic import Field, SecretStr, model_validator

from arctic.contracts.vocabulary import Language
from arctic.runtime.settings import ServiceSettings

RESERVED_CONNECTIONS = 3
"""Connections the sends in flight leave to the rest: relay LISTEN, relay round, consumer."""


class NotificationsSettings(ServiceSettings):
    """`ARCTIC_SMTP_*`, `ARCTIC_MAIL_FROM`, the coordinators' address, the retry pacing and
    how long settled deliveries are kept."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_from: str = "Arctic Research Community <noreply@arctic-rdi.fi>"
    """The sender; its display name also signs every message."""
    one_stop_shop_email: str = "info@arctic-rdi.fi"
    """Role address of the one-stop shop's coordinators (inquiries, bookings)."""
    prototyping_coordinators_email: str = "prototyping@arctic-rdi.fi"
    """Role address of the prototyping coordinators (new requests, overdue prototypes)."""
    partnerships_email: str = "partnerships@arctic-rdi.fi"
    """Role address of the partnership coordinators (needs raised, the spring event)."""
    coordinators_language: Language = Language.fi
    delivery_max_attempts: int = Field(default=8, ge=1)
    delivery_retry_base_seconds: float = Field(default=30.0, gt=0)
    delivery_retry_max_seconds: float = Field(default=3600.0, gt=0)
    delivery_poll_seconds: float = Field(default=0.5, gt=0)
    delivery_stale_sending_seconds: float = Field(default=120.0, gt=0)
    delivery_retention_days: int = Field(default=90, ge=1)
    public_url: str | None = None
    """Where recipients reach this service: the base of the links in mails (by default this
    process's own HTTP address, right for the local stack only)."""
    link_days: int = Field(default=365, ge=1)
    """How long the preference and unsubscribe links of a mail stay valid."""
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    """One webhook attempt's time limit."""
    webhook_allow_private: bool = False
    """Whether webhooks may reach loopback and private addresses (local development, tests)."""
    # Sends in flight at once: a SIGKILL may repeat at most this many mails. Each finds a
    # connection to record its outcome beside the relay's two and the consumer's.
    delivery_concurrency: int = Field(default=2, ge=1)

    @model_validator(mode="after")
    def _sends_fit_the_pool(self) -> Self:
        room = self.database_pool_size - RESERVED_CONNECTIONS
        if self.delivery_concurrency > room:
            raise ValueError(
                f"ARCTIC_DELIVERY_CONCURRENCY ({self.delivery_concurrency}) must be at most "
                f"ARCTIC_DATABASE_POOL_SIZE ({self.database_pool_size}) - "
                f"{RESERVED_CONNECTIONS}: each send in flight needs a connection to record its "
                "outcome beside the relay's two and the consumer's"
            )
        return self

    def role_address(self, role: str) -> str:
        """The address of a role of the rules (`one_stop_shop`, `prototyping`,
        `partnerships`)."""
        addresses = {
            "one_stop_shop": self.one_stop_shop_email,
            "prototyping": self.prototyping_coordinators_email,
            "partnerships": self.partnerships_email,
        }
        return addresses[role]

    @property
    def organisation(self) -> str:
        """Who sends and signs: the display name of `mail_from`."""
        return parseaddr(self.mail_from)[0] or "Arctic Research Community"

    @property
    def links_base(self) -> str:
        """The base of the links in mails: `public_url`, or this process's HTTP address."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.http_host}:{self.http_port or 8104}"
