"""A local SMTP server that keeps every mail it receives as an `.eml` file (development only)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class _WriteEml:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # Nanoseconds in the name: mails received within one second still sort in order.
        now = time.time_ns()
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now // 1_000_000_000))
        name = f"{stamp}.{now % 1_000_000_000:09d}-{uuid.uuid4().hex[:8]}.eml"
        (self.sink.directory / name).write_bytes(envelope.original_content or envelope.content)
        if self.sink.on_mail is not None:
            self.sink.on_mail()
        return "250 Message accepted for delivery"


class MailSink:
    """SMTP on `host:port`; each received message becomes `<directory>/<UTC time>.<ns>-<id>.eml`."""

    def __init__(self, directory: Path, port: int, host: str = "127.0.0.1") -> None:
        self.directory, self.port, self.host = directory, port, host
        self._controller: Controller | None = None
        self.on_mail: Callable[[], None] | None = None
        """Called in the sink's thread once a mail is stored, before it is accepted (a test
        puts a fault at the worst moment there: the mail is out, the sender not told yet)."""

    def start(self) -> None:
        """Listen (in a thread of its own)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        # aiosmtpd logs every peer and address at INFO: personal data, kept out of the logs.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self._controller = Controller(_WriteEml(self), hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def mails(self) -> list[Path]:
        """The received mails, oldest first."""
        return sorted(self.directory.glob("*.eml"))
