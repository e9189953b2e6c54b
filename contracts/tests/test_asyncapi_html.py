"""The AsyncAPI document as an HTML page that loads nothing from anywhere."""

from __future__ import annotations

import re
from pathlib import Path

from arctic.contracts.asyncapi_html import main
from arctic.contracts.registry import EVENTS, stream_for_subject


def test_the_page_shows_every_subject_under_its_stream_and_loads_nothing(tmp_path: Path) -> None:
    page = tmp_path / "asyncapi.html"

    assert main(["--out", str(page)]) == 0

    html = page.read_text(encoding="utf-8")
    for subject in EVENTS:
        section = html.index(f"<h2>Stream {stream_for_subject(subject).name}</h2>")
        assert html.index(f"<details id='{subject}'>") > section
    assert re.search(r"<script|<link|<img|<iframe|\ssrc=|@import|url\(", html) is None
    assert "<span class=tag>personal</span>" in html


def test_the_subscribing_page_lists_the_streams_as_the_registry_has_them() -> None:
    from arctic.contracts.registry import STREAMS

    page = Path(__file__).resolve().parents[2] / "docs" / "subscribing.md"
    rows = re.findall(r"^\| `([A-Z_]+)` \| `([^`]+)` \|", page.read_text(), re.MULTILINE)

    assert rows == [(stream.name, stream.subjects[0]) for stream in STREAMS]
