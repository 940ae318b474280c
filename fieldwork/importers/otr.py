"""oTranscribe .otr files: JSON with the transcript as HTML in "text".

oTranscribe writes `<p>` paragraphs (or `<br>`-separated lines, depending on the browser) and
timestamps as `<span class="timestamp" data-timestamp="83.2">01:23</span>`. A timestamp at
the start of a line is that line's start time; elsewhere it stays in the text as written.
"""

from __future__ import annotations

import json

import lxml.html
from lxml import etree

from .base import ParsedTranscript, TranscriptError, decode_text
from .labels import Paragraph, turns_from_paragraphs

_BLOCK_TAGS = frozenset(
    ("p", "div", "li", "ul", "ol", "blockquote", "pre", "tr", "table", "section", "article")
    + tuple(f"h{level}" for level in range(1, 7))
)
_SKIP_TAGS = frozenset(("script", "style", "head", "title"))


class _Lines:
    """Collects the lines of the HTML: every block element and <br> ends a line."""

    def __init__(self) -> None:
        self.paragraphs: list[Paragraph] = []
        self.parts: list[str] = []
        self.start_ms: int | None = None

    def text_so_far(self) -> str:
        return "".join(self.parts).strip()

    def add(self, text: str | None) -> None:
        if text:
            self.parts.append(text)

    def end_line(self) -> None:
        line = self.text_so_far()
        if line:
            self.paragraphs.append(Paragraph([line], start_ms=self.start_ms))
        self.parts = []
        self.start_ms = None


def _walk(element: etree._Element, lines: _Lines) -> None:
    for child in element:
        tag = child.tag.lower() if isinstance(child.tag, str) else ""
        if tag in _SKIP_TAGS:
            pass
        elif tag == "br":
            lines.end_line()
        elif tag == "span" and "timestamp" in (child.get("class") or "").split():
            seconds = child.get("data-timestamp")
            ms = _seconds_to_ms(seconds)
            if ms is not None and not lines.text_so_far() and lines.start_ms is None:
                lines.start_ms = ms  # a timestamp opening the line is its start time
            else:
                lines.add(child.text_content())
        elif tag in _BLOCK_TAGS:
            lines.end_line()
            lines.add(child.text)
            _walk(child, lines)
            lines.end_line()
        elif tag:
            lines.add(child.text)
            _walk(child, lines)
        lines.add(child.tail)


def _seconds_to_ms(value: str | None) -> int | None:
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    if seconds is None or not 0 <= seconds < 10**7:
        return None
    return round(seconds * 1000)


def parse_otr(data: bytes) -> ParsedTranscript:
    text = decode_text(data, "otr")
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise TranscriptError(
            "This .otr file is damaged or is not really an oTranscribe file."
        ) from exc
    if not isinstance(document, dict) or not isinstance(document.get("text"), str):
        raise TranscriptError("This .otr file is damaged or is not really an oTranscribe file.")
    metadata: dict[str, str] = {}
    if isinstance(document.get("media"), str) and document["media"].strip():
        metadata["Media"] = document["media"].strip()
    if isinstance(document.get("media-time"), int | float | str) and str(document["media-time"]):
        metadata["Media time"] = str(document["media-time"])
    html_text = document["text"]
    lines = _Lines()
    if html_text.strip():
        try:
            root = lxml.html.fragment_fromstring(html_text, create_parent="div")
        except (etree.ParserError, ValueError) as exc:
            raise TranscriptError(
                "This .otr file is damaged or is not really an oTranscribe file."
            ) from exc
        lines.add(root.text)
        _walk(root, lines)
        lines.end_line()
    turns, found = turns_from_paragraphs(lines.paragraphs, metadata)
    return ParsedTranscript(turns=turns, metadata=found, format="otr")
