"""The event contracts of Arctic RDI Hub: the one definition in code of every event.

- `vocabulary`: shared enumerations and value types (`BusinessId`, `Person`, `Company`).
- `events`: one Pydantic model per event, grouped by producing service.
- `registry`: subjects to models (`EVENTS`, `model_for`) and the streams (`STREAMS`).
- `envelope`: CloudEvents over NATS headers (`build_message`, `parse_message`).
- `schemas`, `asyncapi`, `export`: the committed JSON Schemas and AsyncAPI document;
  `asyncapi_html` renders the document as an HTML page that needs no network.
- `compatibility`: `breaking_changes` between two versions of a schema.
- `examples`: one valid example of every event, for documents and tests.
- `version`: the package version, which follows the contracts.
- `faststream` (the `faststream` extra): the subscriber kit for other systems.
"""
