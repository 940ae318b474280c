"""Text rules for every Source: NFC with LF line endings and no other control characters;
paragraphs, and turns joined into one text with each turn's `[start, end)`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_LINES = re.compile(r"\n[ \t]*\n")
TURN_SEPARATOR = "\n\n"


def normalise_text(text: str) -> str:
    """NFC, LF line endings, no control characters other than tab and LF."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROL.sub("", text))


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """`[start, end)` of each paragraph (runs separated by blank lines), whitespace trimmed."""
    spans = []
    position = 0
    for part in [*_BLANK_LINES.split(text)]:
        start = text.index(part, position) if part else position
        end = start + len(part)
        position = end
        stripped = part.strip()
        if stripped:
            lead = len(part) - len(part.lstrip())
            spans.append((start + lead, start + lead + len(stripped)))
    return spans


@dataclass
class Turn:
    speaker: str
    text: str
    start_ms: int | None = None
    end_ms: int | None = None


def compose_turns(turns: Sequence[Turn]) -> tuple[str, list[tuple[Turn, int, int]]]:
    """Join turn texts with blank lines; return the text and each turn's `[start, end)`."""
    parts: list[str] = []
    placed = []
    length = 0
    for turn in turns:
        body = normalise_text(turn.text).strip()
        if not body:
            continue
        if parts:
            parts.append(TURN_SEPARATOR)
            length += len(TURN_SEPARATOR)
        placed.append((turn, length, length + len(body)))
        parts.append(body)
        length += len(body)
    return "".join(parts), placed
