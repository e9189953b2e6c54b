"""Mail out over SMTP (a local sink in development, the organisation's relay in production)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from arctic.notifications.domain import Delivery
from arctic.notifications.settings import NotificationsSettings


class MailRefused(Exception):
    """The SMTP server was unreachable or refused the message."""


def compose(delivery: Delivery, settings: NotificationsSettings) -> EmailMessage:
    """The e-mail of a delivery. Its Message-ID is the delivery's id, the same on every attempt,
    so that a receiving server can recognise a resent copy."""
    mail = EmailMessage()
    mail["From"] = settings.mail_from
    mail["To"] = delivery.recipient
    mail["Subject"] = delivery.subject
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = f"<{delivery.id}@arctic-rdi.fi>"
    mail["X-Correlation-ID"] = delivery.correlation_id
    mail.set_content(delivery.body)
    mail["Content-Language"] = delivery.language.value  # after set_content, which resets Content-*
    return mail


async def send_mail(mail: EmailMessage, settings: NotificationsSettings) -> None:
    """Hand the mail to the SMTP server; raise MailRefused when it does not take it."""
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        await aiosmtplib.send(
            mail,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password,
            start_tls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
        )
    except (aiosmtplib.SMTPException, OSError) as error:
        raise MailRefused(f"{type(error).__name__}: {error}") from error
