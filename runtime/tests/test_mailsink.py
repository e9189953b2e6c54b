"""The development SMTP sink keeps mails in the order it received them."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

from arctic.runtime.mailsink import MailSink
from arctic.runtime.servers import free_port


def test_mails_received_within_one_second_are_listed_oldest_first(tmp_path: Path) -> None:
    sink = MailSink(tmp_path / "mail", free_port())
    sink.start()
    try:
        with smtplib.SMTP(sink.host, sink.port) as smtp:
            for n in range(20):
                mail = EmailMessage()
                mail["From"], mail["To"], mail["Subject"] = "a@example.org", "b@example.org", str(n)
                mail.set_content("body")
                smtp.send_message(mail)
    finally:
        sink.stop()
    subjects = [p.read_text().split("Subject: ")[1].split("\n")[0] for p in sink.mails()]
    assert subjects == [str(n) for n in range(20)]
