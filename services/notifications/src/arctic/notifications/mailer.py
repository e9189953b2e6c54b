"""Mail out over SMTP (a local sink in development, the organisation's relay in production)."""

from __future__ import annotations

import email.policy
import re
import unicodedata
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from arctic.notifications.domain import Delivery
from arctic.notifications.settings import NotificationsSettings


class MailRefused(Exception):
    """The SMTP server was unreachable or refused the message."""


class MailNotComposable(ValueError):
    """The delivery's data cannot make a mail (e.g. a recipient that is no mail address)."""


def compose(delivery: Delivery, settings: NotificationsSettings) -> EmailMessage:
    """The e-mail of a delivery. Its Message-ID is the delivery's id, the same on every attempt,
    so that a receiving server can recognise a resent copy.

    Every header value passes `header_text` first: a title or a name is the caller's text,
    and a line break in it must not end the header (or fail the delivery). The message uses
    the SMTP policy (CRLF line ends; non-ASCII and long values encoded and folded)."""
    mail = EmailMessage(policy=email.policy.SMTP)
    mail["From"] = header_text(settings.mail_from)
    mail["To"] = header_text(delivery.recipient)
    defects = getattr(mail["To"], "defects", ())
    if defects:  # the policy would send the mail on with a garbled address; say so instead
        raise MailNotComposable(f"the recipient is not a mail address: {defects[0]}")
    mail["Subject"] = header_text(delivery.subject)
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = f"<{delivery.id}@arctic-rdi.fi>"
    mail["X-Correlation-ID"] = header_text(delivery.correlation_id)
    mail.set_content(delivery.body)
    mail["Content-Language"] = delivery.language.value  # after set_content, which resets Content-*
    return mail


_SPACES = re.compile(r"\s+")


def header_text(value: str) -> str:
    """`value` as one line of header text: control characters (CR, LF, NUL, tab ...) and
    Unicode line and paragraph separators become spaces, runs of spaces one."""
    visible = "".join(
        " " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in value
    )
    return _SPACES.sub(" ", visible).strip()


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
