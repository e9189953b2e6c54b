"""The AsyncAPI document as one HTML page that needs nothing from the internet.

    python -m arctic.contracts.asyncapi_html                 # writes .arctic/asyncapi.html
    python -m arctic.contracts.asyncapi_html --out page.html

The official AsyncAPI web component and FastStream's page load their scripts from a CDN; this
page is plain HTML with its style inline, made from the document itself: per stream, each
channel (subject) with its summary, its message's headers, payload schema and example. The
`<details>` elements fold and unfold without any script.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from arctic.contracts.asyncapi import STREAM_FIELD, asyncapi_document

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 70rem; padding: 1rem 2rem;
  color: #1b1f24; }
h1 { margin-bottom: .2rem; } h2 { border-bottom: 2px solid #d0d7de; margin-top: 2.5rem; }
code, pre { font: 13px/1.4 ui-monospace, monospace; }
pre { background: #f6f8fa; padding: .75rem; overflow-x: auto; border-radius: 6px; }
details { border: 1px solid #d0d7de; border-radius: 6px; margin: .5rem 0; padding: .3rem .8rem; }
summary { cursor: pointer; } summary code { font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0; }
td, th { border-bottom: 1px solid #eaeef2; padding: .25rem .5rem; text-align: left;
  vertical-align: top; }
.muted { color: #57606a; } .tag { background: #ddf4ff; border-radius: 1em; padding: 0 .5em; }
"""


def _ref(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _type_of(document: dict[str, Any], schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return escape(schema["$ref"].rsplit("/", 1)[-1])
    if "anyOf" in schema:
        return " | ".join(_type_of(document, s) for s in schema["anyOf"])
    kind = str(schema.get("type", "any"))
    if kind == "array" and isinstance(schema.get("items"), dict):
        return f"list of {_type_of(document, schema['items'])}"
    if "enum" in schema:
        return "one of " + ", ".join(f"<code>{escape(str(v))}</code>" for v in schema["enum"])
    if "format" in schema:
        kind += f" ({escape(str(schema['format']))})"
    return escape(kind)


def _properties(document: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> str:
    schema = _ref(document, schema)
    properties = schema.get("properties", {})
    if not properties:
        return ""
    required = set(schema.get("required", []))
    rows = []
    for name, spec in properties.items():
        marks = [] if name in required else ["optional"]
        marks += ["personal"] if spec.get("x-personal") else []
        nested = _ref(document, spec.get("items", spec) if spec.get("type") == "array" else spec)
        inner = _properties(document, nested, depth + 1) if depth < 3 and nested != spec else ""
        if not inner and depth < 3 and "$ref" in spec:
            inner = _properties(document, spec, depth + 1)
        rows.append(
            f"<tr><td><code>{escape(name)}</code></td><td>{_type_of(document, spec)}"
            f"{''.join(f' <span class=tag>{m}</span>' for m in marks)}</td>"
            f"<td>{escape(str(spec.get('description', '')))}{inner}</td></tr>"
        )
    return f"<table><tr><th>field</th><th>type</th><th></th></tr>{''.join(rows)}</table>"


def _channel(document: dict[str, Any], channel: dict[str, Any]) -> str:
    (message_ref,) = channel["messages"].values()
    message = _ref(document, message_ref)
    headers = message["headers"]["allOf"]
    fixed = {k: v["const"] for part in headers for k, v in part.get("properties", {}).items()
             if isinstance(v, dict) and "const" in v}  # fmt: skip
    header_rows = "".join(
        f"<tr><td><code>{escape(k)}</code></td><td><code>{escape(str(v))}</code></td></tr>"
        for k, v in fixed.items()
    )
    examples = "".join(
        f"<pre>{escape(json.dumps(example['payload'], indent=2, ensure_ascii=False))}</pre>"
        for example in message.get("examples", [])
    )
    return (
        f"<details id='{escape(channel['address'])}'><summary><code>{escape(channel['address'])}"
        f"</code> <span class=muted>{escape(message['name'])}</span></summary>"
        f"<p>{escape(channel.get('description', ''))}</p>"
        f"<p>Stream <code>{escape(channel[STREAM_FIELD])}</code>.</p>"
        f"<h4>Headers fixed for this event</h4><table>{header_rows}</table>"
        f"<h4>Payload</h4>{_properties(document, message['payload'])}"
        f"<h4>Example</h4>{examples}</details>"
    )


def render(document: dict[str, Any]) -> str:
    """The page for an AsyncAPI 3 document as `asyncapi_document()` makes it."""
    info = document["info"]
    by_stream: dict[str, list[dict[str, Any]]] = {}
    for channel in document["channels"].values():
        by_stream.setdefault(channel[STREAM_FIELD], []).append(channel)
    sections = "".join(
        f"<h2>Stream {escape(stream)}</h2>" + "".join(_channel(document, c) for c in channels)
        for stream, channels in by_stream.items()
    )
    headers = _properties(document, document["components"]["schemas"]["CloudEventHeaders"])
    server = next(iter(document["servers"].values()))
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(info['title'])}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(info['title'])}</h1><p class=muted>AsyncAPI {escape(document['asyncapi'])},"
        f" document version {escape(info['version'])}</p><p>{escape(info['description'])}</p>"
        f"<p>Server: <code>{escape(server['protocol'])}://{escape(server['host'])}</code>: "
        f"{escape(server.get('description', ''))}</p>"
        f"<h2>Headers of every message</h2>{headers}{sections}</body></html>\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the page, print where."""
    parser = argparse.ArgumentParser(prog="python -m arctic.contracts.asyncapi_html")
    parser.add_argument("--out", type=Path, default=Path(".arctic/asyncapi.html"))
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(json.loads(json.dumps(asyncapi_document()))), encoding="utf-8")
    print(f"wrote {args.out} (open it in a browser; it needs no network)")
    return 0


__all__ = ["main", "render"]

if __name__ == "__main__":
    sys.exit(main())
