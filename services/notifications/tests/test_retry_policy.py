"""The retry schedule (exponential back-off, full jitter, Retry-After) and which failures are
transient or permanent, for SMTP and webhooks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiosmtplib
import pytest

from arctic.notifications.domain import RetryPolicy
from arctic.notifications.mailer import is_permanent
from arctic.notifications.webhooks import UnsafeDestination, check_destination, retry_after

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
POLICY = RetryPolicy(8, timedelta(seconds=30), timedelta(hours=1))


@pytest.mark.parametrize(
    ("attempts", "ceiling"),
    [(1, 30), (2, 60), (3, 120), (4, 240), (5, 480), (6, 960), (7, 1920)],
)
def test_each_wait_is_drawn_between_nothing_and_a_doubling_ceiling(
    attempts: int, ceiling: int
) -> None:
    assert POLICY.after_failure(attempts, NOW, jitter=0.0) == NOW
    assert POLICY.after_failure(attempts, NOW, jitter=0.5) == NOW + timedelta(seconds=ceiling / 2)
    latest = POLICY.after_failure(attempts, NOW, jitter=0.999)
    assert latest is not None
    assert latest < NOW + timedelta(seconds=ceiling)


def test_eight_attempts_span_about_half_an_hour_on_average_and_an_hour_at_most() -> None:
    ceilings = [POLICY.ceiling(n) for n in range(1, POLICY.max_attempts)]
    assert sum(ceilings, timedelta()) / 2 == timedelta(minutes=31, seconds=45)
    assert sum(ceilings, timedelta()) < timedelta(hours=1, minutes=4)


def test_the_ceiling_is_capped() -> None:
    assert POLICY.ceiling(20) == timedelta(hours=1)


def test_no_attempt_is_left_after_the_last() -> None:
    assert POLICY.after_failure(8, NOW, jitter=0.5) is None


def test_a_retry_after_is_honoured_as_the_least_wait_up_to_the_cap() -> None:
    asked = timedelta(seconds=600)
    assert POLICY.after_failure(1, NOW, jitter=0.1, retry_after=asked) == NOW + asked
    huge = timedelta(days=2)
    assert POLICY.after_failure(1, NOW, jitter=0.1, retry_after=huge) == NOW + timedelta(hours=1)


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (aiosmtplib.SMTPResponseException(550, "no such user"), True),
        (aiosmtplib.SMTPDataError(554, "rejected as spam"), True),
        (aiosmtplib.SMTPResponseException(451, "greylisted, try later"), False),
        (aiosmtplib.SMTPResponseException(421, "too busy"), False),
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(550, "no such user", "a@example.fi")]
            ),
            True,
        ),
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(450, "mailbox busy", "a@example.fi")]
            ),
            False,
        ),
        (aiosmtplib.SMTPServerDisconnected("lost"), False),
        (aiosmtplib.SMTPConnectError("refused"), False),
        (aiosmtplib.SMTPTimeoutError("timed out"), False),
    ],
    ids=lambda value: (
        getattr(value, "code", type(value).__name__) if value not in (True, False) else ""
    ),
)
def test_smtp_5xx_is_permanent_and_4xx_or_no_connection_transient(
    error: Exception, permanent: bool
) -> None:
    assert is_permanent(error) is permanent


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert retry_after("120", NOW) == timedelta(seconds=120)
    assert retry_after("Thu, 15 Jan 2026 12:05:00 GMT", NOW) == timedelta(minutes=5)
    assert retry_after("soon", NOW) is None
    assert retry_after(None, NOW) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "https://10.1.2.3/hook",
        "http://192.168.1.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "ftp://example.org/hook",
        "file:///etc/passwd",
        "https:///no-host",
    ],
)
async def test_loopback_private_and_non_http_destinations_are_refused(url: str) -> None:
    with pytest.raises(UnsafeDestination):
        await check_destination(url, allow_private=False)


async def test_a_setting_allows_private_destinations_but_never_other_schemes() -> None:
    await check_destination("http://127.0.0.1:8080/hook", allow_private=True)
    with pytest.raises(UnsafeDestination):
        await check_destination("ftp://127.0.0.1/hook", allow_private=True)


async def test_a_public_address_is_accepted() -> None:
    await check_destination("https://193.166.3.2/hook", allow_private=False)  # no lookup
