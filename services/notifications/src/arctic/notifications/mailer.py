"""Mail out over SMTP (a local sink in development, the organisation's relay in production)."""

from __future__ import annotations

import asyncio
import binascii
import email.policy
import functools
import re
import unicodedata
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage, MIMEPart
from email.utils import formatdate

import aiosmtplib

from arctic.notifications.domain import Delivery
from arctic.notifications.settings import NotificationsSettings


class MailRefused(Exception):
    """The SMTP server was unreachable or refused the message; the text never names the
    recipient (it reaches logs, `deliveries.last_error` and NotificationFailed).
    `permanent` when trying again cannot help (a 5xx reply)."""

    def __init__(self, text: str, *, permanent: bool = False) -> None:
        super().__init__(text)
        self.permanent = permanent


def is_permanent(error: Exception) -> bool:
    """Whether an SMTP failure is final: a 5xx reply (no such user, rejected) is; a 4xx
    reply (greylisted, busy), a lost connection or a timeout is transient."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(r.code >= 500 for r in error.recipients)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return 500 <= error.code < 600
    return False


_ADDRESS = re.compile(r"<?[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]*>?")
WITHHELD = "<address withheld>"


def refusal(error: Exception) -> str:
    """What went wrong in an SMTP exchange, without any e-mail address in it.

    SMTP servers echo the recipient in their replies (`550 5.1.1 <aino@…>: no such user`), and
    aiosmtplib's exceptions carry the recipients refused: only codes and the server's words,
    with every address withheld, are kept.
    """
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        replies = "; ".join(f"{r.code} {withheld(r.message)}" for r in error.recipients)
        return f"{type(error).__name__}: {replies}"
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"{type(error).__name__}: {error.code} {withheld(error.message)}"
    return f"{type(error).__name__}: {withheld(str(error))}"


def withheld(text: str) -> str:
    """`text` with every e-mail address in it withheld."""
    return _ADDRESS.sub(WITHHELD, text)


class _HeaderClasses(HeaderRegistry):
    """The email package's header registry, making each header name's class once: the
    standard one makes a new class for every header of every mail, which was a fifth of the
    time it took to compose one."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


POLICY = email.policy.SMTP.clone(header_factory=_HeaderClasses())
"""The SMTP policy (CRLF line ends; non-ASCII and long values encoded and folded)."""


@functools.lru_cache(maxsize=16)
def _parsed_once(name: str, value: str) -> BaseHeader:
    """A header whose value is the same in every mail (the sender from the settings, the
    content's type), parsed once: header objects are immutable, and a mail takes one as it
    is."""
    header: BaseHeader = POLICY.header_factory(name, value)
    return header


class MailNotComposable(ValueError):
    """The delivery's data cannot make a mail (e.g. a recipient that is no mail address)."""


def compose(delivery: Delivery, settings: NotificationsSettings) -> EmailMessage:
    """The e-mail of a delivery. Its Message-ID is the delivery's id, the same on every attempt,
    so that a receiving server can recognise a resent copy. With an HTML alternative it is
    multipart/alternative (plain text first); `Reply-To` names who can answer.

    Every header value passes `header_text` first: a title or a name is the caller's text,
    and a line break in it must not end the header (or fail the delivery). The message uses
    the SMTP policy (CRLF line ends; non-ASCII and long values encoded and folded)."""
    recipient, subject, body = delivery.recipient, delivery.subject, delivery.body
    if recipient is None or subject is None or body is None:
        raise MailNotComposable("the delivery's personal data was erased")
    mail = EmailMessage(policy=POLICY)
    mail["From"] = _parsed_once("From", header_text(settings.mail_from))
    mail["To"] = header_text(recipient)
    defects = getattr(mail["To"], "defects", ())
    if defects:  # the policy would send the mail on with a garbled address; say so instead
        raise MailNotComposable(f"the recipient is not a mail address: {defects[0]}")
    if delivery.reply_to:
        mail["Reply-To"] = header_text(delivery.reply_to)
    mail["Subject"] = header_text(subject)
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = f"<{delivery.id}@arctic-rdi.fi>"
    mail["X-Correlation-ID"] = header_text(delivery.correlation_id)
    if delivery.unsubscribe_url is not None:  # RFC 8058: one POST switches the kind off
        mail["List-Unsubscribe"] = f"<{delivery.unsubscribe_url}>"
        mail["List-Unsubscribe-Post"] = _parsed_once("List-Unsubscribe-Post", ONE_CLICK)
    mail["Content-Language"] = delivery.language.value
    mail["MIME-Version"] = _parsed_once("MIME-Version", "1.0")
    if delivery.html is None:
        _set_text(mail, body, "plain")
    else:  # multipart/alternative: the plain text first, as RFC 2046 asks
        mail["Content-Type"] = _parsed_once("Content-Type", "multipart/alternative")
        for text, subtype in ((body, "plain"), (delivery.html, "html")):
            part = EmailMessage(policy=POLICY)
            _set_text(part, text, subtype)
            mail.attach(part)
    return mail


ONE_CLICK = "List-Unsubscribe=One-Click"


def _set_text(part: MIMEPart, text: str, subtype: str) -> None:
    """`text` as the UTF-8, quoted-printable content of `part`: what `set_content` chooses for
    our languages' text, without parsing the same content headers again for every mail."""
    part["Content-Type"] = _parsed_once("Content-Type", f'text/{subtype}; charset="utf-8"')
    part["Content-Transfer-Encoding"] = _parsed_once("Content-Transfer-Encoding", QP)
    lines = b"\n".join(text.encode().splitlines()) + b"\n"  # line ends as set_content has them
    part.set_payload(binascii.b2a_qp(lines, istext=True).decode("ascii"))


QP = "quoted-printable"


_SPACES = re.compile(r"\s+")


def header_text(value: str) -> str:
    """`value` as one line of header text: control characters (CR, LF, NUL, tab ...) and
    Unicode line and paragraph separators become spaces, runs of spaces one."""
    visible = "".join(
        " " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in value
    )
    return _SPACES.sub(" ", visible).strip()


async def send_mail(
    mail: EmailMessage, settings: NotificationsSettings, sessions: SmtpSessions | None = None
) -> None:
    """Hand the mail to the SMTP server, in a session of its own (from `sessions`, which may
    have opened it already); raise MailRefused when it does not take it."""
    if sessions is None:
        sessions = SmtpSessions(settings)
        try:
            await sessions.send(mail)
        finally:
            await sessions.close()
    else:
        await sessions.send(mail)


class SmtpSessions:
    """One SMTP session per mail for one sender at a time; the next session can be opened
    (connected, greeted, TLS and login as configured) ahead, while the last mail's outcome is
    being recorded, and the last one is closed (QUIT) meanwhile too: the mail itself is handed
    over only in `send`, so no more mails are out and unrecorded than before."""

    def __init__(self, settings: NotificationsSettings) -> None:
        self._settings = settings
        self._opening: asyncio.Future[aiosmtplib.SMTP] | None = None
        self._closing: set[asyncio.Future[None]] = set()

    def open_next(self) -> None:
        """Start opening the session of the next mail, if none is open or opening."""
        if self._opening is None:
            self._opening = asyncio.ensure_future(_open(self._settings))

    async def send(self, mail: EmailMessage) -> None:
        """Send `mail` in the session opened ahead (or a new one, should it have failed or
        been closed by the server meanwhile); raise MailRefused when the server does not take
        it. The session is closed in the background."""
        opening, self._opening = self._opening, None
        client = None
        try:
            if opening is not None:
                client = await opening
            if client is None or not client.is_connected:  # the server closed it meanwhile
                client = await _open(self._settings)
            await client.send_message(mail)
        except (aiosmtplib.SMTPException, OSError) as error:
            if client is not None:
                client.close()
            raise MailRefused(refusal(error), permanent=is_permanent(error)) from error
        except BaseException:
            if client is not None:
                client.close()
            raise
        closing = asyncio.ensure_future(_quit(client))
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)

    async def close(self) -> None:
        """Close the session opened ahead, unused, and wait for the others to be closed."""
        opening, self._opening = self._opening, None
        if opening is not None:
            self._closing.add(asyncio.ensure_future(_quit_opened(opening)))
        if self._closing:
            await asyncio.gather(*self._closing)


async def _open(settings: NotificationsSettings) -> aiosmtplib.SMTP:
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    client = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=password,
        start_tls=settings.smtp_starttls,
        timeout=settings.smtp_timeout_seconds,
    )
    try:
        await client.connect()
        await client.ehlo()
    except BaseException:
        client.close()
        raise
    return client


async def _quit(client: aiosmtplib.SMTP) -> None:
    """QUIT after the mail was accepted: its answer changes nothing."""
    try:
        await client.quit()
    except Exception:
        client.close()


async def _quit_opened(opening: asyncio.Future[aiosmtplib.SMTP]) -> None:
    try:
        client = await opening
    except Exception:
        return
    await _quit(client)
