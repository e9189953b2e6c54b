"""The log scan that every end-to-end test runs: it finds a person's data in any form a log
line may carry it, and passes text without it."""

from __future__ import annotations

import json

import pytest

from arctic.runtime.testing import assert_no_personal_data, personal_data_in

SUBMITTED = ["Åsa Öberg-Lind", "asa.oberg@example.fi", "+358 40 765 4321"]


def log_line(**fields: object) -> str:
    """A line as the runtime's JSON renderer writes it (non-ASCII escaped)."""
    return json.dumps({"event": "delivery attempt failed", "service": "notifications", **fields})


@pytest.mark.parametrize(
    "line",
    [
        log_line(error="SMTP 550 <asa.oberg@example.fi>: mailbox unavailable"),
        log_line(error="550 ASA.OBERG@EXAMPLE.FI unknown"),
        log_line(user="asa.oberg"),
        log_line(greeting="Hej Åsa Öberg-Lind"),
        log_line(contact="Öberg-Lind"),
        log_line(phone="358407654321"),
        "plain text: call +358 40 765 4321",
    ],
)
def test_a_name_address_or_phone_is_found_in_any_form(line: str) -> None:
    assert personal_data_in(f"{log_line(ok=1)}\n{line}", SUBMITTED)
    with pytest.raises(AssertionError, match="line 2"):
        assert_no_personal_data(f"{log_line(ok=1)}\n{line}", SUBMITTED)


def test_text_without_them_passes() -> None:
    text = "\n".join(
        [
            log_line(person_id="0e23c64b-2246-8a23-a310-8dbe56c4b9d2", template="acknowledgement"),
            log_line(error="SMTPRecipientsRefused: 550 mailbox unavailable (recipient withheld)"),
            log_line(company="Revontuli Robotics Oy", domain="example.fi"),
        ]
    )
    assert_no_personal_data(text, SUBMITTED)


def test_a_scan_without_values_is_refused() -> None:
    with pytest.raises(AssertionError, match="give the names"):
        assert_no_personal_data("anything", [])
