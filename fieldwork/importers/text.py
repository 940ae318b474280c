"""Plain-text transcripts (.txt): researchers' own typing, Otter TXT, QualCoder, ASR output."""

from __future__ import annotations

from .base import ParsedTranscript, decode_text
from .captions import caption_turns, looks_like_captions, parse_cues
from .labels import Paragraph, turns_from_paragraphs


def text_paragraphs(text: str) -> list[Paragraph]:
    """Blank lines separate paragraphs. A file without a single blank line is one paragraph
    per line instead (ASR dumps, and transcripts typed one turn per line)."""
    lines = text.split("\n")
    if all(ln.strip() for ln in lines):
        return [Paragraph([ln]) for ln in lines if ln.strip()]
    paragraphs: list[Paragraph] = []
    block: list[str] = []
    for line in lines:
        if line.strip():
            block.append(line)
        elif block:
            paragraphs.append(Paragraph(block))
            block = []
    if block:
        paragraphs.append(Paragraph(block))
    return paragraphs


def parse_txt(data: bytes) -> ParsedTranscript:
    text = decode_text(data, "txt")
    kind = looks_like_captions(text)
    if kind is not None:
        # Captions saved as .txt (a common rename): read them as what they are.
        cues, metadata = parse_cues(text, "txt")
        return ParsedTranscript(turns=caption_turns(cues), metadata=metadata, format=kind)
    turns, metadata = turns_from_paragraphs(text_paragraphs(text.strip("\n")))
    return ParsedTranscript(turns=turns, metadata=metadata, format="txt")
