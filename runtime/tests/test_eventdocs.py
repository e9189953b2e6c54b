"""docs/events.md is what the registry and the installed services' subscriptions say."""

from __future__ import annotations

from arctic.contracts.events import PrototypeRequested
from arctic.contracts.registry import EVENTS
from arctic.contracts.subscribers import OTHER_SYSTEMS
from arctic.runtime.eventdocs import EVENTS_DOC, consumers_in_code, main, render


def test_the_committed_catalogue_is_the_generated_one() -> None:
    assert EVENTS_DOC.read_text(encoding="utf-8") == render(), "run `make schemas`"
    assert main(["--check"]) == 0


def test_every_event_is_in_the_catalogue_with_its_schema() -> None:
    text = render()
    for subject, model in EVENTS.items():
        assert f"[{model.__name__}](../contracts/schemas/{subject}.json)" in text


def test_consumers_come_from_the_services_code() -> None:
    consumers = consumers_in_code()
    assert consumers[PrototypeRequested.subject] == ["notifications (`notifications-prototyping`)"]
    assert set(consumers) <= set(EVENTS)


def test_other_systems_are_noted_only_for_events_that_exist() -> None:
    assert set(OTHER_SYSTEMS) <= set(EVENTS)
