"""What an SMTP refusal leaves in logs, deliveries and NotificationFailed: codes and the
server's words, never the recipient's address."""

from __future__ import annotations

import aiosmtplib
import pytest

from arctic.notifications.mailer import WITHHELD, refusal

ADDRESS = "aino.korhonen@example.fi"


@pytest.mark.parametrize(
    ("error", "kept"),
    [
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(550, f"5.1.1 <{ADDRESS}>: no such user", ADDRESS)]
            ),
            "SMTPRecipientsRefused: 550 5.1.1",
        ),
        (
            aiosmtplib.SMTPDataError(554, f"message for {ADDRESS} rejected as spam"),
            "SMTPDataError: 554 message for",
        ),
        (aiosmtplib.SMTPResponseException(421, f"too busy, try {ADDRESS} later"), "421 too busy"),
        (aiosmtplib.SMTPServerDisconnected(f"lost while sending to {ADDRESS}"), "lost while"),
        (ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 1025)"), "Connect call"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else "",
)
def test_a_refusal_keeps_the_codes_and_words_and_withholds_every_address(
    error: Exception, kept: str
) -> None:
    text = refusal(error)

    assert kept in text
    assert ADDRESS not in text
    assert "aino" not in text.lower()
    assert (WITHHELD in text) is (ADDRESS in str(error) or ADDRESS in repr(error))
