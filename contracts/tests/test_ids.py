"""Event ids are UUIDv7 (RFC 9562); trace context follows W3C."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from arctic.contracts.ids import (
    is_uuid7,
    is_valid_traceparent,
    new_event_id,
    new_traceparent,
    uuid7_from_parts,
    uuid7_time,
)


def test_an_event_id_is_a_version_7_uuid_of_the_rfc_variant() -> None:
    event_id = new_event_id()

    assert event_id.version == 7
    assert is_uuid7(event_id)


def test_an_event_id_carries_the_time_it_was_made() -> None:
    before = datetime.now(UTC).timestamp()
    event_id = new_event_id()
    after = datetime.now(UTC).timestamp()

    assert before - 0.001 <= uuid7_time(event_id).timestamp() <= after + 0.001


def test_event_ids_made_in_a_row_increase() -> None:
    ids = [new_event_id() for _ in range(10_000)]

    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_event_ids_made_later_sort_later() -> None:
    first = new_event_id()
    time.sleep(0.002)

    assert new_event_id() > first


def test_the_fields_of_a_uuid7_sit_where_rfc_9562_puts_them() -> None:
    value = uuid7_from_parts(0x017F22E279B0, 0xCC3, 0x18C4DC0C0C07398F)

    assert str(value) == "017f22e2-79b0-7cc3-98c4-dc0c0c07398f"


def test_a_new_traceparent_is_valid() -> None:
    assert is_valid_traceparent(new_traceparent())


def test_a_traceparent_with_an_all_zero_trace_id_is_invalid() -> None:
    assert not is_valid_traceparent(f"00-{'0' * 32}-00f067aa0ba902b7-01")
